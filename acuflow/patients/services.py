"""Writes to patient records: one transaction, validated, audited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.errors import DomainError
from acuflow.patients import identifiers as ids
from acuflow.patients.models import (
    Consent,
    GeneralPractitioner,
    Patient,
    PatientIdentifier,
    PatientMerge,
)
from acuflow.patients.selectors import patient_duplicates

if TYPE_CHECKING:
    from acuflow.core.actor import Actor

PATIENT_FIELDS = (
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
    "gp",
)


class PossibleDuplicate(DomainError):
    """The new patient looks like one the clinic already has; `candidates` are those.
    Create anyway by asking again with the duplicate check off (confirm_new)."""

    def __init__(self, candidates: list[Patient]) -> None:
        super().__init__(
            "possible_duplicate",
            _("This patient may already exist. Open the existing record or create anyway."),
        )
        self.candidates = candidates


def clean_identifiers(identifiers: list[dict[str, str]]) -> list[tuple[str, str]]:
    """(system, compact value) pairs, one per system; invalid_identifier otherwise."""
    cleaned: list[tuple[str, str]] = []
    for item in identifiers:
        system, value = item.get("system", ""), item.get("value", "")
        try:
            compact = ids.normalise(system, value)
        except ids.InvalidIdentifier:
            label = ids.SYSTEMS[system][0] if system in ids.SYSTEMS else system
            raise DomainError(
                "invalid_identifier",
                _("%(system)s: this is not a valid number.") % {"system": label},
                field="identifiers",
            )
        if any(s == system for s, _v in cleaned):
            raise DomainError(
                "invalid_identifier",
                _("Give one number per kind of identifier."),
                field="identifiers",
            )
        cleaned.append((system, compact))
    return cleaned


def _identifier_in_use() -> DomainError:
    return DomainError(
        "identifier_in_use",
        _("Another patient of this clinic has this number."),
        field="identifiers",
    )


def _set_identifiers(
    *, actor: Actor, patient: Patient, pairs: list[tuple[str, str]], replace_all: bool
) -> None:
    """Give the patient these identifiers (runs inside the caller's transaction).
    replace_all drops the systems not given; otherwise only the given systems change."""
    current = {i.system: i for i in PatientIdentifier.objects.filter(patient=patient)}
    given = dict(pairs)
    taken = PatientIdentifier.objects.filter(clinic=actor.clinic).exclude(patient=patient)
    for system, value in pairs:
        if taken.filter(system=system, value=value).exists():
            raise _identifier_in_use()
    for system, row in current.items():
        if (replace_all and system not in given) or (
            system in given and given[system] != row.value
        ):
            row.delete()
    for system, value in pairs:
        if system in current and current[system].value == value:
            continue
        try:
            with transaction.atomic():
                PatientIdentifier.objects.create(
                    clinic=actor.clinic, patient=patient, system=system, value=value
                )
        except IntegrityError:  # the same number saved for another patient just now
            raise _identifier_in_use()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        patient=patient,
        object_type="patients.patientidentifier",
        object_id=str(patient.pk),
    )


def _check_gp(actor: Actor, gp: GeneralPractitioner | None) -> None:
    if gp is not None and gp.clinic_id != actor.clinic.pk:
        raise DomainError("unknown_gp", _("Choose a GP of this clinic."), field="gp")


def patient_create(
    *,
    actor: Actor,
    given_name: str,
    family_name: str,
    birth_date: dt.date,
    sex: str,
    language: str,
    email: str = "",
    phone: str = "",
    address: str = "",
    notes: str = "",
    insurer: str = "",
    policy_number: str = "",
    gp: GeneralPractitioner | None = None,
    identifiers: list[dict[str, str]] | None = None,
    warn_duplicates: bool = False,
) -> Patient:
    """A new patient. warn_duplicates=True refuses (possible_duplicate) when the clinic
    has a patient with the same birth date and a similar name, or the same identifier;
    staff then open that record or ask again with it off."""
    pairs = clean_identifiers(identifiers or [])
    _check_gp(actor, gp)
    patient = Patient(
        clinic=actor.clinic,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        birth_date=birth_date,
        sex=sex,
        language=language,
        email=email.strip().lower(),
        phone=phone.strip(),
        address=address,
        notes=notes,
        insurer=insurer.strip(),
        policy_number=policy_number.strip(),
        gp=gp,
    )
    patient.set_derived_fields()
    patient.full_clean()
    with transaction.atomic():
        if warn_duplicates:
            candidates = patient_duplicates(
                clinic=actor.clinic,
                given_name=patient.given_name,
                family_name=patient.family_name,
                birth_date=birth_date,
                identifiers=pairs,
            )
            if candidates:
                raise PossibleDuplicate(candidates)
        patient.save()
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=patient)
        if pairs:
            _set_identifiers(actor=actor, patient=patient, pairs=pairs, replace_all=True)
    return patient


def patient_update(
    *,
    actor: Actor,
    patient: Patient,
    data: dict[str, Any],
    identifiers: list[dict[str, str]] | None = None,
    replace_identifiers: bool = True,
) -> Patient:
    """Change the given fields. identifiers=None leaves them; a list sets them (all of
    them with replace_identifiers, else only the systems given)."""
    unknown = set(data) - set(PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    pairs = clean_identifiers(identifiers) if identifiers is not None else None
    if "gp" in data:
        _check_gp(actor, data["gp"])
    for field, value in data.items():
        setattr(
            patient, field, value.strip() if isinstance(value, str) and field != "notes" else value
        )
    patient.set_derived_fields()
    patient.updated_at = timezone.now()
    patient.full_clean()
    with transaction.atomic():
        patient.save(update_fields=[*data.keys(), "phone_digits", "family_sort", "updated_at"])
        audit_record(actor=actor, action=Action.UPDATE, patient=patient, obj=patient)
        if pairs is not None:
            _set_identifiers(
                actor=actor, patient=patient, pairs=pairs, replace_all=replace_identifiers
            )
    return patient


def consent_record(
    *, actor: Actor, patient: Patient, kind: str, given: bool, note: str = ""
) -> Consent:
    consent = Consent(patient=patient, kind=kind, given=given, note=note, recorded_by=actor.user)
    consent.full_clean()
    with transaction.atomic():
        consent.save()
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=consent)
    return consent


def identifiers_reveal(*, actor: Actor, patient: Patient) -> list[PatientIdentifier]:
    """The patient's identifiers in full: an explicit request, written to the audit
    trail as its own event (the masked ones on the record are not)."""
    with transaction.atomic():
        rows = list(PatientIdentifier.objects.filter(patient=patient))
        audit_record(
            actor=actor,
            action=Action.READ,
            patient=patient,
            object_type="patients.identifier.full",
            object_id=str(patient.pk),
        )
    return rows


GP_FIELDS = ("name", "practice", "address", "phone", "email", "agb_code", "her_id", "language")


def gp_create(*, actor: Actor, **data: str) -> GeneralPractitioner:
    unknown = set(data) - set(GP_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    gp = GeneralPractitioner(
        clinic=actor.clinic,
        **{k: (v.strip() if k != "address" else v) for k, v in data.items()},
    )
    gp.email = gp.email.lower()
    gp.full_clean()
    with transaction.atomic():
        gp.save()
        audit_record(actor=actor, action=Action.CREATE, patient=None, obj=gp)
    return gp


# What a merge never re-points: the audit trail records what happened to which record
# (NEN 7513) and stays as written; the merge bookkeeping and a merged record's link.
NOT_MOVED = frozenset({"audit.auditevent", "patients.patientmerge", "patients.patient"})


def _repoint(model: Any, field: str, pks: list[int], to: int) -> list[int]:
    """Point these rows' `field` at patient `to`; the ids that moved. A row that
    cannot move (the kept record already has its one portal account, an identifier of
    that kind, an appointment at that time) stays with the duplicate."""
    manager = model._default_manager
    try:
        with transaction.atomic():
            manager.filter(pk__in=pks).update(**{f"{field}_id": to})
        return pks
    except IntegrityError:
        pass
    moved = []
    for pk in pks:
        try:
            with transaction.atomic():
                manager.filter(pk=pk).update(**{f"{field}_id": to})
            moved.append(pk)
        except IntegrityError:
            continue
    return moved


def patient_merge(*, actor: Actor, kept: Patient, duplicate: Patient) -> PatientMerge:
    """Merge `duplicate` into `kept` (owners only): every row of every app that points
    at the duplicate is re-pointed (found through Patient's relations, so a new app's
    rows are included without listing it here), the duplicate is marked merged and
    hidden from lists. What moved is stored, so patient_merge_undo can put it back
    within PatientMerge.UNDO_DAYS."""
    actor.require_owner()
    if kept.pk == duplicate.pk:
        raise DomainError("merge_same", _("A record cannot be merged into itself."), "duplicate")
    if kept.clinic_id != actor.clinic.pk or duplicate.clinic_id != actor.clinic.pk:
        raise DomainError("not_found", _("Patient not found."), "duplicate")
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Patient.objects.select_for_update().filter(pk__in=[kept.pk, duplicate.pk])
        }
        if any(p.merged_into_id for p in locked.values()):
            raise DomainError(
                "already_merged", _("One of these records has already been merged."), "duplicate"
            )
        moved: dict[str, list[int]] = {}
        for rel in Patient._meta.related_objects:
            model = rel.related_model
            label = model._meta.label_lower
            if label in NOT_MOVED:
                continue
            name = rel.field.name
            pks = list(
                model._default_manager.filter(**{name: duplicate.pk}).values_list("pk", flat=True)
            )
            if pks and (done := _repoint(model, name, pks, kept.pk)):
                moved[f"{label}.{name}"] = done
        now = timezone.now()
        duplicate.merged_into = kept
        duplicate.updated_at = now
        duplicate.save(update_fields=["merged_into", "updated_at"])
        merge = PatientMerge.objects.create(
            clinic=actor.clinic,
            kept=kept,
            duplicate=duplicate,
            moved=moved,
            merged_at=now,
            merged_by=actor.user,
        )
        for patient in (kept, duplicate):
            audit_record(actor=actor, action=Action.UPDATE, patient=patient, obj=merge)
    return merge


def patient_merge_undo(*, actor: Actor, merge: PatientMerge) -> PatientMerge:
    """Put back what the merge moved (rows added to the kept record since stay there)
    and show the duplicate again. Owners only, within PatientMerge.UNDO_DAYS."""
    actor.require_owner()
    now = timezone.now()
    with transaction.atomic():
        merge = PatientMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise DomainError("merge_undone", _("This merge has already been undone."))
        if now > merge.undo_until():
            raise DomainError(
                "undo_expired",
                _("A merge can be undone for %(days)s days; this one is older.")
                % {"days": PatientMerge.UNDO_DAYS},
            )
        for key, pks in merge.moved.items():
            label, name = key.rsplit(".", 1)
            model = apps.get_model(label)
            model._default_manager.filter(pk__in=pks, **{name: merge.kept_id}).update(
                **{f"{name}_id": merge.duplicate_id}
            )
        Patient.objects.filter(pk=merge.duplicate_id).update(merged_into=None, updated_at=now)
        merge.undone_at = now
        merge.undone_by = actor.user
        merge.save(update_fields=["undone_at", "undone_by"])
        for patient_id in (merge.kept_id, merge.duplicate_id):
            audit_record(
                actor=actor,
                action=Action.UPDATE,
                patient=Patient(pk=patient_id, clinic=actor.clinic),
                obj=merge,
            )
    return merge
