"""The statistics behind "Our results", as pure functions over plain values.

- Wilson's score interval for a proportion (Wilson 1927; Newcombe 1998, method 3): a
  closed formula, so it is written out here rather than pulled from a library.
- Kaplan-Meier time to response with lifelines (the estimator is not hand-rolled): the
  database hands over counts per (time, event), lifelines takes them as weights.
- The verdict of a claim: too few below MIN_N, else holds or fails on a bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal
MIN_N = 20  # below this a cell is greyed and no claim is judged (issue 19)
VERDICTS = ("holds", "fails", "too_few")


@dataclass(frozen=True)
class Proportion:
    count: int
    n: int
    rate: float | None
    low: float | None
    high: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate": _r(self.rate),
            "low": _r(self.low),
            "high": _r(self.high),
            "count": self.count,
            "n": self.n,
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def wilson(count: int, n: int, z: float = Z95) -> Proportion:
    """count/n with Wilson's 95 % score interval; no rate and no interval for n = 0."""
    if n < 0 or not 0 <= count <= n:
        raise ValueError("need 0 <= count <= n")
    if n == 0:
        return Proportion(count, n, None, None, None)
    p = count / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # Clamp the rounding noise at the ends (0/n and n/n have exact bounds 0 and 1).
    return Proportion(count, n, p, max(0.0, centre - half), min(1.0, centre + half))


def verdict(
    n: int,
    low: float | None,
    high: float | None,
    *,
    above: float | None = None,
    below: float | None = None,
) -> str:
    """'too_few' below MIN_N; else 'holds' when the lower bound is above `above` (or the
    upper bound below `below`), 'fails' otherwise."""
    if n < MIN_N or low is None or high is None:
        return "too_few"
    if above is not None:
        return "holds" if low > above else "fails"
    if below is not None:
        return "holds" if high < below else "fails"
    raise ValueError("give above or below")


@dataclass(frozen=True)
class TimeToResponse:
    median: float | None
    median_low: float | None
    median_high: float | None
    curve: list[dict[str, Any]]  # time, responded (1 - S), low, high, at_risk


def _finite(value: Any) -> float | None:
    value = float(value)
    return None if math.isinf(value) or math.isnan(value) else value


def kaplan_meier(rows: list[tuple[int, bool, int]]) -> TimeToResponse:
    """rows: (time, responded, number of courses). A course that never responded is
    censored at its last session (stop, referral, drop-out or still running)."""
    rows = [r for r in rows if r[2] > 0]
    if not rows:
        return TimeToResponse(None, None, None, [])
    kmf = KaplanMeierFitter()
    kmf.fit(
        [r[0] for r in rows],
        event_observed=[bool(r[1]) for r in rows],
        weights=[r[2] for r in rows],
    )
    ci = kmf.confidence_interval_
    medians = median_survival_times(ci)
    survival = kmf.survival_function_.iloc[:, 0]
    lower, upper = ci.iloc[:, 0], ci.iloc[:, 1]
    at_risk = kmf.event_table["at_risk"]
    curve = [
        {
            "time": int(t),
            "responded": round(1 - float(survival[t]), 4),
            "low": round(1 - float(upper[t]), 4),
            "high": round(1 - float(lower[t]), 4),
            "at_risk": int(at_risk[t]) if t in at_risk.index else 0,
        }
        for t in survival.index
    ]
    return TimeToResponse(
        _finite(kmf.median_survival_time_),
        _finite(medians.iloc[0, 0]) if isinstance(medians, pd.DataFrame) else None,
        _finite(medians.iloc[0, 1]) if isinstance(medians, pd.DataFrame) else None,
        curve,
    )
