from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from acuflow.accounts.decorators import staff_view
from acuflow.assessment import catalogue, rules, selectors, services
from acuflow.assessment.forms import (
    AssessmentForm,
    RedFlagForm,
    ReferralForm,
    ReferralOutcomeForm,
)
from acuflow.assessment.letters import referral_letter_response
from acuflow.assessment.models import Assessment
from acuflow.core.errors import DomainError
from acuflow.core.validators import parse_clinical_date
from acuflow.patients.selectors import patient_get_for_actor


def _flag_rows(
    assessment: Assessment | None = None, checked: list[str] | None = None
) -> list[dict[str, Any]]:
    positive = set(assessment.red_flags) if assessment else set()
    checked_codes = set(checked) if checked is not None else positive
    return [
        {
            "code": f["code"],
            "label": catalogue.text(f["label"]),
            "refer": catalogue.text(f["refer"]),
            "urgency": f["urgency"],
            "questions": [
                {"staff": catalogue.text(q["staff"]), "patient": catalogue.text(q["patient"])}
                for q in f["questions"]
            ],
            "positive": f["code"] in positive,
            "checked": f["code"] in checked_codes,
        }
        for f in catalogue.red_flags()
    ]


def _detail_context(assessment: Assessment) -> dict[str, Any]:
    referrals = list(assessment.referrals.all())
    return {
        "assessment": assessment,
        "state": assessment.red_flag_state,
        "flags": [f for f in _flag_rows(assessment) if f["positive"]],
        "referrals": referrals,
        "pending": any(not r.outcome for r in referrals),
        "labels": {
            name: [catalogue.code_label(name, c) for c in getattr(assessment, name)]
            for name in (
                "body_regions",
                "contributing_factors",
                "other_care",
                "gunn_signs",
                "ms_domains",
            )
        },
        "referral_form": ReferralForm(initial={"date": dt.date.today()}),
        "outcome_form": ReferralOutcomeForm(),
    }


@staff_view(clinical=True)
def assessment_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    patient = patient_get_for_actor(actor=actor, patient_id=patient_id, clinical=True, audit=None)
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_create(
                actor=actor, patient=patient, **form.cleaned_data
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Assessment saved. Now screen for red flags."))
            return redirect("assessment:red_flags", assessment_id=assessment.pk)
    return render(request, "assessment/form.html", {"form": form, "patient": patient})


@staff_view(clinical=True)
def chronicity_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the chronicity the onset date gives, shown while the form is filled in."""
    onset = parse_clinical_date(request.GET.get("onset_date", ""))
    if onset is None:
        return HttpResponse("")
    today = dt.date.today()
    if onset > today:
        return HttpResponse(
            f'<span class="badge danger">{_("The onset date cannot be in the future.")}</span>'
        )
    value = rules.chronicity(onset, today)
    label = dict(Assessment._meta.get_field("chronicity").choices or [])[value]  # type: ignore[arg-type]
    return HttpResponse(f'<span class="badge" id="chronicity-value">{label}</span>')


@staff_view(clinical=True)
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    assessment = selectors.assessment_get_for_actor(actor=actor, assessment_id=assessment_id)
    context = _detail_context(assessment)
    context["courses"] = _courses(assessment)
    return render(request, "assessment/detail.html", context)


def _courses(assessment: Assessment) -> list[Any]:
    return list(assessment.courses.select_related("protocol", "practitioner__user"))


@staff_view(clinical=True)
def red_flag_screen(request: HttpRequest, assessment_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    with transaction.atomic():
        assessment = selectors.assessment_get_for_actor(
            actor=actor,
            assessment_id=assessment_id,
            audit=None if request.method == "POST" else "read",
            for_update=request.method == "POST",
        )
        offer = None if assessment.screened else selectors.screen_offer_for(assessment.patient)
        initial_flags = offer.red_flags if offer is not None else assessment.red_flags
        form = RedFlagForm(
            request.POST or None,
            initial={"red_flags": initial_flags, "notes": assessment.red_flag_notes},
        )
        if request.method == "POST" and form.is_valid():
            assessment = services.assessment_screen_red_flags(
                actor=actor,
                assessment=assessment,
                red_flags=form.cleaned_data["red_flags"],
                notes=form.cleaned_data["notes"],
            )
            context = _detail_context(assessment)
            if request.htmx:  # type: ignore[attr-defined]
                return render(request, "assessment/_referral_step.html", context)
            return redirect("assessment:red_flags", assessment_id=assessment.pk)
    context = _detail_context(assessment)
    context.update(
        {"form": form, "flag_rows": _flag_rows(assessment, initial_flags), "offer": offer}
    )
    return render(request, "assessment/red_flags.html", context)


@staff_view(clinical=True)
def referral_create(request: HttpRequest, assessment_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    with transaction.atomic():
        assessment = selectors.assessment_get_for_actor(
            actor=actor,
            assessment_id=assessment_id,
            audit=None if request.method == "POST" else "read",
            for_update=request.method == "POST",
        )
        form = ReferralForm(request.POST or None, initial={"date": dt.date.today()})
        if request.method == "POST" and form.is_valid():
            services.referral_create(actor=actor, assessment=assessment, **form.cleaned_data)
            if not request.htmx:  # type: ignore[attr-defined]
                messages.success(request, _("Referral recorded."))
                return redirect("assessment:red_flags", assessment_id=assessment.pk)
            form = ReferralForm(initial={"date": dt.date.today()})
    context = _detail_context(assessment)
    context["referral_form"] = form
    template = "assessment/_referral_step.html"
    if not request.htmx:  # type: ignore[attr-defined]
        context.update(
            {
                "form": RedFlagForm(initial={"red_flags": assessment.red_flags}),
                "flag_rows": _flag_rows(assessment),
            }
        )
        template = "assessment/red_flags.html"
    return render(request, template, context)


@staff_view(clinical=True)
def referral_outcome(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Record the outcome of a pending referral (POST only)."""
    actor = request.actor  # type: ignore[attr-defined]
    referral = selectors.referral_get_for_actor(actor=actor, referral_id=referral_id, audit=None)
    if request.method != "POST":
        return redirect("assessment:red_flags", assessment_id=referral.assessment_id)
    form = ReferralOutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.referral_decide(
                actor=actor,
                referral=referral,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Outcome of the referral recorded."))
    else:
        messages.error(request, _("Choose the outcome of the referral."))
    return redirect("assessment:red_flags", assessment_id=referral.assessment_id)


@staff_view(clinical=True)
def referral_letter(request: HttpRequest, referral_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    referral = selectors.referral_get_for_actor(actor=actor, referral_id=referral_id, audit=None)
    return referral_letter_response(actor=actor, referral=referral)


SECTION_COLUMNS = (
    "patient_id",
    "assessed_on",
    "condition",
    "chronicity",
    "baseline_nrs",
    "red_flags",
    "red_flag_state",
)


def patient_section(request: HttpRequest, actor: Any, patient: Any) -> SafeString:
    """The patient's assessments on the patient page (nothing for reception)."""
    if not actor.sees_clinical:
        return mark_safe("")
    # The table's columns only: no referrals, people or the JSON of the findings.
    assessments = list(
        selectors.assessments_for_patient(actor=actor, patient=patient)
        .select_related(None)
        .prefetch_related(None)
        .only(*SECTION_COLUMNS)[:20]
    )
    return mark_safe(
        render_to_string(
            "assessment/_patient_section.html",
            {"patient": patient, "assessments": assessments},
            request=request,
        )
    )
