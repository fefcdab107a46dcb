"""The course outcome chart, drawn server-side as one SVG string so the same chart serves
the course page, the portal and the PDF reports (WeasyPrint renders inline SVG).

Left axis: pain NRS 0..10 per session (before and after), the NRS questionnaires, the
baseline and the 30 % / 50 % responder lines. Right axis: other questionnaire scores as a
percentage of their scale. Vertical lines: the protocol's onset and review sessions.
Every plotted mark carries data-series / data-value / data-cx / data-cy so that tests
(and curious users) can check a mark against the data it stands for.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from acuflow.outcomes.selectors import course_outcomes

if TYPE_CHECKING:
    from acuflow.protocols.models import Course

WIDTH, HEIGHT = 760, 420
LEFT, RIGHT, TOP, BOTTOM = 56, WIDTH - 64, 44, HEIGHT - 120
PALETTE = ["#1f78b4", "#b15928", "#33a02c", "#c2185b", "#7a7a00", "#00838f", "#5d4037"]
NRS_BEFORE, NRS_AFTER, NRS_FORM = "#0a5c55", "#d95f02", "#6a3d9a"


def _n(value: float) -> str:
    return f"{value:.1f}"


def _g(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


class _Scale:
    def __init__(self, sessions_axis: float) -> None:
        self.x_max = sessions_axis + 0.5

    def x(self, value: float) -> float:
        return LEFT + value / self.x_max * (RIGHT - LEFT)

    @staticmethod
    def y_nrs(value: float) -> float:
        return BOTTOM - value / 10 * (BOTTOM - TOP)

    @staticmethod
    def y_pct(value: float) -> float:
        return BOTTOM - value / 100 * (BOTTOM - TOP)


def _marker(shape: str, cx: float, cy: float, color: str, attrs: str, hollow: bool = False) -> str:
    fill = "#fff" if hollow else color
    common = f'class="point" {attrs} data-cx="{_n(cx)}" data-cy="{_n(cy)}"'
    if shape == "square":
        return (
            f'<rect {common} x="{_n(cx - 4)}" y="{_n(cy - 4)}" width="8" height="8" '
            f'fill="{fill}" stroke="{color}" stroke-width="2"/>'
        )
    if shape == "triangle":
        d = f"M{_n(cx)} {_n(cy - 5.5)} L{_n(cx + 5)} {_n(cy + 4)} L{_n(cx - 5)} {_n(cy + 4)} Z"
        return f'<path {common} d="{d}" fill="{fill}" stroke="{color}" stroke-width="2"/>'
    return (
        f'<circle {common} cx="{_n(cx)}" cy="{_n(cy)}" r="4.5" fill="{fill}" '
        f'stroke="{color}" stroke-width="2"/>'
    )


def _polyline(points: list[tuple[float, float]], color: str, series: str, dash: str = "") -> str:
    if len(points) < 2:
        return ""
    coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline class="line" data-series="{series}" points="{coords}" fill="none" '
        f'stroke="{color}" stroke-width="2"{dashed}/>'
    )


def chart_svg(outcomes: dict[str, Any]) -> str:
    """The SVG for a course_outcomes() dict, in the active language."""
    sessions = outcomes["sessions"]
    instruments = outcomes["instruments"]
    furthest = max([p["x"] for i in instruments for p in i["points"]] or [0])
    axis_sessions = max(
        outcomes["expected_sessions"],
        outcomes["review_session"],
        len(sessions),
        math.ceil(furthest),
        1,
    )
    scale = _Scale(axis_sessions)
    out: list[str] = []
    title = _("Course outcome")
    texts = {
        "pain": _("Pain (NRS 0-10)"),
        "pct": _("Percentage of the scale"),
        "session": _("Session (B = baseline at assessment)"),
        "baseline": _("Baseline"),
        "empty": _("No scores yet."),
    }
    desc = _(
        "Pain (NRS 0-10) before and after each session, questionnaire scores, baseline "
        "%(baseline)s, 30 %% and 50 %% improvement lines, onset expected by session "
        "%(onset)s and review at session %(review)s."
    ) % {
        "baseline": outcomes["baseline_nrs"],
        "onset": outcomes["onset_session"],
        "review": outcomes["review_session"],
    }
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="outcome-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-labelledby="chart-title chart-desc" font-family="DejaVu Sans, sans-serif" '
        f'font-size="12">'
    )
    out.append(f'<title id="chart-title">{escape(title)}</title>')
    out.append(f'<desc id="chart-desc">{escape(desc)}</desc>')
    out.append(f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>')

    # Grid and axes.
    for value in range(0, 11, 2):
        y = scale.y_nrs(value)
        out.append(
            f'<line x1="{LEFT}" y1="{_n(y)}" x2="{RIGHT}" y2="{_n(y)}" stroke="#e3e5e8"/>'
            f'<text x="{LEFT - 8}" y="{_n(y + 4)}" text-anchor="end">{value}</text>'
        )
    out.append(
        f'<text x="14" y="{_n((TOP + BOTTOM) / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_n((TOP + BOTTOM) / 2)})">{escape(texts["pain"])}</text>'
    )
    others = [i for i in instruments if i["code"] != "nrs"]
    if others:
        for pct in (0, 50, 100):
            out.append(f'<text x="{RIGHT + 8}" y="{_n(scale.y_pct(pct) + 4)}">{pct} %</text>')
        out.append(
            f'<text x="{WIDTH - 8}" y="{_n((TOP + BOTTOM) / 2)}" text-anchor="middle" '
            f'transform="rotate(90 {WIDTH - 8} {_n((TOP + BOTTOM) / 2)})">'
            f"{escape(texts['pct'])}</text>"
        )
    out.append(
        f'<line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" stroke="#50575e"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" stroke="#50575e"/>'
    )
    for number in range(0, axis_sessions + 1):
        x = scale.x(number)
        label = _("B") if number == 0 else str(number)
        out.append(
            f'<line x1="{_n(x)}" y1="{BOTTOM}" x2="{_n(x)}" y2="{BOTTOM + 5}" stroke="#50575e"/>'
            f'<text x="{_n(x)}" y="{BOTTOM + 18}" text-anchor="middle">{label}</text>'
        )
    out.append(
        f'<text x="{_n((LEFT + RIGHT) / 2)}" y="{BOTTOM + 36}" text-anchor="middle">'
        f"{escape(texts['session'])}</text>"
    )

    # Protocol expectations: onset and review sessions.
    for series, number, label, color in (
        ("onset", outcomes["onset_session"], _("Onset expected"), "#1e6b2f"),
        ("review", outcomes["review_session"], _("Review"), "#a4161a"),
    ):
        x = scale.x(number)
        out.append(
            f'<line class="marker-line" data-series="{series}" data-session="{number}" '
            f'x1="{_n(x)}" y1="{TOP}" x2="{_n(x)}" y2="{BOTTOM}" stroke="{color}" '
            f'stroke-dasharray="2 4" stroke-width="1.5"/>'
            f'<text x="{_n(x)}" y="{TOP - 8 - (12 if series == "review" else 0)}" '
            f'text-anchor="middle" fill="{color}">{escape(label)} ({number})</text>'
        )

    # Baseline and responder lines.
    baseline = outcomes["baseline_nrs"]
    y = scale.y_nrs(baseline)
    out.append(
        f'<line class="level-line" data-series="baseline" data-value="{_g(baseline)}" '
        f'data-cy="{_n(y)}" x1="{LEFT}" y1="{_n(y)}" x2="{RIGHT}" y2="{_n(y)}" '
        f'stroke="#50575e" stroke-width="1.5"/>'
        f'<text x="{RIGHT - 4}" y="{_n(y - 4)}" text-anchor="end" fill="#50575e">'
        f"{escape(texts['baseline'])} {_g(baseline)}</text>"
    )
    out.append(
        _marker(
            "circle",
            scale.x(0),
            y,
            "#50575e",
            f'data-series="baseline_point" data-session="0" data-value="{_g(baseline)}"',
        )
    )
    for pct, value in outcomes["responder_lines"].items():
        y = scale.y_nrs(value)
        label = _("%(pct)s %% better") % {"pct": pct}
        out.append(
            f'<line class="level-line" data-series="responder_{pct}" data-value="{_g(value)}" '
            f'data-cy="{_n(y)}" x1="{LEFT}" y1="{_n(y)}" x2="{RIGHT}" y2="{_n(y)}" '
            f'stroke="#8a5300" stroke-dasharray="6 4"/>'
            f'<text x="{RIGHT - 4}" y="{_n(y - 4)}" text-anchor="end" fill="#8a5300">'
            f"{escape(label)}</text>"
        )

    # Questionnaire scores (other than NRS) as % of their scale, on the right axis.
    legend: list[tuple[str, str, str, bool]] = []
    for index, instrument in enumerate(others):
        color = PALETTE[index % len(PALETTE)]
        lo, hi = instrument["range"]
        points = []
        for point in instrument["points"]:
            pct = (point["score"] - lo) / (hi - lo) * 100
            cx, cy = scale.x(point["x"]), scale.y_pct(pct)
            points.append((cx, cy))
            out.append(
                _marker(
                    "circle",
                    cx,
                    cy,
                    color,
                    f'data-series="{escape(instrument["code"])}" data-value="{_g(point["score"])}" '
                    f'data-pct="{_n(pct)}" data-x="{_g(point["x"])}" '
                    f'data-date="{point["recorded_at"].date().isoformat()}"',
                    hollow=True,
                )
            )
        out.insert(-len(points) or len(out), _polyline(points, color, instrument["code"], "1 3"))
        label = _("%(name)s (%% of scale)") % {"name": instrument["short_name"]}
        legend.append(("circle", color, label, True))

    # NRS questionnaires (usual pain) on the NRS axis.
    for instrument in instruments:
        if instrument["code"] != "nrs":
            continue
        points = []
        for point in instrument["points"]:
            cx, cy = scale.x(point["x"]), scale.y_nrs(point["score"])
            points.append((cx, cy))
            out.append(
                _marker(
                    "triangle",
                    cx,
                    cy,
                    NRS_FORM,
                    f'data-series="nrs" data-value="{_g(point["score"])}" '
                    f'data-x="{_g(point["x"])}" '
                    f'data-date="{point["recorded_at"].date().isoformat()}"',
                )
            )
        legend.append(("triangle", NRS_FORM, _("NRS questionnaire (usual pain)"), False))

    # NRS before and after each session.
    for field, color, shape, series_label, dash in (
        ("nrs_before", NRS_BEFORE, "circle", _("NRS before the session"), ""),
        ("nrs_after", NRS_AFTER, "square", _("NRS after the session"), "5 3"),
    ):
        session_marks = [
            (scale.x(s["number"]), scale.y_nrs(s[field]), s)
            for s in sessions
            if s[field] is not None
        ]
        out.append(_polyline([(x, y) for x, y, _s in session_marks], color, field, dash))
        for x, y, session in session_marks:
            out.append(
                _marker(
                    shape,
                    x,
                    y,
                    color,
                    f'data-series="{field}" data-session="{session["number"]}" '
                    f'data-value="{session[field]}"',
                )
            )
        if session_marks:
            legend.insert(0 if field == "nrs_before" else 1, (shape, color, series_label, False))

    if not sessions and not instruments:
        out.append(
            f'<text x="{_n((LEFT + RIGHT) / 2)}" y="{_n((TOP + BOTTOM) / 2)}" '
            f'text-anchor="middle" fill="#50575e">{escape(texts["empty"])}</text>'
        )

    # Legend, two columns under the axis label.
    for index, (shape, color, label, hollow) in enumerate(legend):
        col, row = index % 2, index // 2
        lx, ly = LEFT + col * 340, BOTTOM + 60 + row * 18
        mark = _marker(shape, lx + 6, ly - 4, color, 'data-series="legend"', hollow)
        out.append(mark.replace('class="point"', 'class="legend-mark"', 1))
        out.append(f'<text x="{lx + 18}" y="{ly}">{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def course_chart_svg(
    course: Course, *, language: str, outcomes: dict[str, Any] | None = None
) -> str:
    """The course's outcome chart in `language` (pass `outcomes` when already loaded)."""
    with translation.override(language):
        data = outcomes if outcomes is not None else course_outcomes(course, language=language)
        return chart_svg(data)
