"""Fast checks of the GNU Health side-by-side driver (bench/peer), part of `make test`."""

from __future__ import annotations

import json
import os
import sys
from argparse import Namespace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "peer"))

import driver  # noqa: E402


def test_percentile_picks_the_nearest_rank() -> None:
    values = [float(x) for x in range(1, 101)]
    assert driver.percentile(values, 0.5) == 51.0
    assert driver.percentile(values, 0.95) == 95.0
    assert driver.percentile([3.0], 0.95) == 3.0


def test_cpu_spent_counts_a_process_that_appeared_whole() -> None:
    before = {1: 100, 2: 50}
    after = {1: 160, 2: 50, 3: 25}  # 3: a backend connected during the request
    assert driver.CpuMeter.spent(before, after) == 85


def test_cpu_meter_sees_its_own_process() -> None:
    sample = driver.CpuMeter(os.getpid(), "no_such_database").sample()
    assert os.getpid() in sample and sample[os.getpid()] > 0


def test_merge_keeps_both_runs_and_summarises_the_ratios(tmp_path: Path) -> None:
    def run(variant: str, ratio: float) -> Path:
        ops = {op: {"ratio_median": ratio, "ratio_cpu_median": ratio} for op in driver.OPERATIONS}
        path = tmp_path / f"{variant}.json"
        path.write_text(json.dumps({"variant": variant, "operations": ops}))
        return path

    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"date": "2026-11-27"}))
    out = tmp_path / "peer.json"
    driver.merge(
        Namespace(plain=run("plain", 0.5), indexed=run("indexed", 1.2), meta=meta, out=out)
    )
    merged = json.loads(out.read_text())
    assert merged["date"] == "2026-11-27"
    assert merged["summary"]["search"] == {
        "ratio_plain": 0.5,
        "ratio_indexed": 1.2,
        "ratio_cpu_plain": 0.5,
        "ratio_cpu_indexed": 1.2,
    }
    assert set(merged["runs"]) == {"plain", "indexed"} and merged["notes"]
