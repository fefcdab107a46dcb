"""In-process mode of the bench: the work per request, without a server or load.

Run with DATABASE_URL pointing at a generated bench database, after bench/targets.py
wrote TARGETS.json (clinic, staff session with both factors, token, patients, courses):

    python bench/inprocess.py TARGETS.json OUT.json [--runs 20] [--warmup 3]

Each action is called through the Django test client (DEBUG off, the settings of
production otherwise), `--warmup` times, then `--runs` times measured:

- CPU ms: this process's CPU time (`time.process_time`) plus the CPU time of the
  PostgreSQL backend serving our connection (`/proc/<pg_backend_pid()>/schedstat`, the
  scheduler's nanoseconds; `/proc/<pid>/stat` utime+stime counts 10 ms ticks, too coarse
  for one request, and is kept as a cross-check over all runs). Median of the runs.
- queries: one more run under CaptureQueriesContext (not timed: capturing costs).
- SQL server time (reads): every captured statement again under
  EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) inside a transaction that is rolled back
  (reads also write an audit row), median of 3 per statement, sum of "Execution Time".
  Writes: the backend CPU stands for their SQL time (EXPLAIN ANALYZE of a booking would
  book again, or hit the constraint the first run's row now holds).

It writes raw figures; bench/report.py turns them into verdicts and the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acuflow.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import report  # noqa: E402
from bodies import walk_in_session  # noqa: E402

from acuflow.audit import sections  # noqa: E402

EXPLAINABLE = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}
TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


class Backend:
    """CPU time of the PostgreSQL backend process serving Django's connection."""

    def __init__(self) -> None:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            self.pid = int(cur.fetchone()[0])
        self.schedstat = Path(f"/proc/{self.pid}/schedstat")
        self.stat = Path(f"/proc/{self.pid}/stat")
        self.available = self.stat.exists()
        self.precise = self.schedstat.exists()

    def ns(self) -> int:
        if self.precise:
            return int(self.schedstat.read_text().split()[0])
        return self.ticks_ns() if self.available else 0

    def ticks_ns(self) -> int:
        if not self.available:
            return 0
        fields = self.stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * TICK_NS  # utime, stime (fields 14, 15)

    def same_connection(self) -> bool:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            return int(cur.fetchone()[0]) == self.pid


def workers_launched(node: Any) -> int:
    """Parallel workers a plan started: they are processes of their own, so their CPU
    is not in the backend's /proc figures."""
    if isinstance(node, list):
        return sum(workers_launched(n) for n in node)
    if not isinstance(node, dict):
        return 0
    own = int(node.get("Workers Launched", 0))
    return own + sum(workers_launched(v) for k, v in node.items() if k in ("Plan", "Plans"))


def explain(statements: list[str]) -> dict[str, Any]:
    """Server-side time of `statements`: EXPLAIN ANALYZE each one (median of 3) in a
    transaction rolled back at the end; statements that are not plannable (SAVEPOINT,
    RELEASE, SET) are counted and skipped."""
    execution = planning = 0.0
    workers = 0
    skipped: list[str] = []
    failed: list[str] = []
    with transaction.atomic():
        with connection.cursor() as cur:
            for sql in statements:
                head = sql.lstrip().split(None, 1)[0].upper()
                if head not in EXPLAINABLE:
                    skipped.append(head)
                    continue
                runs: list[tuple[float, float]] = []
                for _ in range(3):
                    sid = transaction.savepoint()
                    try:
                        cur.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql)
                        plan = cur.fetchone()[0]
                    except Exception as exc:  # noqa: BLE001 - report, do not stop the bench
                        transaction.savepoint_rollback(sid)
                        failed.append(f"{sql[:80]}: {exc}".splitlines()[0])
                        break
                    transaction.savepoint_rollback(sid)
                    if isinstance(plan, str):
                        plan = json.loads(plan)
                    top = plan[0] if isinstance(plan, list) else plan
                    runs.append((top["Execution Time"], top.get("Planning Time", 0.0)))
                    workers = max(workers, workers_launched(top))
                if runs:
                    execution += statistics.median(r[0] for r in runs)
                    planning += statistics.median(r[1] for r in runs)
        transaction.set_rollback(True)
    return {
        "execution_ms": round(execution, 3),
        "planning_ms": round(planning, 3),
        "parallel_workers": workers,
        "skipped": skipped,
        "failed": failed,
    }


class Action:
    """`prepare()` (not timed) answers the zero-argument call that is timed."""

    def __init__(
        self,
        name: str,
        prepare: Callable[[], Callable[[], Any]],
        *,
        kind: str = "read",
        expect: tuple[int, ...] = (200,),
        note: str = "",
    ) -> None:
        self.name, self.prepare, self.kind, self.expect, self.note = (
            name,
            prepare,
            kind,
            expect,
            note,
        )

    def call(self) -> Any:
        response = self.prepare()()
        self.check(response)
        return response

    def check(self, response: Any) -> None:
        for r in response if isinstance(response, list) else [response]:
            if r.status_code not in self.expect:
                raise SystemExit(
                    f"{self.name}: HTTP {r.status_code} {r.content[:300]!r}"
                    f" (expected {self.expect})"
                )


def measure(action: Action, backend: Backend, runs: int, warmup: int) -> dict[str, Any]:
    for _ in range(warmup):
        action.call()
    django_ns: list[int] = []
    backend_ns: list[int] = []
    wall_ns: list[int] = []
    ticks0 = backend.ticks_ns()
    for _ in range(runs):
        request = action.prepare()
        b0 = backend.ns()
        t0 = time.process_time_ns()
        w0 = time.perf_counter_ns()
        response = request()
        w1 = time.perf_counter_ns()
        t1 = time.process_time_ns()
        b1 = backend.ns()
        action.check(response)
        django_ns.append(t1 - t0)
        backend_ns.append(b1 - b0)
        wall_ns.append(w1 - w0)
    ticks = backend.ticks_ns() - ticks0
    with CaptureQueriesContext(connection) as captured:
        action.call()
    statements = [q["sql"] for q in captured.captured_queries]
    entry: dict[str, Any] = {
        "kind": action.kind,
        "runs": runs,
        "queries": len(statements),
        **report.cpu_figures(django_ns, backend_ns, wall_ns),
        "backend_cpu_ms_total_stat_ticks": round(ticks / 1e6, 1),
        "backend_cpu_ms_total_schedstat": round(sum(backend_ns) / 1e6, 1),
    }
    if action.note:
        entry["note"] = action.note
    if action.kind == "read":
        entry["sql"] = explain(statements)
    return entry


def _fixed_work() -> int:
    """A fixed piece of pure Python (strings, dicts, calls): the same instructions on
    every machine, so its CPU time tells this machine's speed, apart from our code."""
    counts: dict[str, int] = {}
    for i in range(200_000):
        key = f"k{i % 1000}"
        counts[key] = counts.get(key, 0) + len(str(i))
    return len(counts)


def calibrate(runs: int = 7) -> float:
    """CPU ms of `_fixed_work()`, median of `runs`: the machine's speed beside the figures
    (a shared 2-core machine's speed moves between sessions; the budgets do not)."""
    times = []
    for _ in range(runs):
        start = time.process_time_ns()
        _fixed_work()
        times.append(time.process_time_ns() - start)
    return round(statistics.median(times) / 1e6, 1)


def weekday_ahead(days: int) -> dt.date:
    day = dt.date.today() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def actions(t: dict[str, Any], runs: int) -> list[Action]:
    rng = random.Random(20)
    zone = ZoneInfo(t["timezone"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {t['token']}")
    page = Client()
    page.cookies[settings.SESSION_COOKIE_NAME] = t["session"]
    who = t["practitioners"][0]
    day = weekday_ahead(7)

    def fixed(fn: Callable[[], Any]) -> Callable[[], Callable[[], Any]]:
        return lambda: fn

    def get(client: Client, path: str) -> Callable[[], Callable[[], Any]]:
        return fixed(lambda: client.get(path))

    out = [
        Action("healthz (reference)", get(Client(), "/healthz"), note="no session: not a budget"),
        Action(
            "signed-in page (floor)",
            get(page, "/api/v1/clinic"),
            note="GET /api/v1/clinic with the staff session: session, authenticator, gate, "
            "membership; a few hundred bytes of JSON",
        ),
        Action("patient search", get(api, f"/api/v1/patients?q={t['search'][0]}&limit=20")),
    ]
    if "chart_patient" in t:
        out.append(
            Action(
                "open patient",
                get(api, f"/api/v1/patients/{t['chart_patient']}"),
                note="GET /api/v1/patients/<id>, as the GNU Health comparison opens one",
            )
        )
        out.append(Action(report.CHART, get(page, f"/patients/{t['chart_patient']}/")))
    out += [
        Action("calendar day", get(page, f"/calendar/?view=day&practitioner={who}&date={day}")),
        Action("calendar week", get(page, f"/calendar/?view=week&practitioner={who}&date={day}")),
    ]
    if t.get("courses"):
        out.append(Action("course status", get(api, f"/api/v1/courses/{t['courses'][0]}")))
    if t.get("chart_course"):
        outcome_page = f"/outcomes/courses/{t['chart_course']}/"

        def first_view() -> Callable[[], Any]:
            caches[sections.CACHE].clear()  # as after a write to the patient's record
            return lambda: page.get(outcome_page)

        out += [
            Action(
                "outcome chart",
                get(page, outcome_page),
                note=f"the course of {t.get('chart_course_sessions')} sessions of the chart "
                "patient; chart and tables from this process's record cache (audit.sections)",
            ),
            Action(
                "outcome chart (first view after a write)",
                first_view,
                note="the same page with the record's parts built anew",
            ),
        ]
    out.append(
        Action(
            "availability",
            get(
                api,
                f"/api/v1/availability?practitioner={who}&type=follow_up&from={day}&to={day}",
            ),
        )
    )
    if t.get("analytics_protocol"):
        protocol = t["analytics_protocol"]
        out += [
            Action("our results page", get(page, f"/analytics/?protocol={protocol}")),
            Action("our results API", get(api, f"/api/v1/analytics/claims?protocol={protocol}")),
        ]
    if "chart_patient" in t:
        base = f"/api/v1/patients/{t['chart_patient']}/sessions"
        out.append(
            Action(
                "sessions list (50 rows)",
                get(api, f"{base}?limit=50"),
                note="the newest 50, as the GNU Health comparison's first 50 encounters",
            )
        )
        out.append(Action("sessions list (500 rows)", get(api, f"{base}?limit=500")))
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.ERROR)  # the probe's 422 is an answer, not a warning
        try:
            thousand = api.get(f"{base}?limit=1000").status_code == 200
        finally:
            request_log.setLevel(level)
        if thousand:
            out.append(Action("sessions list (1,000 rows)", get(api, f"{base}?limit=1000")))
        else:
            out.append(
                Action(
                    "sessions list (1,000 rows)",
                    fixed(
                        lambda: [
                            api.get(f"{base}?limit=500"),
                            api.get(f"{base}?limit=500&offset=500"),
                        ]
                    ),
                    note="two requests of 500: the API refuses limit=1000",
                )
            )

    # Writes: each timed call gets fresh input, found before the clock starts.
    slots: list[tuple[int, str]] = []

    def next_slot() -> tuple[int, str]:
        while not slots:
            practitioner = rng.choice(t["practitioners"])
            when = weekday_ahead(rng.randint(30, 720))
            found = api.get(
                f"/api/v1/availability?practitioner={practitioner}&type=follow_up"
                f"&from={when}&to={when}"
            ).json()
            slots.extend((practitioner, s["start"]) for s in found)
            rng.shuffle(slots)
        return slots.pop()

    def booking() -> Callable[[], Any]:
        practitioner, start = next_slot()
        slots[:] = [s for s in slots if s[0] != practitioner or s[1][:10] != start[:10]]
        body = json.dumps(
            {
                "patient": rng.choice(t["patients"]),
                "practitioner": practitioner,
                "start": start,
                "type": "follow_up",
            }
        )
        return lambda: api.post("/api/v1/appointments", body, content_type="application/json")

    def charting_save() -> Callable[[], Any]:
        course = rng.choice(t["chart_courses"])
        body = json.dumps(walk_in_session(rng, zone))
        return lambda: api.post(
            f"/api/v1/courses/{course}/sessions", body, content_type="application/json"
        )

    out.append(
        Action(
            "booking",
            booking,
            kind="write",
            expect=(201,),
            note="a free follow-up slot 30-720 days ahead, one per run, for a random patient",
        )
    )
    if t.get("chart_courses"):
        out.append(
            Action(
                "charting save",
                charting_save,
                kind="write",
                expect=(201,),
                note="an unbooked session (walk-in) on an active acupuncture course",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets")
    parser.add_argument("out")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", default="", help="action names separated by ;")
    args = parser.parse_args()
    if settings.DEBUG:
        raise SystemExit("the in-process bench measures with DEBUG off")
    if connection.vendor != "postgresql":
        raise SystemExit("the in-process bench needs the generated PostgreSQL database")
    targets = json.loads(Path(args.targets).read_text())
    backend = Backend()
    results: dict[str, Any] = {}
    only = {n.strip() for n in args.only.split(";") if n.strip()}
    calibration = [calibrate()]
    for action in actions(targets, args.runs):
        if only and action.name not in only:
            continue
        print(f"  {action.name} ...", end="", flush=True)
        results[action.name] = measure(action, backend, args.runs, args.warmup)
        print(f" {results[action.name]['cpu_ms']:.1f} ms", flush=True)
    calibration.append(calibrate())
    same = backend.same_connection()
    Path(args.out).write_text(
        json.dumps(
            {
                "backend_pid": backend.pid,
                "backend_cpu": "schedstat"
                if backend.precise
                else ("stat" if backend.available else "unavailable"),
                "same_connection": same,
                "calibration_ms": calibration,
                "actions": results,
            },
            indent=1,
        )
    )
    if not same:
        raise SystemExit("the database connection changed during the run: backend CPU is wrong")


if __name__ == "__main__":
    main()
