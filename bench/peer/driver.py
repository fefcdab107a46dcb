"""Drive acuflow and GNU Health side by side through their own network APIs.

    driver.py export --db postgresql://.../bench_peer_20000 --targets targets.json --dir DIR
        (acuflow's virtualenv) write DIR/people.json (every patient's names, birth date and
        sex, by id), DIR/sessions.json (the sessions of the 1,000-session patient) and
        DIR/writes.json (the patients of the courses the create step charts on) and
        DIR/other_sessions.json (every other patient's sessions), for load_gnuhealth.py to
        load the same people and encounters into GNU Health.
    driver.py run --targets targets.json --gh-targets gh_targets.json ...
        a sequential client (standard library only), interleaved: every round runs each
        operation once on acuflow, then once on GNU Health, with the same person and the
        same search term on both; answers medians and p95s (ms, wall time at the client;
        with --acuflow-pid/--gnuhealth-pid also each request's CPU in the server's
        processes and its PostgreSQL backends) and the ratios acuflow / GNU Health as JSON.

The operations, with the same meaning on both sides:
    search           patients whose family name starts with a term, 20 rows
                     (acuflow GET /api/v1/patients?q=..&limit=20; GNU Health
                     gnuhealth.patient search_read on party.lastname ilike 'term%')
    open patient     one patient's record (GET /api/v1/patients/<id>; gnuhealth.patient read)
    first 50 enc.    the newest 50 encounters of the 1,000-encounter patient
                     (GET /api/v1/patients/<id>/sessions?limit=50; gnuhealth.patient.evaluation
                     search_read, patient = id, evaluation_start DESC, limit 50)
    all 1,000 enc.   the same with limit 1,000
    create enc.      acuflow POST /api/v1/courses/<id>/sessions (a walk-in session);
                     GNU Health gnuhealth.patient.evaluation create, for the same person
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bodies import POINTS, walk_in_session  # noqa: E402

SEARCH_FIELDS = ["rec_name", "puid", "dob", "gender", "party.name", "party.lastname"]
PATIENT_FIELDS = [
    "rec_name",
    "party.name",
    "party.lastname",
    "dob",
    "gender",
    "puid",
    "party.lang.code",
    "party.email",
    "party.phone",
    "party.addresses",
    "party.alternative_ids",
    "general_info",
    "current_insurance.rec_name",
    "primary_care_doctor.rec_name",
    "active",
]
EVALUATION_FIELDS = [
    "code",
    "patient",
    "healthprof",
    "healthprof.rec_name",
    "evaluation_start",
    "evaluation_endtime",
    "state",
    "visit_type",
    "urgency",
    "chief_complaint",
    "present_illness",
    "notes",
    "evaluation_summary",
    "directions",
]
OPERATIONS = [
    "search",
    "open patient",
    "first 50 encounters",
    "all 1,000 encounters",
    "create encounter",
]


NOTES = [
    "Ratios are acuflow / GNU Health, lower is better; 'cpu' ratios compare each request's "
    "CPU in the server's processes plus its PostgreSQL backends, which hardly move with "
    "the machine's load; wall times at the client include waiting for a core.",
    "search: acuflow searches its clinic's patients (3,134 of the 20,000 in the first "
    "clinic) for each word anywhere in the given or family name, counts the matches and "
    "writes a read-audit row; GNU Health's domain is party.lastname ilike 'term%' over all "
    "20,000 (one institution), without a count - narrower than the Tryton client's search "
    "box (rec_name, several fields ORed with '%term%').",
    "open patient: acuflow GET /api/v1/patients/<id> writes a read-audit row in the same "
    "request; GNU Health's read audits nothing and reads 15 fields (the client's form "
    "view reads many more).",
    "encounters: GNU Health evaluations carry the acuflow sessions' start times and text "
    "(SOAP in chief complaint, present illness, notes, summary, directions); acuflow "
    "sessions also answer needle sites, counts and warnings.",
    "create: acuflow charts a walk-in session of a course (validation, course status, audit "
    "row); GNU Health creates a follow-up evaluation (sequence code, validation).",
    "GNU Health's own party create calls the ORM's create with the whole batch once per "
    "value, so the loader calls the next create in the class chain; the 1,000 evaluations of the long-term patient are "
    "ORM creates, every other patient's (195,898) are SQL inserts copying the ORM's row.",
]


# --- export (acuflow side) ---------------------------------------------------------------


def export(args: argparse.Namespace) -> None:
    import psycopg

    targets = json.loads(Path(args.targets).read_text())
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(args.db) as conn:
        rows = conn.execute(
            "SELECT id, given_name, family_name, birth_date, sex FROM patients_patient ORDER BY id"
        ).fetchall()
        people = [
            {"id": r[0], "given": r[1], "family": r[2], "birth_date": r[3].isoformat(), "sex": r[4]}
            for r in rows
        ]
        rows = conn.execute(
            "SELECT patient_id, started_at, subjective, objective, assessment, plan "
            "FROM charting_session WHERE patient_id = %s ORDER BY started_at",
            [targets["chart_patient"]],
        ).fetchall()
        sessions = [
            {
                "patient_id": r[0],
                "started_at": r[1].isoformat(),
                "subjective": r[2],
                "objective": r[3],
                "assessment": r[4],
                "plan": r[5],
            }
            for r in rows
        ]
        rows = conn.execute(
            # Courses that take a walk-in session today (started: a session before the
            # course's start is refused), not the long-term patient's (whose list is measured).
            "SELECT id, patient_id FROM protocols_course WHERE id = ANY(%s) "
            "AND patient_id <> %s AND start_date <= CURRENT_DATE",
            [targets["chart_courses"], targets["chart_patient"]],
        ).fetchall()
        writes = [{"course": r[0], "patient": r[1]} for r in rows]
        rows = conn.execute(
            "SELECT patient_id, started_at, subjective, objective, assessment, plan "
            "FROM charting_session WHERE patient_id <> %s ORDER BY id",
            [targets["chart_patient"]],
        ).fetchall()
        others = [[r[0], r[1].isoformat(), r[2], r[3], r[4], r[5]] for r in rows]
    (out / "people.json").write_text(json.dumps(people))
    (out / "sessions.json").write_text(json.dumps(sessions))
    (out / "writes.json").write_text(json.dumps(writes))
    (out / "other_sessions.json").write_text(json.dumps(others))
    print(
        f"exported {len(people):,} people, {len(sessions):,} + {len(others):,} sessions, "
        f"{len(writes)} courses"
    )


# --- the two clients ---------------------------------------------------------------------


class Acuflow:
    def __init__(self, base: str, targets: dict[str, Any]) -> None:
        self.base = base
        self.headers = {
            "Authorization": f"Bearer {targets['token']}",
            "Content-Type": "application/json",
        }
        self.zone = targets["timezone"]

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data, self.headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"acuflow {method} {path}: {exc.code} {exc.read()[:300]!r}") from exc
        if response.status != expect:
            raise RuntimeError(f"acuflow {method} {path}: {response.status}")
        return json.loads(payload)

    def search(self, term: str) -> int:
        return len(
            self.call("GET", f"/api/v1/patients?q={urllib.parse.quote(term)}&limit=20")["items"]
        )

    def open_patient(self, patient: int) -> int:
        return len(self.call("GET", f"/api/v1/patients/{patient}"))

    def encounters(self, patient: int, limit: int) -> int:
        return len(self.call("GET", f"/api/v1/patients/{patient}/sessions?limit={limit}")["items"])

    def create(self, course: int, rng: random.Random) -> int:
        body = walk_in_session(rng, ZoneInfo(self.zone))
        return self.call("POST", f"/api/v1/courses/{course}/sessions", body, expect=201)["id"]


class GnuHealth:
    """Tryton JSON-RPC as the Tryton client speaks it: a session from common.db.login, the
    user's preferences as the context of every call."""

    def __init__(self, base: str, database: str, login: str, password: str) -> None:
        self.url = f"{base}/{database}/"
        self.auth = ""
        uid, session = self.call("common.db.login", [login, {"password": password}, "en"])
        self.auth = "Session " + base64.b64encode(f"{login}:{uid}:{session}".encode()).decode()
        self.context = self.call("model.res.user.get_preferences", [True, {}])

    def call(self, method: str, params: list[Any]) -> Any:
        body = json.dumps({"id": 1, "method": method, "params": params}).encode()
        headers = {"Content-Type": "application/json"}
        if self.auth:
            headers["Authorization"] = self.auth
        request = urllib.request.Request(self.url, body, headers)
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback
            answer = json.loads(response.read())
        if "error" in answer and answer["error"]:
            raise RuntimeError(f"GNU Health {method}: {str(answer['error'])[:300]}")
        return answer["result"]

    def search(self, term: str) -> int:
        domain = [["party.lastname", "ilike", f"{term}%"]]
        rows = self.call(
            "model.gnuhealth.patient.search_read",
            [domain, 0, 20, None, SEARCH_FIELDS, self.context],
        )
        return len(rows)

    def open_patient(self, patient: int) -> int:
        (row,) = self.call(
            "model.gnuhealth.patient.read", [[patient], PATIENT_FIELDS, self.context]
        )
        return len(row)

    def encounters(self, patient: int, limit: int) -> int:
        rows = self.call(
            "model.gnuhealth.patient.evaluation.search_read",
            [
                [["patient", "=", patient]],
                0,
                limit,
                [["evaluation_start", "DESC"]],
                EVALUATION_FIELDS,
                self.context,
            ],
        )
        return len(rows)

    def create(self, patient: int, rng: random.Random) -> int:
        now = dt.datetime.now(dt.UTC)
        start = {
            "__class__": "datetime",
            "year": now.year,
            "month": now.month,
            "day": now.day,
            "hour": now.hour,
            "minute": now.minute,
            "second": now.second,
            "microsecond": 0,
        }
        values = {
            "patient": patient,
            "evaluation_start": start,
            "visit_type": "followup",
            "chief_complaint": "walk-in",
            "present_illness": f"NRS before {rng.randint(2, 7)}",
            "directions": ", ".join(rng.sample(POINTS, 5)),
        }
        (created,) = self.call(
            "model.gnuhealth.patient.evaluation.create", [[values], self.context]
        )
        return created


class CpuMeter:
    """CPU time (ns) of one server: its gunicorn processes (the master's descendants) and
    the PostgreSQL backends connected to its database (by process title), from
    /proc/<pid>/schedstat. Read before and after each request of a sequential client, the
    difference is that request's CPU in the server and in PostgreSQL; unlike wall time it
    hardly moves with the load that other work puts on the machine."""

    def __init__(self, master: int, database: str) -> None:
        self.master = master
        self.title = f" {database} "

    def _descendants(self) -> list[int]:
        found, todo = [], [self.master]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            todo.extend(int(c) for c in children)
        return found

    def _backends(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"postgres: ") and self.title.encode() in title:
                pids.append(int(entry.name))
        return pids

    def sample(self) -> dict[int, int]:
        out = {}
        for pid in self._descendants() + self._backends():
            try:
                out[pid] = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
            except OSError:
                continue
        return out

    @staticmethod
    def spent(before: dict[int, int], after: dict[int, int]) -> int:
        return sum(ns - before.get(pid, 0) for pid, ns in after.items())


# --- the run -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(args: argparse.Namespace) -> None:
    targets = json.loads(Path(args.targets).read_text())
    gh_targets = json.loads(Path(args.gh_targets).read_text())
    writes = json.loads(Path(args.writes).read_text())
    ids: dict[str, int] = gh_targets["patients"]
    acu = Acuflow(args.acuflow, targets)
    gh = GnuHealth(args.gnuhealth, args.database, args.login, args.password)
    heavy_a, heavy_g = targets["chart_patient"], gh_targets["heavy_patient"]
    rng = random.Random(args.seed)

    def pick() -> dict[str, Any]:
        patient = rng.choice(targets["patients"])
        write = rng.choice(writes)
        return {
            "term": rng.choice(targets["search"]),
            "patient": (patient, ids[str(patient)]),
            "write": (write["course"], ids[str(write["patient"])]),
        }

    def steps(choice: dict[str, Any]) -> list[tuple[str, Any, Any]]:
        term, (pa, pg), (course, wg) = choice["term"], choice["patient"], choice["write"]
        return [
            ("search", lambda: acu.search(term), lambda: gh.search(term)),
            ("open patient", lambda: acu.open_patient(pa), lambda: gh.open_patient(pg)),
            (
                "first 50 encounters",
                lambda: acu.encounters(heavy_a, 50),
                lambda: gh.encounters(heavy_g, 50),
            ),
            (
                "all 1,000 encounters",
                lambda: acu.encounters(heavy_a, 1000),
                lambda: gh.encounters(heavy_g, 1000),
            ),
            ("create encounter", lambda: acu.create(course, rng), lambda: gh.create(wg, rng)),
        ]

    meters = {
        "acuflow": CpuMeter(args.acuflow_pid, args.acuflow_db) if args.acuflow_pid else None,
        "gnuhealth": CpuMeter(args.gnuhealth_pid, args.database) if args.gnuhealth_pid else None,
    }

    def timed(side: str, fn: Any) -> tuple[float, float | None]:
        meter = meters[side]
        before = meter.sample() if meter else {}
        started = time.perf_counter()
        fn()
        wall = (time.perf_counter() - started) * 1000
        if meter is None:
            return wall, None
        time.sleep(0.005)  # let the worker finish writing the answer and the backend idle
        return wall, CpuMeter.spent(before, meter.sample()) / 1e6

    # Both answer the same amount: a check that the two sides do the same work.
    check = steps(pick())
    sizes = {name: (a(), g()) for name, a, g in check[:4]}
    print("rows / fields (acuflow, GNU Health):", sizes)
    for _ in range(args.warmup):
        for _name, a, g in steps(pick()):
            a()
            g()
    times: dict[str, dict[str, list[float]]] = {
        op: {"acuflow": [], "gnuhealth": []} for op in OPERATIONS
    }
    cpu: dict[str, dict[str, list[float]]] = {
        op: {"acuflow": [], "gnuhealth": []} for op in OPERATIONS
    }
    load_start = os.getloadavg()
    started = time.monotonic()
    for _ in range(args.rounds):
        for name, a, g in steps(pick()):
            for side, fn in (("acuflow", a), ("gnuhealth", g)):
                wall, spent = timed(side, fn)
                times[name][side].append(wall)
                if spent is not None:
                    cpu[name][side].append(spent)
    seconds = time.monotonic() - started
    load_end = os.getloadavg()
    result: dict[str, Any] = {
        "variant": args.variant,
        "rounds": args.rounds,
        "warmup_rounds": args.warmup,
        "seconds": round(seconds, 1),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in load_end],
        "rows": sizes,
        "operations": {},
    }
    for op in OPERATIONS:
        a, g = times[op]["acuflow"], times[op]["gnuhealth"]
        row = {
            "acuflow_median_ms": round(statistics.median(a), 1),
            "acuflow_p95_ms": round(percentile(a, 0.95), 1),
            "gnuhealth_median_ms": round(statistics.median(g), 1),
            "gnuhealth_p95_ms": round(percentile(g, 0.95), 1),
        }
        row["ratio_median"] = round(row["acuflow_median_ms"] / row["gnuhealth_median_ms"], 2)
        row["ratio_p95"] = round(row["acuflow_p95_ms"] / row["gnuhealth_p95_ms"], 2)
        ca, cg = cpu[op]["acuflow"], cpu[op]["gnuhealth"]
        if ca and cg:
            row["acuflow_cpu_median_ms"] = round(statistics.median(ca), 1)
            row["acuflow_cpu_p95_ms"] = round(percentile(ca, 0.95), 1)
            row["gnuhealth_cpu_median_ms"] = round(statistics.median(cg), 1)
            row["gnuhealth_cpu_p95_ms"] = round(percentile(cg, 0.95), 1)
            row["ratio_cpu_median"] = round(
                row["acuflow_cpu_median_ms"] / row["gnuhealth_cpu_median_ms"], 2
            )
        result["operations"][op] = row
        print(
            f"{op:22} acuflow {row['acuflow_median_ms']:8.1f} (p95 {row['acuflow_p95_ms']:8.1f})"
            f"  GNU Health {row['gnuhealth_median_ms']:8.1f} (p95 {row['gnuhealth_p95_ms']:8.1f})"
            f"  ratio {row['ratio_median']:.2f}"
        )
        if "ratio_cpu_median" in row:
            print(
                f"{'':22} CPU: acuflow {row['acuflow_cpu_median_ms']:8.1f}"
                f"  GNU Health {row['gnuhealth_cpu_median_ms']:8.1f}"
                f"  ratio {row['ratio_cpu_median']:.2f}"
            )
    Path(args.out).write_text(json.dumps(result, indent=1))


def merge(args: argparse.Namespace) -> None:
    plain = json.loads(Path(args.plain).read_text())
    indexed = json.loads(Path(args.indexed).read_text())
    summary = {
        op: {
            "ratio_plain": plain["operations"][op]["ratio_median"],
            "ratio_indexed": indexed["operations"][op]["ratio_median"],
            "ratio_cpu_plain": plain["operations"][op].get("ratio_cpu_median"),
            "ratio_cpu_indexed": indexed["operations"][op].get("ratio_cpu_median"),
        }
        for op in OPERATIONS
    }
    out = {**json.loads(Path(args.meta).read_text()), "summary": summary, "notes": NOTES}
    out["runs"] = {"plain": plain, "indexed": indexed}
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export")
    ex.add_argument("--db", required=True)
    ex.add_argument("--targets", required=True)
    ex.add_argument("--dir", required=True)
    rn = sub.add_parser("run")
    rn.add_argument("--targets", required=True)
    rn.add_argument("--gh-targets", required=True)
    rn.add_argument("--writes", required=True)
    rn.add_argument("--acuflow", default="http://127.0.0.1:8701")
    rn.add_argument("--gnuhealth", default="http://127.0.0.1:8700")
    rn.add_argument("--database", default="peer_gnuhealth")
    rn.add_argument("--login", default="admin")
    rn.add_argument("--password", default="admin")
    rn.add_argument("--acuflow-pid", type=int, help="gunicorn master: measure server CPU")
    rn.add_argument("--acuflow-db", default="bench_peer_20000")
    rn.add_argument("--gnuhealth-pid", type=int, help="gunicorn master: measure server CPU")
    rn.add_argument("--rounds", type=int, default=30)
    rn.add_argument("--warmup", type=int, default=3)
    rn.add_argument("--seed", type=int, default=1)
    rn.add_argument("--variant", default="plain")
    rn.add_argument("--out", required=True)
    mg = sub.add_parser("merge", help="one JSON of the plain and the indexed run")
    mg.add_argument("--plain", required=True)
    mg.add_argument("--indexed", required=True)
    mg.add_argument("--meta", required=True, help="JSON: versions, sizes, server setup")
    mg.add_argument("--out", required=True)
    args = parser.parse_args()
    {"export": export, "run": run, "merge": merge}[args.command](args)


if __name__ == "__main__":
    main()
