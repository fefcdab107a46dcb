"""Fast checks of the report code (not part of `make test`): pytest bench/test_report.py"""

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
