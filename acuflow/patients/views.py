from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from acuflow.accounts.decorators import staff_view
from acuflow.audit.models import Action
from acuflow.audit.selectors import audit_events_for_patient
from acuflow.audit.services import audit_batch, audit_record, audit_shown
from acuflow.core.actor import Actor
from acuflow.core.errors import DomainError, add_to_form
from acuflow.core.registry import patient_sections
from acuflow.patients import selectors, services
from acuflow.patients.forms import ConsentForm, GpForm, PatientForm
from acuflow.patients.models import Patient

PAGE_SIZE = 25


def _form_error(form: PatientForm, exc: DomainError) -> None:
    """A service's error on the form; identifier errors go next to the number field."""
    if exc.field == "identifiers" and "identifier_value" in form.fields:
        form.add_error("identifier_value", exc.message)
    else:
        add_to_form(form, exc)


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
        identifiers = list(patient.identifiers.all())
        sections = [s for s in patient_sections(request, actor, patient) if s]
        merges = selectors.merges_for_patient(patient=patient) if actor.is_owner else []
    return render(
        request,
        "patients/detail.html",
        {
            "patient": patient,
            "consents": consents,
            "identifiers": identifiers,
            "sections": sections,
            "merges": merges,
        },
    )


@staff_view()
def patient_create(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = PatientForm(request.POST or None, clinic=actor.clinic)
    if not actor.sees_clinical:
        del form.fields["notes"]
    candidates: list = []
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(
                actor=actor,
                identifiers=form.identifiers(),
                warn_duplicates=not request.POST.get("confirm_new"),
                **form.patient_data(),
            )
        except services.PossibleDuplicate as exc:
            candidates = exc.candidates
            audit_record(
                actor=actor, action=Action.READ, patient=None, object_type="patients.duplicates"
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Patient created."))
            return redirect("patients:detail", patient_id=patient.pk)
    return render(
        request,
        "patients/form.html",
        {"form": form, "creating": True, "candidates": candidates},
    )


@staff_view()
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    with transaction.atomic():
        patient = selectors.patient_get_for_actor(
            actor=actor,
            patient_id=patient_id,
            audit=None if request.method == "POST" else Action.READ,
        )
        form = PatientForm(request.POST or None, instance=patient, clinic=actor.clinic)
        if not actor.sees_clinical:
            del form.fields["notes"]
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    services.patient_update(
                        actor=actor,
                        patient=patient,
                        data=form.patient_data(form.changed_data),
                        identifiers=form.identifiers(),
                        replace_identifiers=False,
                    )
            except DomainError as exc:
                _form_error(form, exc)
            else:
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


@staff_view()
def patient_identifiers(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The national identifiers in full: only on the explicit "show" (a POST), which
    writes its own audit event; a GET shows them masked."""
    actor = request.actor  # type: ignore[attr-defined]
    reveal = request.method == "POST"
    with transaction.atomic():
        patient = selectors.patient_get_for_actor(
            actor=actor, patient_id=patient_id, audit=None if reveal else Action.READ
        )
        if reveal:
            identifiers = services.identifiers_reveal(actor=actor, patient=patient)
        else:
            identifiers = list(patient.identifiers.all())
    template = "patients/_identifiers.html" if request.htmx else "patients/identifiers.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {"patient": patient, "identifiers": identifiers, "revealed": reveal},
    )


@staff_view()
def patient_merge(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Owners: merge a duplicate into this record (candidates: same birth date and a
    similar name, or the same identifier)."""
    actor = request.actor  # type: ignore[attr-defined]
    kept = selectors.patient_get_for_actor(actor=actor, patient_id=patient_id)
    actor.require_owner()
    candidates = selectors.patient_duplicates(
        clinic=actor.clinic,
        given_name=kept.given_name,
        family_name=kept.family_name,
        birth_date=kept.birth_date,
        identifiers=list(kept.identifiers.values_list("system", "value")),
        exclude_id=kept.pk,
    )
    # A duplicate with a mistyped birth date is no candidate: the owner can search for it.
    q = request.GET.get("q", "").strip()[:100]
    if q:
        found = selectors.patient_list(actor=actor, q=q).exclude(pk=kept.pk)[:10]
        audit_record(actor=actor, action=Action.READ, patient=None, object_type="patients.search")
        known = {c.pk for c in candidates}
        candidates += [p for p in found if p.pk not in known]
    error = ""
    if request.method == "POST":
        try:
            with transaction.atomic():
                duplicate = selectors.patient_get_for_actor(
                    actor=actor, patient_id=request.POST.get("duplicate", ""), audit=None
                )
                services.patient_merge(actor=actor, kept=kept, duplicate=duplicate)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Records merged. You can undo this for 30 days."))
            return redirect("patients:detail", patient_id=kept.pk)
    return render(
        request,
        "patients/merge.html",
        {"patient": kept, "candidates": candidates, "error": error, "q": q},
    )


@staff_view()
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    merge = selectors.merge_get_for_actor(actor=actor, merge_id=merge_id)
    if request.method == "POST":
        try:
            services.patient_merge_undo(actor=actor, merge=merge)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The merge was undone."))
        return redirect("patients:detail", patient_id=merge.kept_id)
    return render(request, "patients/merge_undo.html", {"merge": merge})


@staff_view()
def gp_create(request: HttpRequest) -> HttpResponse:
    """Add a GP to the clinic's list; back to the patient form it was opened from."""
    actor = request.actor  # type: ignore[attr-defined]
    form = GpForm(request.POST or None)
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    if request.method == "POST" and form.is_valid():
        try:
            gp = services.gp_create(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("GP added: %(name)s") % {"name": gp})
            return redirect(target or "patients:list")
    return render(request, "patients/gp_form.html", {"form": form, "next": target})
