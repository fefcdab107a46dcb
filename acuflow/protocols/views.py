from __future__ import annotations

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
from acuflow.accounts.models import Modality, Practitioner
from acuflow.assessment import catalogue as assessment_catalogue
from acuflow.assessment.selectors import assessment_get_for_actor
from acuflow.assessment.services import clinic_today
from acuflow.core.errors import DomainError, add_to_form
from acuflow.core.languages import language_codes
from acuflow.patients import selectors as patient_selectors
from acuflow.patients.models import ConsentKind
from acuflow.protocols import selectors, services
from acuflow.protocols.forms import CourseCloseForm, CourseForm, ProtocolForm, ThresholdsForm
from acuflow.protocols.outcome import Thresholds


@staff_view()
def protocol_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    condition = request.GET.get("condition", "")
    modality = request.GET.get("modality", "")
    if condition not in assessment_catalogue.condition_codes():
        condition = ""
    if modality not in Modality.values:
        modality = ""
    protocols = list(
        selectors.protocol_list(actor=actor, condition=condition or None, modality=modality or None)
    )
    context = {
        "protocols": protocols,
        "conditions": assessment_catalogue.condition_choices(),
        "modalities": Modality.choices,
        "condition": condition,
        "modality": modality,
    }
    template = "protocols/_rows.html" if request.htmx else "protocols/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@staff_view()
def protocol_detail(request: HttpRequest, protocol_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    protocol = selectors.protocol_get_for_actor(
        actor=actor, protocol_id=protocol_id, include_inactive=True
    )
    texts = [
        {
            "lang": code,
            "name": protocol.name.get(code, ""),
            "home_care": protocol.home_care.get(code, ""),
            "expectations": protocol.expectations.get(code, ""),
        }
        for code in language_codes()
    ]
    return render(
        request,
        "protocols/detail.html",
        {
            "protocol": protocol,
            "texts": texts,
            "condition_label": assessment_catalogue.condition_label(protocol.condition),
        },
    )


@staff_view()
def protocol_copy(request: HttpRequest, protocol_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    protocol = selectors.protocol_get_for_actor(actor=actor, protocol_id=protocol_id)
    actor.require_owner()  # after the lookup: another clinic's copy is 404, not 403
    if request.method != "POST":
        return redirect("protocols:detail", protocol_id=protocol.pk)
    copy = services.protocol_copy(actor=actor, protocol=protocol)
    messages.success(request, _("Copied. This copy is your clinic's own: edit it as you need."))
    return redirect("protocols:edit", protocol_id=copy.pk)


@staff_view()
def protocol_edit(request: HttpRequest, protocol_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    protocol = selectors.protocol_get_for_actor(
        actor=actor, protocol_id=protocol_id, include_inactive=True
    )
    actor.require_owner()
    if protocol.shipped:
        messages.info(request, _("Shipped protocols are not edited: copy it first."))
        return redirect("protocols:detail", protocol_id=protocol.pk)
    form = ProtocolForm(request.POST or None, instance=protocol)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.protocol_update(actor=actor, protocol=protocol, data=form.changes())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Protocol saved."))
            return redirect("protocols:detail", protocol_id=protocol.pk)
    return render(request, "protocols/edit.html", {"form": form, "protocol": protocol})


@staff_view(clinical=True)
def course_create(request: HttpRequest, assessment_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    assessment = assessment_get_for_actor(
        actor=actor, assessment_id=assessment_id, audit=None if request.method == "POST" else "read"
    )
    protocols = selectors.protocol_list(actor=actor).select_related("clinic")
    matching = [p.pk for p in protocols if p.condition == assessment.condition]
    practitioners = Practitioner.objects.filter(clinic=actor.clinic).select_related("user")
    me = actor.practitioner
    form = CourseForm(
        request.POST or None,
        protocols=protocols,
        practitioners=practitioners,
        initial={
            "protocol": matching[0] if matching else None,
            "practitioner": me.pk if me else None,
            "start_date": clinic_today(actor),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                course = services.course_create(
                    actor=actor,
                    assessment=assessment,
                    protocol=form.cleaned_data["protocol"],
                    practitioner=form.cleaned_data["practitioner"],
                    start_date=form.cleaned_data["start_date"],
                )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Course planned."))
            return redirect("protocols:course_detail", course_id=course.pk)
    return render(
        request,
        "protocols/course_form.html",
        {
            "form": form,
            "assessment": assessment,
            "cleared": assessment.may_start_course,
            "red_flag_state": assessment.red_flag_state,
        },
    )


@staff_view(clinical=True)
def course_detail(
    request: HttpRequest, course_id: int, close_form: CourseCloseForm | None = None
) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    course = selectors.course_get_for_actor(actor=actor, course_id=course_id)
    done = selectors.course_sessions_observed(course)
    planned = list(course.planned_sessions.all())
    rows = []
    for i, p in enumerate(planned):
        rows.append({"planned": p, "done": done[i] if i < len(done) else None})
    for extra in done[len(planned) :]:
        rows.append({"planned": None, "done": extra})
    return render(
        request,
        "protocols/course_detail.html",
        {
            "course": course,
            "rows": rows,
            "reason": course.reason_text(),
            "rule_source": course.rule_source(html=True),
            "gp_consent": patient_selectors.consent_latest(
                patient=course.patient, kind=ConsentKind.GP_LETTERS
            ),
            "patient_text": course.patient_text(),
            "paused": course.state == "active"
            and course.assessment.red_flag_state in ("flagged", "referred"),
            "home_care": assessment_catalogue.text(course.protocol.home_care),
            "single_session": course.single_session,
            "expectations": assessment_catalogue.text(course.protocol.expectations),
            "close_form": close_form or CourseCloseForm(initial=_suggested_close(course)),
        },
        status=422 if close_form is not None else 200,
    )


def _suggested_close(course: Any) -> dict[str, str]:
    """Preselect the state that the recommendation points at."""
    suggested = {"complete": "completed", "stop_or_refer": "stopped"}.get(course.recommendation)
    return {"state": suggested} if suggested else {}


@staff_view(clinical=True)
def course_close(request: HttpRequest, course_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    course = selectors.course_get_for_actor(actor=actor, course_id=course_id, audit=None)
    if request.method != "POST":
        return redirect("protocols:course_detail", course_id=course.pk)
    form = CourseCloseForm(request.POST)
    if form.is_valid():
        try:
            services.course_close(
                actor=actor,
                course=course,
                state=form.cleaned_data["state"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Course closed."))
        return redirect("protocols:course_detail", course_id=course.pk)
    return course_detail(request, course_id=course.pk, close_form=form)


def dashboard_panel(request: HttpRequest, actor: Any) -> SafeString:
    """Active courses whose status asks for a review or a stop (clinical staff only)."""
    if not actor.sees_clinical:
        return mark_safe("")
    courses = list(selectors.courses_needing_attention(actor=actor)[:10])
    return mark_safe(
        render_to_string("protocols/_dashboard_panel.html", {"courses": courses}, request=request)
    )


def patient_section(request: HttpRequest, actor: Any, patient: Any) -> SafeString:
    """The patient's courses with their recommendation (nothing for reception)."""
    if not actor.sees_clinical:
        return mark_safe("")
    # The table shows counts kept on the course: no planned-session prefetch (a 1,000-session
    # course would load 1,000 rows on every patient page).
    courses = selectors.courses_on_patient_page(request=request, actor=actor, patient=patient)
    return mark_safe(
        render_to_string("protocols/_patient_section.html", {"courses": courses}, request=request)
    )


@staff_view(clinical=True)
def outcome_thresholds(request: HttpRequest) -> HttpResponse:
    """The clinic's responder thresholds beside the shipped default and its sources;
    owners change them (the clinic's active courses are judged again)."""
    actor = request.actor  # type: ignore[attr-defined]
    overview = selectors.thresholds_overview(clinic_id=actor.clinic.pk)
    form = ThresholdsForm(
        request.POST or None, initial={**overview["values"], "note": overview["note"]}
    )
    if request.method == "POST":
        actor.require_owner()
        if form.is_valid():
            values = {f: form.cleaned_data[f] for f in Thresholds.FIELDS}
            try:
                services.outcome_thresholds_update(
                    actor=actor, values=values, note=form.cleaned_data["note"]
                )
            except DomainError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("Thresholds saved. Active courses were judged again."))
                return redirect("protocols:thresholds")
    rows = [
        {
            "field": form[f],
            "value": overview["values"][f],
            "default": overview["default"][f],
            "changed": overview["values"][f] != overview["default"][f],
        }
        for f in Thresholds.FIELDS
    ]
    return render(
        request,
        "protocols/thresholds.html",
        {
            "form": form,
            "rows": rows,
            "overview": overview,
            "may_edit": actor.is_owner,
        },
        status=422 if request.method == "POST" else 200,
    )
