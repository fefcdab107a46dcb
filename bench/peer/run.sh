#!/usr/bin/env bash
# `make bench-peer`: acuflow and GNU Health 5.0.6 side by side on the same 20,000 patients.
#
# Installs GNU Health from PyPI into its own virtualenv (PEER_VENV, outside the repository;
# nothing of GNU Health is in this repository), makes its PostgreSQL database with the
# `health` module, generates the acuflow database (acuflow generate --patients 20000
# --seed 1), loads the same people into GNU Health (load_gnuhealth.py), serves both with
# gunicorn, 4 sync workers each, and runs driver.py twice: against GNU Health as installed
# and once more after CREATE INDEX on gnuhealth_patient_evaluation (patient,
# evaluation_start). Steps whose result exists are skipped (the databases, the venv, the
# load: $PEER_WORK/gh_targets.json), so a second run only measures; to load again, drop
# the GNU Health database and delete that file. Writes bench/results/peer.json.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PG=${PG:-postgresql://postgres@127.0.0.1:5432}
WORK=${PEER_WORK:-/tmp/acuflow-peer}
PEER_VENV=${PEER_VENV:-$WORK/venv}
# trytond 7.0 supports Python 3.8-3.12: the first 3.12 found (PATH, then pyenv's).
if [ -z "${PEER_PYTHON:-}" ]; then
    for p in python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python3; do
        if "$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
            PEER_PYTHON=$p
            break
        fi
    done
fi
: "${PEER_PYTHON:?GNU Health 5.0 (trytond 7.0) needs Python 3.12: set PEER_PYTHON}"
GH_DB=${GH_DB:-peer_gnuhealth}
ACU_DB=${ACU_DB:-bench_peer_20000}
PATIENTS=${PATIENTS:-20000}
ROUNDS=${ROUNDS:-60}
GH_PORT=${GH_PORT:-8700}
ACU_PORT=${ACU_PORT:-8701}
OUT=${OUT:-$ROOT/bench/results/peer.json}
PY=$ROOT/.venv/bin/python
HERE=$ROOT/bench/peer
mkdir -p "$WORK"
log() { echo "[$(date -u +%H:%M:%S)] $*"; }
exists() { psql "$PG/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1; }

if [ ! -x "$PEER_VENV/bin/trytond-admin" ]; then
    log "GNU Health 5.0.6 into $PEER_VENV"
    "$PEER_PYTHON" -m venv "$PEER_VENV"
    "$PEER_VENV/bin/pip" install -q gnuhealth==5.0.6 gunicorn psycopg2-binary
fi
cat > "$WORK/trytond.conf" <<EOF
[database]
uri = $PG/
path = $WORK/attach
[session]
timeout = 36000
max_attempt = 1000
EOF
export TRYTOND_CONFIG=$WORK/trytond.conf TRYTONPASSFILE=$WORK/adminpass
echo admin > "$WORK/adminpass"

if ! exists "$GH_DB"; then
    log "GNU Health database $GH_DB with the health module"
    psql "$PG/postgres" -qc "CREATE DATABASE \"$GH_DB\""
    "$PEER_VENV/bin/trytond-admin" -d "$GH_DB" --all --email admin@example.org
    "$PEER_VENV/bin/trytond-admin" -d "$GH_DB" -u health --activate-dependencies
fi
if ! exists "$ACU_DB"; then
    log "acuflow database $ACU_DB: $PATIENTS patients"
    psql "$PG/postgres" -qc "CREATE DATABASE \"$ACU_DB\""
    DATABASE_URL=$PG/$ACU_DB "$ROOT/.venv/bin/acuflow" migrate --noinput -v 0
    DATABASE_URL=$PG/$ACU_DB "$ROOT/.venv/bin/acuflow" generate --patients "$PATIENTS" --seed 1
fi
log "targets (a new API token)"
DATABASE_URL=$PG/$ACU_DB DEBUG=false "$PY" "$ROOT/bench/targets.py" "$WORK/targets.json"
"$PY" "$HERE/driver.py" export --db "$PG/$ACU_DB" --targets "$WORK/targets.json" --dir "$WORK"
if [ ! -f "$WORK/gh_targets.json" ]; then
    log "loading the same people and encounters into GNU Health"
    "$PEER_VENV/bin/python" -W ignore::DeprecationWarning "$HERE/load_gnuhealth.py" \
        --config "$WORK/trytond.conf" --database "$GH_DB" --people "$WORK/people.json" \
        --sessions "$WORK/sessions.json" --other-sessions "$WORK/other_sessions.json" \
        --out "$WORK/gh_targets.json"
fi
psql "$PG/$GH_DB" -qc "DROP INDEX IF EXISTS bench_evaluation_patient_start" -c "VACUUM ANALYZE"
psql "$PG/$ACU_DB" -qc "VACUUM ANALYZE"

log "serving: GNU Health on $GH_PORT, acuflow on $ACU_PORT, 4 sync workers each"
setsid "$PEER_VENV/bin/gunicorn" -w 4 -b "127.0.0.1:$GH_PORT" trytond.application:app \
    > "$WORK/gnuhealth.log" 2>&1 &
GH_PID=$!
DATABASE_URL=$PG/$ACU_DB DEBUG=false setsid "$ROOT/.venv/bin/acuflow" serve --host 127.0.0.1 \
    --port "$ACU_PORT" --workers 4 --threads 1 > "$WORK/acuflow.log" 2>&1 &
ACU_PID=$!
trap 'kill -- -$GH_PID -$ACU_PID 2>/dev/null || true' EXIT
for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$ACU_PORT/healthz" > /dev/null \
        && curl -s -o /dev/null "http://127.0.0.1:$GH_PORT/" && break
    sleep 1
done

run() {
    "$PY" "$HERE/driver.py" run --targets "$WORK/targets.json" \
        --gh-targets "$WORK/gh_targets.json" --writes "$WORK/writes.json" \
        --acuflow "http://127.0.0.1:$ACU_PORT" --gnuhealth "http://127.0.0.1:$GH_PORT" \
        --database "$GH_DB" --acuflow-db "$ACU_DB" --acuflow-pid "$ACU_PID" \
        --gnuhealth-pid "$GH_PID" --rounds "$ROUNDS" --variant "$1" --out "$WORK/$1.json"
}
log "run 1: GNU Health as installed"
run plain
psql "$PG/$GH_DB" -qc "CREATE INDEX bench_evaluation_patient_start ON gnuhealth_patient_evaluation (patient, evaluation_start)" -c "ANALYZE gnuhealth_patient_evaluation"
log "run 2: GNU Health with an index on evaluation (patient, evaluation_start)"
run indexed

"$PY" - "$WORK/meta.json" "$PEER_VENV" "$PG/$ACU_DB" <<'EOF'
import datetime as dt, json, os, platform, subprocess, sys
out, venv, db = sys.argv[1:]
def version(pip, name):
    show = subprocess.run([pip, "show", name], capture_output=True, text=True).stdout
    return next((l.split(": ", 1)[1] for l in show.splitlines() if l.startswith("Version:")), "")
import psycopg
with psycopg.connect(db) as conn:
    pg = conn.execute("SHOW server_version").fetchone()[0]
    patients = conn.execute("SELECT count(*) FROM patients_patient").fetchone()[0]
    sessions = conn.execute("SELECT count(*) FROM charting_session").fetchone()[0]
pyver = subprocess.run([f"{venv}/bin/python", "-V"], capture_output=True, text=True).stdout.split()[1]
meta = {
    "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    "machine": f"{os.cpu_count()} cores, shared",
    "load_average": [round(x, 2) for x in os.getloadavg()],
    "postgresql": pg,
    "acuflow": {"python": platform.python_version(), "django": version(f"{sys.prefix}/bin/pip", "django"),
                "server": "acuflow serve (gunicorn), 4 workers x 1 thread"},
    "gnuhealth": {"python": pyver, "gnuhealth": version(f"{venv}/bin/pip", "gnuhealth"),
                  "trytond": version(f"{venv}/bin/pip", "trytond"),
                  "server": "gunicorn trytond.application:app, 4 sync workers"},
    "data": {"patients": patients, "acuflow_sessions": sessions, "heavy_patient_encounters": 1000},
    "client": "sequential, interleaved (acuflow then GNU Health, per operation, per round); wall ms at the client",
}
json.dump(meta, open(out, "w"))
EOF
"$PY" "$HERE/driver.py" merge --plain "$WORK/plain.json" --indexed "$WORK/indexed.json" \
    --meta "$WORK/meta.json" --out "$OUT"
log "wrote $OUT"
