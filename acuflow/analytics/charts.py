"""Server-side SVG charts of "Our results", in the look of the course outcome chart
(outcomes/charts.py: same font, grid, axis colours). Python works out the geometry,
numbers formatted here (never by the template's localisation, which writes 1,5 in
Dutch); the Django templates analytics/_km_chart.html and _funnel_chart.html draw it.
Every mark carries data-* values so tests can check it against the data."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 760, 360
LEFT, RIGHT, TOP, BOTTOM = 56, WIDTH - 24, 28, HEIGHT - 64
CURVE, BAND, MEAN, LIMIT95, LIMIT998 = "#0a5c55", "#cfe3e1", "#50575e", "#8a5300", "#a4161a"


def _n(value: float) -> str:
    return f"{value:.1f}"


def _x(value: float, x_max: float) -> float:
    return LEFT + value / x_max * (RIGHT - LEFT)


def _y(share: float) -> float:
    return BOTTOM - share * (BOTTOM - TOP)


def _y_ticks() -> list[dict[str, str]]:
    return [
        {"y": _n(_y(p / 100)), "label": f"{p} %", "label_y": _n(_y(p / 100) + 4)}
        for p in range(0, 101, 25)
    ]


def km_chart(
    ttr: dict[str, Any],
    *,
    onset: int | Sequence[int],
    review: int | Sequence[int],
    by: str = "sessions",
) -> SafeString:
    """Share responded by session, or by day since the first session (1 - Kaplan-Meier),
    with its 95 % band, as steps. A condition x modality cohort whose protocols differ
    passes each protocol's onset and review session: one marker line for each."""
    onsets = sorted({onset} if isinstance(onset, int) else set(onset))
    reviews = sorted({review} if isinstance(review, int) else set(review))
    days = by == "days"
    key = "day" if days else "session"
    curve = ttr["curve_days"] if days else ttr["curve"]
    if days:
        x_max = max([p["day"] for p in curve] + [28]) * 1.03
    else:
        x_max = max([p["session"] for p in curve] + reviews + [6]) + 0.5
    line: list[str] = []
    band_top: list[str] = []
    band_bottom: list[str] = []
    marks = []
    previous = None
    for point in curve:
        x = _x(point[key], x_max)
        if previous is not None:
            # A step: hold the previous level up to this session, then jump.
            line.append(f"{_n(x)},{_n(_y(previous['responded']))}")
            band_top.append(f"{_n(x)},{_n(_y(previous['high']))}")
            band_bottom.append(f"{_n(x)},{_n(_y(previous['low']))}")
        line.append(f"{_n(x)},{_n(_y(point['responded']))}")
        band_top.append(f"{_n(x)},{_n(_y(point['high']))}")
        band_bottom.append(f"{_n(x)},{_n(_y(point['low']))}")
        marks.append(
            {
                "cx": _n(x),
                "cy": _n(_y(point["responded"])),
                "at": point[key],
                "value": f"{point['responded']:.4f}",
                "at_risk": point["at_risk"],
            }
        )
        previous = point
    if previous is not None:
        end = _n(RIGHT)
        line.append(f"{end},{_n(_y(previous['responded']))}")
        band_top.append(f"{end},{_n(_y(previous['high']))}")
        band_bottom.append(f"{end},{_n(_y(previous['low']))}")
    band = " ".join(band_top + list(reversed(band_bottom)))
    if days:
        step = 7 * max(1, math.ceil(x_max / 7 / 12))  # whole weeks, a dozen ticks at most
        ticks = [{"x": _n(_x(d, x_max)), "label": str(d)} for d in range(0, int(x_max) + 1, step)]
        markers = []
    else:
        ticks = [{"x": _n(_x(k, x_max)), "label": str(k)} for k in range(1, math.floor(x_max) + 1)]
        markers = [
            {"series": s, "session": k, "x": _n(_x(k, x_max)), "color": c}
            for s, ks, c in (("onset", onsets, "#1e6b2f"), ("review", reviews, "#a4161a"))
            for k in ks
        ]
    median = ttr["median_days" if days else "median_sessions"]
    context = {
        "by_days": days,
        "w": WIDTH,
        "h": HEIGHT,
        "left": LEFT,
        "right": RIGHT,
        "top": TOP,
        "bottom": BOTTOM,
        "bottom_tick": BOTTOM + 5,
        "bottom_label": BOTTOM + 18,
        "axis_label_y": BOTTOM + 40,
        "mid_x": _n((LEFT + RIGHT) / 2),
        "mid_y": _n((TOP + BOTTOM) / 2),
        "y_ticks": _y_ticks(),
        "x_ticks": ticks,
        "half_y": _n(_y(0.5)),
        "line": " ".join(line),
        "band": band,
        "marks": marks,
        "markers": markers,
        "median": None if median is None else f"{median:g}",
        "median_x": None if median is None else _n(_x(median, x_max)),
        "colors": {"curve": CURVE, "band": BAND},
        "empty": not curve,
    }
    return mark_safe(render_to_string("analytics/_km_chart.html", context))  # noqa: S308 - the template escapes


def funnel_limits(mean: float, n: int, z: float) -> tuple[float, float]:
    """Control limits of a proportion with mean `mean` at size n (normal approximation,
    the usual funnel plot: Spiegelhalter 2005)."""
    half = z * math.sqrt(mean * (1 - mean) / n) if n else 1.0
    return max(0.0, mean - half), min(1.0, mean + half)


def funnel_chart(practitioners: list[dict[str, Any]], mean: float | None) -> SafeString:
    """Each practitioner's responder rate against the number of courses, with the
    clinic's mean and the 95 % and 99.8 % limits around it."""
    n_max = max([p["n"] for p in practitioners] + [20])
    x_max = n_max * 1.1

    def fx(n: float) -> float:
        return LEFT + n / x_max * (RIGHT - LEFT)

    limits = []
    if mean is not None:
        for z, color, series in ((1.96, LIMIT95, "limit95"), (3.09, LIMIT998, "limit998")):
            upper, lower = [], []
            steps = 60
            for i in range(1, steps + 1):
                n = 2 + (x_max - 2) * i / steps
                lo, hi = funnel_limits(mean, int(round(n)) or 1, z)
                upper.append(f"{_n(fx(n))},{_n(_y(hi))}")
                lower.append(f"{_n(fx(n))},{_n(_y(lo))}")
            limits.append(
                {
                    "series": series,
                    "color": color,
                    "upper": " ".join(upper),
                    "lower": " ".join(lower),
                }
            )
    points = [
        {
            "cx": _n(fx(p["n"])),
            "cy": _n(_y(p["rate"])),
            "label": p["label"],
            "n": p["n"],
            "value": f"{p['rate']:.4f}",
            "me": p["me"],
        }
        for p in practitioners
        if p["rate"] is not None
    ]
    step = max(1, math.ceil(n_max / 5 / 10) * 10) if n_max > 10 else 2
    x_ticks = [{"x": _n(fx(n)), "label": str(n)} for n in range(0, int(x_max) + 1, step)]
    context = {
        "w": WIDTH,
        "h": HEIGHT,
        "left": LEFT,
        "right": RIGHT,
        "top": TOP,
        "bottom": BOTTOM,
        "bottom_tick": BOTTOM + 5,
        "bottom_label": BOTTOM + 18,
        "axis_label_y": BOTTOM + 40,
        "mid_x": _n((LEFT + RIGHT) / 2),
        "mid_y": _n((TOP + BOTTOM) / 2),
        "y_ticks": _y_ticks(),
        "x_ticks": x_ticks,
        "mean": None if mean is None else f"{mean:.4f}",
        "mean_y": None if mean is None else _n(_y(mean)),
        "mean_pct": None if mean is None else f"{mean * 100:.0f} %",
        "limits": limits,
        "points": points,
        "colors": {"mean": MEAN, "point": CURVE},
        "empty": not points,
    }
    return mark_safe(render_to_string("analytics/_funnel_chart.html", context))  # noqa: S308 - the template escapes
