"""The "Our results" page, its CSV table and its PDF quality report (owners and
practitioners; reception gets 403 from the gate)."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from weasyprint import HTML

from acuflow.accounts.decorators import staff_view
from acuflow.analytics import charts, selectors
from acuflow.analytics.forms import FiltersForm
from acuflow.analytics.stats import MIN_N
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.actor import Actor
from acuflow.core.errors import DomainError, domain_status

MEASURES = ("responders_30", "responders_50", "improved_10")


def _form(request: HttpRequest, actor: Actor) -> FiltersForm:
    initial = None
    if not request.GET.get("protocol"):
        default = selectors.default_protocol(actor=actor)
        initial = default.pk if default is not None else None
    return FiltersForm(
        request.GET, clinic=actor.clinic, owner=actor.is_owner, initial_protocol=initial
    )


def _report(actor: Actor, form: FiltersForm) -> dict[str, Any]:
    try:
        return selectors.claims_report(actor=actor, filters=form.filters())
    except DomainError as exc:
        if domain_status(exc.code) == 403:
            raise PermissionDenied(exc.message)
        raise


def _context(report: dict[str, Any]) -> dict[str, Any]:
    """The report plus what the shared template draws (charts, cells per measure)."""
    for row in report["sessions"]:
        row["cells"] = [{"code": m, "value": row[m]} for m in MEASURES]
    sets = report["claim_sets"]
    for claim_set in sets:
        claim_set["claims"] = [c for c in report["claims"] if c["set"] == claim_set["index"]]
    onsets = [s["onset_session"] for s in sets]
    reviews = [s["review_session"] for s in sets]
    # The funnel's mean: every course at its own protocol's onset session.
    points = report["practitioners"]
    n = sum(p["n"] for p in points)
    mean = sum(p["count"] for p in points) / n if n else None
    return {
        "report": report,
        "min_n": MIN_N,
        "me_in_funnel": any(p["me"] for p in points),
        "several_sets": len(sets) > 1,
        "km_chart": charts.km_chart(report["time_to_response"], onset=onsets, review=reviews),
        "km_days_chart": charts.km_chart(
            report["time_to_response"], onset=onsets, review=reviews, by="days"
        ),
        "funnel_chart": charts.funnel_chart(points, mean),
    }


@staff_view(clinical=True)
def page(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = _form(request, actor)
    context: dict[str, Any] = {"form": form, "report": None}
    if form.is_valid():
        context.update(_context(_report(actor, form)))
        context["query"] = urlencode(form.filters().query())
    return render(request, "analytics/page.html", context)


def _cohort_id(report: dict[str, Any]) -> str:
    """The protocol's id, or condition-modality for a condition x modality cohort."""
    protocol = report["protocol"]
    if protocol["id"] is not None:
        return str(protocol["id"])
    return f"{protocol['condition']}-{protocol['modality']}"


def _audit_export(actor: Actor, kind: str, report: dict[str, Any]) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.EXPORT,
            patient=None,
            object_type=f"analytics.{kind}",
            object_id=_cohort_id(report),
        )


@staff_view(clinical=True)
def export_csv(request: HttpRequest) -> HttpResponse:
    """The aggregate table: one row per session and measure, then the claims."""
    actor = request.actor  # type: ignore[attr-defined]
    form = _form(request, actor)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text(), content_type="text/plain")
    report = _report(actor, form)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["row", "session", "measure", "denominator", "n", "count", "rate", "low", "high", "verdict"]
    )
    for row in report["sessions"]:
        for measure in MEASURES:
            for denominator, value in (
                ("itt", row[measure]),
                ("complete", row[measure]["complete"]),
            ):
                writer.writerow(
                    [
                        "session",
                        row["session"],
                        measure,
                        denominator,
                        value["n"],
                        value["count"],
                        _num(value["rate"]),
                        _num(value["low"]),
                        _num(value["high"]),
                        "too_few" if value["n"] < MIN_N else "",
                    ]
                )
    for claim in report["claims"]:
        writer.writerow(
            [
                "claim",
                claim["session"],
                claim["code"],
                "",
                claim["n"],
                "",
                _num(claim["rate"]),
                _num(claim["low"]),
                _num(claim["high"]),
                claim["verdict"],
            ]
        )
    later = report["stop_rule"]["later_responders"]
    writer.writerow(
        [
            "stop_rule",
            report["stop_rule"]["review_session"],
            "later_responders",
            "",
            later["n"],
            later["count"],
            _num(later["rate"]),
            _num(later["low"]),
            _num(later["high"]),
            "too_few" if later["n"] < MIN_N else "",
        ]
    )
    _audit_export(actor, "csv", report)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="results-{_cohort_id(report)}-{day}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _filters_text(form: FiltersForm) -> str:
    data = form.cleaned_data
    parts = []
    if data.get("date_from") or data.get("date_to"):
        parts.append(
            _("started %(from)s to %(to)s")
            % {
                "from": data["date_from"].isoformat() if data.get("date_from") else "…",
                "to": data["date_to"].isoformat() if data.get("date_to") else "…",
            }
        )
    for name in ("chronicity", "cadence", "practitioner"):
        if data.get(name) and name in form.fields:
            choices = dict(form.fields[name].choices)  # type: ignore[attr-defined]
            parts.append(str(choices.get(data[name], data[name])))
    return " · ".join(parts) or _("all courses")


@staff_view(clinical=True)
def export_pdf(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = _form(request, actor)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text(), content_type="text/plain")
    report = _report(actor, form)
    context = _context(report)
    context.update(
        {
            "language": translation.get_language(),
            "clinic": actor.clinic,
            "today": timezone.localdate(),
            "filters_text": _filters_text(form),
        }
    )
    html = render_to_string("analytics/pdf.html", context)
    pdf = HTML(string=html).write_pdf()
    _audit_export(actor, "pdf", report)
    response = HttpResponse(pdf, content_type="application/pdf")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'inline; filename="results-{_cohort_id(report)}-{day}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
