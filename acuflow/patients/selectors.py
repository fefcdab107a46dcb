"""Reads of patients. `patient_get_for_actor` is THE access helper for a patient's
record: it scopes to the actor's clinic (404 outside it) and audits the read."""

from __future__ import annotations

import datetime as dt
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.audit.models import Action
from acuflow.core.access import get_for_actor
from acuflow.core.errors import DomainError
from acuflow.core.prepared import MARKER_ID, MARKER_OTHER_ID, Prepared
from acuflow.patients.identifiers import mask
from acuflow.patients.models import (
    GeneralPractitioner,
    Patient,
    PatientIdentifier,
    PatientMerge,
)
from acuflow.patients.names import fold, split_family_name

if TYPE_CHECKING:
    from acuflow.accounts.models import Clinic
    from acuflow.core.actor import Actor

# Names at least this alike (difflib ratio of the folded names) are "similar".
SIMILAR_NAME = 0.85
MAX_CANDIDATES = 10


def patient_list(*, actor: Actor, q: str = "") -> QuerySet[Patient]:
    return (
        Patient.objects.for_clinic(actor.clinic).current().search(q).prefetch_related("identifiers")
    )


# The columns of a search answer (patients.api.PatientOut), read with values().
ROW_COLUMNS = (
    "id",
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "language",
    "email",
    "phone",
    "address",
    "notes",
    "insurer",
    "policy_number",
    "gp_id",
    "merged_into_id",
)


def patient_rows(*, actor: Actor, q: str = "") -> QuerySet[Patient, dict[str, Any]]:
    """`patient_list` as plain rows (no model instances): identifiers come from
    `masked_identifiers`."""
    return Patient.objects.for_clinic(actor.clinic).current().search(q).values(*ROW_COLUMNS)


# One patient's identifiers (an open record), compiled once.
_IDENTIFIERS = Prepared(
    PatientIdentifier,
    lambda: PatientIdentifier.objects.filter(patient_id=MARKER_ID).values_list(
        "patient_id", "system", "value"
    ),
    patient=MARKER_ID,
)


def masked_identifiers(patient_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """The patients' identifiers, masked, in their usual order; one query (none for no
    patients)."""
    found: dict[int, list[dict[str, str]]] = {pid: [] for pid in patient_ids}
    if not found:
        return found
    if len(found) == 1:
        rows = _IDENTIFIERS.rows(patient=patient_ids[0])
    else:
        rows = list(
            PatientIdentifier.objects.filter(patient_id__in=patient_ids).values_list(
                "patient_id", "system", "value"
            )
        )
    for pid, system, value in rows:
        found[pid].append({"system": system, "value": mask(value)})
    return found


def name_key(given_name: str, family_name: str) -> str:
    """Folded given name and the family name's main part: "Bram de Vries", "bram van
    vries" and "Bräm de Vries" come out alike."""
    return f"{fold(given_name.strip())} {fold(split_family_name(family_name.strip())[1])}"


def names_similar(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Same person by name: similar (typos, accents, a prefix left out), or given and
    family name swapped."""
    key_a, key_b = name_key(*a), name_key(*b)
    if SequenceMatcher(None, key_a, key_b).ratio() >= SIMILAR_NAME:
        return True
    return SequenceMatcher(None, key_a, name_key(b[1], b[0])).ratio() >= SIMILAR_NAME


def patient_duplicates(
    *,
    clinic: Clinic,
    given_name: str,
    family_name: str,
    birth_date: dt.date | None,
    identifiers: list[tuple[str, str]] = (),  # type: ignore[assignment]
    exclude_id: int | None = None,
) -> list[Patient]:
    """The clinic's patients who may be this one: the same birth date and a similar
    name, or the same national identifier. Two queries whatever the clinic's size (one
    birth date holds a handful of patients)."""
    found: dict[int, Patient] = {}
    if birth_date is not None:
        for p in Patient.objects.for_clinic(clinic).current().filter(birth_date=birth_date):
            if names_similar((given_name, family_name), (p.given_name, p.family_name)):
                found[p.pk] = p
    if identifiers:
        same = Q()
        for system, value in identifiers:
            same |= Q(system=system, value=value)
        rows = PatientIdentifier.objects.filter(same, clinic=clinic, patient__merged_into=None)
        for row in rows.select_related("patient"):
            found.setdefault(row.patient_id, row.patient)
    found.pop(exclude_id or 0, None)
    return sorted(found.values(), key=lambda p: (p.family_sort, p.given_name, p.pk))[
        :MAX_CANDIDATES
    ]


def gp_list(*, actor: Actor, q: str = "") -> QuerySet[GeneralPractitioner]:
    qs = GeneralPractitioner.objects.filter(clinic=actor.clinic)
    for word in q.split()[:5]:
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(practice__icontains=word)
            | Q(agb_code=word)
            | Q(her_id=word)
        )
    return qs


def gp_for_field(*, actor: Actor, gp_id: int | None) -> GeneralPractitioner | None:
    """The GP a patient form or body names, from the actor's clinic only."""
    if gp_id is None:
        return None
    gp = GeneralPractitioner.objects.filter(clinic=actor.clinic, pk=gp_id).first()
    if gp is None:
        raise DomainError("unknown_gp", _("Choose a GP of this clinic."), field="gp")
    return gp


# Every read of a record starts with this lookup: compiled once (acuflow.core.prepared).
_PATIENT = Prepared(
    Patient,
    lambda: Patient.objects.filter(clinic_id=MARKER_OTHER_ID, pk=MARKER_ID).order_by(),
    clinic=MARKER_OTHER_ID,
    pk=MARKER_ID,
)


def patient_get_for_actor(
    *,
    actor: Actor,
    patient_id: int | str,
    clinical: bool = False,
    audit: str | None = Action.READ,
    object_type: str = "patients.patient",
    object_id: str = "",
    for_update: bool = False,
) -> Patient:
    """The patient with this id in the actor's clinic, or Http404.

    `core.access.get_for_actor` with the patient as its own record. clinical=True also
    demands a clinical role (reception gets 403). The read is written to the audit trail
    unless audit=None (callers that audit a write instead); object_type and object_id
    name what was read when it is a part of the record (the course list, the trail).
    """
    patient = get_for_actor(
        Patient.objects.all() if for_update else _PATIENT,  # a locking read compiles
        actor=actor,
        pk=patient_id,
        what="patient",
        scope="clinic",
        patient=lambda patient: patient,
        clinical=clinical,
        audit=audit,
        audit_as=(object_type, object_id),
        for_update=for_update,
    )
    patient.clinic = actor.clinic  # the scope proved it; saves a query per use
    return patient


def gp_get_for_actor(*, actor: Actor, gp_id: int) -> GeneralPractitioner:
    gp = GeneralPractitioner.objects.filter(clinic=actor.clinic, pk=gp_id).first()
    if gp is None:
        raise Http404("GP not found")
    return gp


def merge_get_for_actor(*, actor: Actor, merge_id: int) -> PatientMerge:
    """A merge of the actor's clinic (404 outside it); owners only (403)."""
    merge = PatientMerge.objects.filter(clinic=actor.clinic, pk=merge_id).first()
    if merge is None:
        raise Http404("merge not found")
    actor.require_owner()
    return merge


def merges_for_patient(*, patient: Patient) -> list[PatientMerge]:
    """Merges into this record that can still be undone, newest first."""
    since = timezone.now() - dt.timedelta(days=PatientMerge.UNDO_DAYS)
    return list(
        PatientMerge.objects.filter(kept=patient, undone_at=None, merged_at__gte=since)
        .select_related("duplicate")
        .order_by("-merged_at")
    )


def consent_latest(*, patient: Patient, kind: str) -> bool | None:
    """The patient's latest answer for one kind of consent; None when none is recorded."""
    latest = patient.consents.filter(kind=kind).order_by("-recorded_at", "-id").first()
    return None if latest is None else latest.given
