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
from html import escape
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
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


def _marker(
    shape: str,
    cx: float,
    cy: float,
    color: str,
    attrs: list[tuple[str, Any]],
    hollow: bool = False,
    css: str = "point",
) -> str:
    """One mark, a circle, a square or a triangle centred on (cx, cy); `attrs` are the
    data-* attributes that say what it stands for.

    Marks repeat per session and questionnaire, up to thousands in a long course, so they
    are drawn here rather than in the template: the template engine costs about 30 us a
    mark, which made a 1,000-session chart 20 times slower. (The standard library's
    escape: the same text as Django's, without its lazy-string wrapper per value.)"""
    fill = "#fff" if hollow else color
    data = " ".join(
        f'{name}="{value}"' if type(value) is int else f'{name}="{escape(str(value))}"'
        for name, value in attrs
    )
    common = f'class="{css}" {data} data-cx="{_n(cx)}" data-cy="{_n(cy)}"'
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


def _session_marks(
    shape: str, color: str, field: str, marks: list[tuple[float, float, dict[str, Any]]]
) -> list[str]:
    """`_marker(shape, x, y, color, [data-series, data-session, data-value])` for each
    session's mark, the same text in one format string per mark: a session before and
    after is two thousand marks in a 1,000-session course."""
    if shape not in ("circle", "square"):
        raise ValueError(shape)
    out = []
    series = escape(field)
    for x, y, session in marks:
        number, value = session["number"], session[field]
        if type(number) is not int or type(value) is not int:
            attrs = [("data-series", field), ("data-session", number), ("data-value", value)]
            out.append(_marker(shape, x, y, color, attrs))
            continue
        # The numbers formatted inline as _n() writes them ({:.1f}): a call per number
        # was a third of the chart's time.
        common = (
            f'class="point" data-series="{series}" data-session="{number}" '
            f'data-value="{value}" data-cx="{x:.1f}" data-cy="{y:.1f}"'
        )
        if shape == "square":
            out.append(
                f'<rect {common} x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
                f'fill="{color}" stroke="{color}" stroke-width="2"/>'
            )
        else:
            out.append(
                f'<circle {common} cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{color}" '
                f'stroke="{color}" stroke-width="2"/>'
            )
    return out


def _polyline(points: list[tuple[float, float]], color: str, series: str, dash: str = "") -> str:
    if len(points) < 2:
        return ""
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)  # as _n() writes them
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline class="line" data-series="{escape(series)}" points="{coords}" fill="none" '
        f'stroke="{color}" stroke-width="2"{dashed}/>'
    )


MAX_SESSION_LABELS = 20  # numbers of up to four digits fit the axis's 640 px side by side


def session_step(axis_sessions: int) -> int:
    """Every how many sessions the axis carries a number: 1, 2, 5, 10, 20, 50 ... so that
    at most MAX_SESSION_LABELS numbers stand on it (a thousand would overlap into a bar)."""
    for magnitude in (1, 10, 100, 1_000, 10_000, 100_000):
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if math.ceil(axis_sessions / step) <= MAX_SESSION_LABELS:
                return step
    return 1_000_000


def _ticks(scale: _Scale, axis_sessions: int) -> str:
    """The session axis's ticks and numbers: B, then every `session_step` sessions.
    Written here for the reason the marks are."""
    out = []
    for number in range(0, axis_sessions + 1, session_step(axis_sessions)):
        x = f"{scale.x(number):.1f}"  # as _n() writes it
        label = escape(_("B")) if number == 0 else str(number)
        out.append(
            f'<line x1="{x}" y1="{BOTTOM}" x2="{x}" y2="{BOTTOM + 5}" stroke="#50575e"/>'
            f'<text x="{x}" y="{BOTTOM + 18}" text-anchor="middle">{label}</text>'
        )
    return "".join(out)


def chart_context(outcomes: dict[str, Any]) -> dict[str, Any]:
    """Everything `outcomes/chart.svg` draws for a course_outcomes() dict, placed on the
    chart's coordinates, its text in the active language."""
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
    desc = _(
        "Pain (NRS 0-10) before and after each session, questionnaire scores, baseline "
        "%(baseline)s, 30 %% and 50 %% improvement lines, onset expected by session "
        "%(onset)s and review at session %(review)s."
    ) % {
        "baseline": outcomes["baseline_nrs"],
        "onset": outcomes["onset_session"],
        "review": outcomes["review_session"],
    }
    others = [i for i in instruments if i["code"] != "nrs"]
    middle = _n((TOP + BOTTOM) / 2)

    expectations = []
    for series, number, label, color in (
        ("onset", outcomes["onset_session"], _("Onset expected"), "#1e6b2f"),
        ("review", outcomes["review_session"], _("Review"), "#a4161a"),
    ):
        x = scale.x(number)
        expectations.append(
            {
                "series": series,
                "number": number,
                "x": _n(x),
                # Centred on its line, unless that would run it off the plot: a long
                # course puts the onset (session 3) a few pixels from the axis.
                "anchor": "start" if x < LEFT + 70 else "end" if x > RIGHT - 70 else "middle",
                "text_y": TOP - 8 - (12 if series == "review" else 0),
                "label": label,
                "color": color,
            }
        )

    baseline = outcomes["baseline_nrs"]
    baseline_y = scale.y_nrs(baseline)
    responders = []
    for pct, value in outcomes["responder_lines"].items():
        y = scale.y_nrs(value)
        responders.append(
            {
                "pct": pct,
                "value": _g(value),
                "y": _n(y),
                "text_y": _n(y - 4),
                "label": _("%(pct)s %% better") % {"pct": pct},
            }
        )

    # Each series: its line (when it has two points or more), then its marks.
    drawn: list[SafeString] = []
    legend: list[tuple[str, str, str, bool]] = []
    # Questionnaire scores (other than NRS) as % of their scale, on the right axis.
    for index, instrument in enumerate(others):
        color = PALETTE[index % len(PALETTE)]
        lo, hi = instrument["range"]
        points, markers = [], []
        for point in instrument["points"]:
            pct = (point["score"] - lo) / (hi - lo) * 100
            cx, cy = scale.x(point["x"]), scale.y_pct(pct)
            points.append((cx, cy))
            attrs = [
                ("data-series", instrument["code"]),
                ("data-value", _g(point["score"])),
                ("data-pct", _n(pct)),
                ("data-x", _g(point["x"])),
                ("data-date", point["recorded_at"].date().isoformat()),
            ]
            markers.append(_marker("circle", cx, cy, color, attrs, hollow=True))
        line = _polyline(points, color, instrument["code"], "1 3")
        drawn.append(mark_safe(line + "".join(markers)))
        label = _("%(name)s (%% of scale)") % {"name": instrument["short_name"]}
        legend.append(("circle", color, label, True))

    # NRS questionnaires (usual pain) on the NRS axis, marks only.
    for instrument in instruments:
        if instrument["code"] != "nrs":
            continue
        markers = []
        for point in instrument["points"]:
            attrs = [
                ("data-series", "nrs"),
                ("data-value", _g(point["score"])),
                ("data-x", _g(point["x"])),
                ("data-date", point["recorded_at"].date().isoformat()),
            ]
            cx, cy = scale.x(point["x"]), scale.y_nrs(point["score"])
            markers.append(_marker("triangle", cx, cy, NRS_FORM, attrs))
        drawn.append(mark_safe("".join(markers)))
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
        markers = _session_marks(shape, color, field, session_marks)
        line = _polyline([(x, y) for x, y, _s in session_marks], color, field, dash)
        drawn.append(mark_safe(line + "".join(markers)))
        if session_marks:
            legend.insert(0 if field == "nrs_before" else 1, (shape, color, series_label, False))

    # Legend, two columns under the axis label.
    legend_rows = []
    for index, (shape, color, label, hollow) in enumerate(legend):
        col, row = index % 2, index // 2
        lx, ly = LEFT + col * 340, BOTTOM + 60 + row * 18
        mark = _marker(
            shape, lx + 6, ly - 4, color, [("data-series", "legend")], hollow, "legend-mark"
        )
        legend_rows.append({"marker": mark_safe(mark), "x": lx + 18, "y": ly, "label": label})

    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": RIGHT,
        "top": TOP,
        "bottom": BOTTOM,
        "middle": middle,
        "title": _("Course outcome"),
        "desc": desc,
        "grid": [
            {"value": value, "y": _n(scale.y_nrs(value)), "text_y": _n(scale.y_nrs(value) + 4)}
            for value in range(0, 11, 2)
        ],
        "grid_label_x": LEFT - 8,
        "pain_label": _("Pain (NRS 0-10)"),
        "pct_ticks": [{"pct": pct, "y": _n(scale.y_pct(pct) + 4)} for pct in (0, 50, 100)]
        if others
        else [],
        "pct_label": _("Percentage of the scale") if others else "",
        "pct_tick_x": RIGHT + 8,
        "pct_label_x": WIDTH - 8,
        "ticks": mark_safe(_ticks(scale, axis_sessions)),
        "session_label": _("Session (B = baseline at assessment)"),
        "session_label_x": _n((LEFT + RIGHT) / 2),
        "session_label_y": BOTTOM + 36,
        "expectations": expectations,
        "baseline": {
            "value": _g(baseline),
            "y": _n(baseline_y),
            "text_y": _n(baseline_y - 4),
            "label": _("Baseline"),
            "marker": mark_safe(
                _marker(
                    "circle",
                    scale.x(0),
                    baseline_y,
                    "#50575e",
                    [
                        ("data-series", "baseline_point"),
                        ("data-session", 0),
                        ("data-value", _g(baseline)),
                    ],
                )
            ),
        },
        "baseline_label_x": RIGHT - 4,
        "responders": responders,
        "series": drawn,
        "empty": _("No scores yet.") if not sessions and not instruments else "",
        "legend": legend_rows,
    }


def chart_svg(outcomes: dict[str, Any]) -> str:
    """The SVG for a course_outcomes() dict, in the active language."""
    # The template keeps one element per line for reading; spaceless joins them.
    return render_to_string("outcomes/chart.svg", chart_context(outcomes)).strip()


def course_chart_svg(
    course: Course, *, language: str, outcomes: dict[str, Any] | None = None
) -> str:
    """The course's outcome chart in `language` (pass `outcomes` when already loaded)."""
    with translation.override(language):
        data = outcomes if outcomes is not None else course_outcomes(course, language=language)
        return chart_svg(data)
