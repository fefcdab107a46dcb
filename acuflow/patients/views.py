from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from acuflow.accounts.decorators import staff_view
from acuflow.audit.models import Action
from acuflow.audit.selectors import audit_events_for_patient
from acuflow.audit.services import audit_batch, audit_record, audit_shown
from acuflow.core.actor import Actor
from acuflow.core.registry import patient_sections
from acuflow.patients import selectors, services
from acuflow.patients.forms import ConsentForm, PatientForm
from acuflow.patients.models import Patient

PAGE_SIZE = 25


@staff_view()
def patient_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    q = request.GET.get("q", "")[:100]
    page = Paginator(selectors.patient_list(actor=actor, q=q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit_shown(
        actor=actor,
        object_type="patients.search",
        patient_ids=[p.pk for p in page],
        detail={"q": q, "page": page.number},
    )
    template = "patients/_rows.html" if request.htmx else "patients/list.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "q": q})


@staff_view()
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    # One transaction for the page: the sections' audit rows go in one INSERT and
    # commit together (one WAL flush instead of one per section).
    with transaction.atomic(), audit_batch():
        patient = selectors.patient_get_for_actor(actor=actor, patient_id=patient_id)
        consents = list(patient.consents.all()[:20])
        sections = [s for s in patient_sections(request, actor, patient) if s]
    return render(
        request,
        "patients/detail.html",
        {"patient": patient, "consents": consents, "sections": sections},
    )


@staff_view()
def patient_create(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = PatientForm(request.POST or None)
    if not actor.sees_clinical:
        del form.fields["notes"]
    if request.method == "POST" and form.is_valid():
        patient = services.patient_create(actor=actor, **form.cleaned_data)
        messages.success(request, _("Patient created."))
        return redirect("patients:detail", patient_id=patient.pk)
    return render(request, "patients/form.html", {"form": form, "creating": True})


@staff_view()
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    with transaction.atomic():
        patient = selectors.patient_get_for_actor(
            actor=actor,
            patient_id=patient_id,
            audit=None if request.method == "POST" else Action.READ,
        )
        form = PatientForm(request.POST or None, instance=patient)
        if not actor.sees_clinical:
            del form.fields["notes"]
        if request.method == "POST" and form.is_valid():
            services.patient_update(
                actor=actor,
                patient=patient,
                data={f: form.cleaned_data[f] for f in form.changed_data},
            )
            messages.success(request, _("Saved."))
            return redirect("patients:detail", patient_id=patient.pk)
    return render(
        request, "patients/form.html", {"form": form, "patient": patient, "creating": False}
    )


@staff_view()
def patient_consent(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    # A GET shows the patient's name: audited as a read; a POST audits its write.
    audit = Action.READ if request.method == "GET" else None
    patient = selectors.patient_get_for_actor(
        actor=actor,
        patient_id=patient_id,
        audit=audit,
        object_type="patients.consent",
        object_id=str(patient_id),
    )
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.consent_record(actor=actor, patient=patient, **form.cleaned_data)
        messages.success(request, _("Consent recorded."))
        return redirect("patients:detail", patient_id=patient.pk)
    if audit is None:  # the form comes back with its errors, and the patient's name
        audit_record(
            actor=actor, action=Action.READ, patient=patient, object_type="patients.consent"
        )
    return render(request, "patients/consent.html", {"patient": patient, "form": form})


@staff_view()
def patient_audit(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    # Scope first (404 for another clinic's patient), then the role (403 for non-owners).
    patient = selectors.patient_get_for_actor(actor=actor, patient_id=patient_id, audit=None)
    actor.require_owner()
    audit_record(actor=actor, action=Action.READ, patient=patient, object_type="audit.trail")
    page = Paginator(audit_events_for_patient(patient=patient), 100).get_page(
        request.GET.get("page")
    )
    return render(request, "patients/audit.html", {"patient": patient, "page": page})


def dashboard_panel(request: HttpRequest, actor: Actor) -> SafeString:
    """The dashboard's first card: how many patients the clinic has, and the way in."""
    count = Patient.objects.filter(clinic=actor.clinic).count()
    return mark_safe(
        render_to_string(
            "patients/_dashboard_panel.html", {"patient_count": count}, request=request
        )
    )
