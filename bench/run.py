"""`make bench`: generate data into fresh PostgreSQL databases, serve acuflow with the
production server and drive it with locust on loopback; report per action and size.

    python bench/run.py [--sizes 1000,100000] [--users 50] [--duration 60]
    python bench/run.py --in-process [--runs 20]     # only the work per request
    python bench/run.py --with-in-process            # both (what `make bench` runs)

The in-process mode (bench/inprocess.py) calls each action through the Django test
client against the same database and reports CPU ms (Django + PostgreSQL backend),
queries, the server time of its SQL, their ratio and the budget verdicts:
bench/results/inprocess.json and the README section between the bench-inprocess markers.

Each size gets its own database (acuflow_bench_<size>, dropped and created again) on
BENCH_PG (default postgresql://postgres@127.0.0.1:5432). Results: bench/results/latest.json,
a table on the terminal, and the README section between the bench markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import report  # noqa: E402

BIN = Path(sys.executable).parent
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"
INPROCESS_START = "<!-- bench-inprocess:start -->"
INPROCESS_END = "<!-- bench-inprocess:end -->"


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def psql(sql: str, database: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def pg_version() -> str:
    import psycopg

    with psycopg.connect(f"{PG}/postgres") as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0].split()[0]}" if row else "PostgreSQL"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import django

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg_version(),
        "load_average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def run(cmd: list[str], env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, env=env, cwd=ROOT, check=False, text=True, **kw)
    if done.returncode:
        print(done.stdout or "", done.stderr or "", sep="\n", file=sys.stderr)
        raise SystemExit(f"failed ({done.returncode}): {' '.join(cmd)}")
    return done


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - loopback only
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server did not answer {url} within {seconds:.0f} s")


def warm(base: str, targets: dict[str, Any]) -> None:
    """One request per action and worker before measuring (imports, connections)."""
    pages = ["/healthz", f"/api/v1/patients?q={targets['search'][0]}"]
    if "chart_patient" in targets:
        pages.append(f"/patients/{targets['chart_patient']}/")
    if "analytics_protocol" in targets:
        pages.append(f"/api/v1/analytics/claims?protocol={targets['analytics_protocol']}")
    headers = {
        "Authorization": f"Bearer {targets['token']}",
        "Cookie": f"sessionid={targets['session']}",
    }
    for _ in range(6):
        for path in pages:
            request = urllib.request.Request(base + path, headers=headers)
            try:
                urllib.request.urlopen(request, timeout=30).read()  # noqa: S310 - loopback
            except OSError as exc:
                log(f"warm-up {path}: {exc}")


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/postgres") as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def db_name(size: int) -> str:
    """acuflow_bench_<size>; BENCH_DB_PREFIX lets two checkouts bench side by side."""
    return f"{os.environ.get('BENCH_DB_PREFIX', 'acuflow_bench')}_{size}"


def generate(size: int, args: argparse.Namespace, env: dict[str, str]) -> str:
    command = ["generate", "--patients", str(size), "--years", str(args.years)]
    command += ["--seed", str(args.seed)]
    return run([str(BIN / "acuflow"), *command], env, capture_output=True).stdout


def prepare_size(
    size: int, args: argparse.Namespace, workdir: Path
) -> tuple[dict[str, str], Path, dict[str, Any], dict[str, Any]]:
    """The database of `size` patients (fresh, or reused with --reuse) and its targets."""
    db = db_name(size)
    env = dict(os.environ, DATABASE_URL=f"{PG}/{db}", DEBUG="false")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    reuse = args.reuse and database_exists(db)
    if not reuse:
        log(f"{size:,} patients: fresh database {db}")
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{db}"')
    run([str(BIN / "acuflow"), "migrate", "--noinput", "-v", "0"], env)
    started = time.monotonic()
    if reuse:
        log(f"{size:,} patients: reusing the data in {db} (--reuse)")
        out = ""
        psql("VACUUM (ANALYZE)", db)
    else:
        log(f"generating {size:,} patients over {args.years} years")
        out = generate(size, args, env)
    seconds = time.monotonic() - started
    print(out, end="")
    counts = {
        m.group(1): int(m.group(2).replace(",", ""))
        for m in re.finditer(r"^\s+(\S+\.\S+)\s+([\d,]+)$", out, re.MULTILINE)
    }
    targets_file = workdir / f"targets_{size}.json"
    run([sys.executable, str(HERE / "targets.py"), str(targets_file)], env)
    targets = json.loads(targets_file.read_text())
    if targets["patient_count"] != size:
        # A generation that was stopped half-way leaves a database that --reuse would
        # otherwise measure as if it were the full size.
        raise SystemExit(
            f"{db} holds {targets['patient_count']:,} patients, not {size:,}: an unfinished "
            "generation? Run without --reuse to generate it again."
        )
    generation = {
        "reused": reuse,
        "seconds": round(seconds, 1),
        "sessions": counts.get("charting.Session", 0),
        "counts": counts,
    }
    return env, targets_file, targets, generation


def drop_size(size: int, args: argparse.Namespace) -> None:
    if not (args.keep or args.reuse):
        psql(f'DROP DATABASE IF EXISTS "{db_name(size)}" WITH (FORCE)')


def locust_size(
    size: int,
    args: argparse.Namespace,
    workdir: Path,
    env: dict[str, str],
    targets_file: Path,
    targets: dict[str, Any],
) -> dict[str, Any]:
    base = f"http://127.0.0.1:{args.port}"
    log(f"serving on {base} ({args.workers} workers x {args.threads} threads)")
    server = subprocess.Popen(
        [
            str(BIN / "acuflow"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / f"server_{size}.log").open("w"),
        start_new_session=True,
    )
    try:
        wait_for(base + "/healthz", 180)  # six workers importing Django on a busy machine
        warm(base, targets)
        prefix = workdir / f"locust_{size}"
        log(f"locust: {args.users} users, {args.duration} s")
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--only-summary",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.duration}s",
                "--reset-stats",
                "--stop-timeout",
                "10",
                "--host",
                base,
                "--csv",
                str(prefix),
                "--loglevel",
                "WARNING",
            ],
            env=dict(env, BENCH_TARGETS=str(targets_file), BENCH_THINK=str(args.think)),
            cwd=ROOT,
            check=False,
            timeout=args.duration + 120,
            stdout=(workdir / f"locust_{size}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        stats = Path(f"{prefix}_stats.csv")
        if not stats.exists():
            print((workdir / f"locust_{size}.log").read_text()[-3000:])
            raise SystemExit("locust wrote no statistics")
        actions = report.with_ratios(report.parse_stats(stats))
        failures = workdir / f"locust_{size}_failures.csv"
        if failures.exists() and len(failures.read_text().splitlines()) > 1:
            log("failures:\n" + failures.read_text()[:2000])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    return actions


def settle(seconds: float) -> str:
    """Wait up to `seconds` for the 1-minute load average to fall to 1.5 or below (the
    generation or the locust run just before keeps it up); answer the load at start."""
    deadline = time.monotonic() + seconds
    while os.getloadavg()[0] > report.DISTURBED_LOAD and time.monotonic() < deadline:
        time.sleep(5)
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def inprocess_size(
    size: int,
    args: argparse.Namespace,
    workdir: Path,
    env: dict[str, str],
    targets_file: Path,
    targets: dict[str, Any],
) -> dict[str, Any]:
    load = settle(args.settle)
    log(f"in process: {size:,} patients, {args.runs} runs per action (load {load})")
    out = workdir / f"inprocess_{size}.json"
    command = [sys.executable, str(HERE / "inprocess.py"), str(targets_file), str(out)]
    command += ["--runs", str(args.runs), "--warmup", str(args.warmup)]
    if args.only:
        command += ["--only", args.only]
    run(command, dict(env, EMAIL_URL="locmem://"))
    measured = json.loads(out.read_text())
    return {
        "load_average": load,
        "backend_cpu": measured["backend_cpu"],
        "chart_sessions": targets.get("chart_sessions"),
        "chart_course_sessions": targets.get("chart_course_sessions"),
        "calibration_ms": measured.get("calibration_ms"),
        "actions": measured["actions"],
    }


def update_readme(start: str, end: str, body: str) -> bool:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if start not in text or end not in text:
        return False
    head, rest = text.split(start, 1)
    _old, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{body}{end}{tail}", encoding="utf-8")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "1000,100000"))
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=int(os.environ.get("BENCH_USERS", "50")))
    parser.add_argument("--spawn-rate", type=float, default=10.0)
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "60")))
    parser.add_argument("--think", type=float, default=1.0, help="mean think time (s)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8765")))
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the bench databases and use them again instead of generating (for tuning)",
    )
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--in-process",
        action="store_true",
        help="only the in-process mode: work per request through the Django test client",
    )
    mode.add_argument(
        "--with-in-process",
        action="store_true",
        help="the locust run and then the in-process mode on the same databases",
    )
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "20")))
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--settle", type=float, default=90.0, help="seconds to wait for load <= 1.5 (in process)"
    )
    parser.add_argument("--only", default="", help="in process: action names separated by ;")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    if not sizes or min(sizes) < 1 or not 1 <= args.users <= 500 or args.duration < 5:
        raise SystemExit("--sizes, --users (1-500) and --duration (>= 5 s) need sane values")
    if args.runs < 3 or args.warmup < 0:
        raise SystemExit("--runs needs at least 3, --warmup 0 or more")
    with_locust = not args.in_process
    with_inprocess = args.in_process or args.with_in_process
    if with_locust and not shutil.which(str(BIN / "locust")):
        raise SystemExit("locust is missing: `make install-dev`")
    started_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    results: dict[str, Any] = {
        "started_at": started_at,
        "machine": machine(),
        "settings": {
            "users": args.users,
            "duration_s": args.duration,
            "think_s": args.think,
            "workers": args.workers,
            "threads": args.threads,
            "years": args.years,
            "seed": args.seed,
        },
        "sizes": {},
    }
    inprocess: dict[str, Any] = {
        "started_at": started_at,
        "machine": results["machine"],
        "settings": {"runs": args.runs, "warmup": args.warmup, "years": args.years},
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="acuflow-bench-") as tmp:
        workdir = Path(tmp)
        for size in sizes:
            env, targets_file, targets, generation = prepare_size(size, args, workdir)
            try:
                if with_locust:
                    results["sizes"][str(size)] = {
                        "generation": generation,
                        "chart_sessions": targets.get("chart_sessions"),
                        "actions": locust_size(size, args, workdir, env, targets_file, targets),
                    }
                if with_inprocess:
                    measured = inprocess_size(size, args, workdir, env, targets_file, targets)
                    measured["reused"] = generation["reused"]
                    inprocess["sizes"][str(size)] = measured
            finally:
                drop_size(size, args)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    if with_locust:
        if len(sizes) > 1:
            results["growth"] = report.growth(
                results["sizes"][str(sizes[0])]["actions"],
                results["sizes"][str(sizes[-1])]["actions"],
            )
        publish(
            out / "latest.json",
            results,
            report.machine_lines,
            report.table,
            args,
            (README_START, README_END),
        )
    if with_inprocess:
        backends = {v["backend_cpu"] for v in inprocess["sizes"].values()}
        inprocess["settings"]["backend_cpu"] = ", ".join(sorted(backends))
        publish(
            out / "inprocess.json",
            inprocess,
            report.inprocess_lines,
            report.inprocess_table,
            args,
            (INPROCESS_START, INPROCESS_END),
        )


def publish(
    path: Path,
    results: dict[str, Any],
    lines: Callable[[dict[str, Any]], str],
    table: Callable[[dict[str, Any]], str],
    args: argparse.Namespace,
    markers: tuple[str, str],
) -> None:
    """One mode's results: the JSON file, the table on stdout and (unless --no-readme)
    the README section between `markers`."""
    results["finished_at"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    body = f"{lines(results)}\n\n{table(results)}\n"
    print(f"\n{body}\nwritten: bench/results/{path.name}")
    if not args.no_readme and update_readme(*markers, body):
        print(f"README.md section {markers[0]} updated")


if __name__ == "__main__":
    main()
