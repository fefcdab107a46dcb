"""Fast checks of the report code, part of `make test` (pyproject testpaths)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report  # noqa: E402

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)


def stats(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "x_stats.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def test_parse_ratios_growth_and_table(tmp_path: Path) -> None:
    small = report.with_ratios(
        report.parse_stats(
            stats(
                tmp_path,
                [
                    "GET,healthz (floor),100,0,4,4.2,1,20,10,5.0,0,4,4,5,5,6,8,9,10,12,12,12",
                    "GET,patient search,200,1,12,13,5,90,900,10.0,0,12,13,14,15,20,40,50,60,90,90,90",
                    ",Aggregated,300,1,8,9,1,90,500,15.0,0,8,9,9,10,15,30,40,50,90,90,90",
                ],
            )
        )
    )
    assert set(small) == {"healthz (floor)", "patient search"}
    assert small["patient search"]["p95_ms"] == 40
    assert small["patient search"]["p50_vs_floor"] == 3.0
    large = {k: dict(v, p95_ms=v["p95_ms"] * 2) for k, v in small.items()}
    grown = report.growth(small, large)
    assert grown["patient search"] == 2.0
    results = {"sizes": {"1000": {"actions": small}, "100000": {"actions": large}}}
    results["growth"] = grown
    text = report.table(results)
    assert "| 100,000 | patient search |" in text
    assert "2.00x" in text
    # One failure and a doubled p95: both sizes miss the budget for search.
    assert text.count("MISS") == 2


def test_our_results_is_held_to_its_own_one_second_budget() -> None:
    entry = {"p95_ms": 900.0, "failures": 0, "p50_vs_floor": 40.0}
    assert report.budget_ok("our results page", entry, 3.0)
    assert not report.budget_ok("our results API", {**entry, "p95_ms": 1200.0}, None)
    assert not report.budget_ok("calendar day", entry, None)


def read(cpu: float, sql: float, **extra: object) -> dict:
    return {"kind": "read", "cpu_ms": cpu, "wall_p95_ms": cpu * 2, "queries": 3,
            "django_cpu_ms": cpu * 0.8, "backend_cpu_ms": cpu * 0.2,
            "sql": {"execution_ms": sql}, **extra}  # fmt: skip


def test_cpu_figures_take_the_median_of_each_runs_sum() -> None:
    ms = 1_000_000
    figures = report.cpu_figures(
        [4 * ms, 1 * ms, 9 * ms, 2 * ms],
        [0, 5 * ms, 1 * ms, 1 * ms],
        [5 * ms, 7 * ms, 30 * ms, 6 * ms],
    )
    # Sums 4, 6, 10, 3: median 5 (the sum of the two medians would be 3 + 1 = 4).
    assert figures["cpu_ms"] == 5.0
    assert figures["django_cpu_ms"] == 3.0
    assert figures["backend_cpu_ms"] == 1.0
    assert figures["wall_ms"] == 6.5
    assert figures["wall_p95_ms"] == 30.0
    assert report.cpu_figures([3 * ms] * 3, [0] * 3, [ms] * 3)["cpu_ms"] == 3.0


def test_inprocess_verdicts_name_each_budget_missed() -> None:
    assert report.inprocess_verdict("patient search", read(5.0, 2.0)) == "ok"
    assert report.inprocess_verdict("patient search", read(6.5, 2.5)) == "MISS (CPU)"
    assert report.inprocess_verdict("patient search", read(5.0, 1.0)) == "MISS (ratio)"
    assert report.inprocess_verdict(report.CHART, read(21.0, 1.0)) == "MISS (CPU, ratio)"
    assert report.ratio(read(21.0, 1.0)) == 21.0
    # No SQL time at all (nothing explainable) cannot show the ratio is met.
    assert report.inprocess_verdict("course status", read(5.0, 0.0)) == "MISS (ratio)"
    # Writes are held to their CPU budget only; their SQL time is not EXPLAINed.
    write = {"kind": "write", "cpu_ms": 11.0, "wall_p95_ms": 20.0}
    assert report.inprocess_verdict("booking", write) == "ok"
    assert report.inprocess_verdict("charting save", write) == "MISS (CPU)"
    assert report.ratio(write) is None
    # Our results: p95 under a second, not a CPU budget; the ratio still holds.
    assert report.inprocess_verdict("our results API", read(400.0, 300.0)) == "ok"
    slow = read(600.0, 300.0)
    assert report.inprocess_verdict("our results page", slow) == "MISS (p95 1 s)"
    assert report.inprocess_verdict(report.INPROCESS_REFERENCE, read(1.0, 0.01)) == "-"
    # A read without a CPU budget (the sessions list) is held to the ratio alone.
    assert report.inprocess_verdict("sessions list (500 rows)", read(90.0, 40.0)) == "ok"


def test_inprocess_table_and_lines() -> None:
    results = {
        "finished_at": "2026-11-27T12:00:00+00:00",
        "machine": {"cpu": "CPU", "cores": 2, "memory_gb": 8.0, "postgresql": "PostgreSQL 15",
                    "python": "3.13", "django": "6.1", "load_average": "0.4 0.5 0.6"},  # fmt: skip
        "settings": {"runs": 20, "warmup": 3, "backend_cpu": "schedstat"},
        "sizes": {
            "100000": {"actions": {
                "booking": {"kind": "write", "cpu_ms": 30.0, "django_cpu_ms": 25.0,
                            "backend_cpu_ms": 5.0, "queries": 22, "wall_p95_ms": 40.0},
                "patient search": read(4.0, 2.0),
            }, "load_average": "0.4 0.5 0.6", "chart_sessions": 1000},
            "1000": {"actions": {"patient search": read(3.0, 1.5)}, "load_average": "1.9 1 1"},
        },
    }  # fmt: skip
    text = report.inprocess_table(results)
    rows = text.splitlines()[2:]
    assert rows[0].startswith("| 1,000 | patient search | 3.0 |")
    assert rows[1].startswith("| 100,000 | patient search | 4.0 |")
    assert "| 2.0x |" in rows[1] and rows[1].endswith("| ≤ 6 ms, ≤ 3x | ok |")
    assert "n/a (write)" in rows[2] and rows[2].endswith("| ≤ 12 ms | MISS (CPU) |")
    results["sizes"]["1000"]["actions"]["patient search"]["sql"]["parallel_workers"] = 2
    assert "| 1.50 (parallel) |" in report.inprocess_table(results)
    lines = report.inprocess_lines(results)
    assert "disturbed" in lines  # the 1,000 size started at load 1.9
    assert "1,000 patients (load at start 1.9 1 1, disturbed)" in lines
    assert report.disturbed("1.6 0.2 0.1") and not report.disturbed("1.5 3.0 3.0")
