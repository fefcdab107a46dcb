"""Writes of assessments and referrals: one transaction each, validated and audited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from acuflow.assessment import rules
from acuflow.assessment.models import Assessment, Referral
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record

if TYPE_CHECKING:
    from acuflow.accounts.models import Practitioner
    from acuflow.core.actor import Actor
    from acuflow.patients.models import Patient

LIST_FIELDS = (
    "body_regions",
    "contributing_factors",
    "other_care",
    "gunn_signs",
    "affected_segments",
    "ms_domains",
    "red_flags",
)


def clinic_today(actor: Actor) -> dt.date:
    import zoneinfo

    return timezone.now().astimezone(zoneinfo.ZoneInfo(actor.clinic.timezone)).date()


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def red_flag_state_of(assessment: Assessment) -> str:
    referrals = [(r.date, r.pk, r.outcome, r.red_flags) for r in assessment.referrals.all()]
    return rules.red_flag_state(list(assessment.red_flags), referrals)


def _refresh_cleared(assessment: Assessment) -> None:
    assessment.cleared = red_flag_state_of(assessment) in {"none", "cleared"}


def assessment_create(
    *,
    actor: Actor,
    patient: Patient,
    complaint: str,
    condition: str,
    onset_date: dt.date,
    baseline_nrs: int,
    assessed_on: dt.date | None = None,
    practitioner: Practitioner | None = None,
    body_regions: list[str] | None = None,
    contributing_factors: list[str] | None = None,
    other_care: list[str] | None = None,
    findings: str = "",
    gunn_signs: list[str] | None = None,
    affected_segments: list[str] | None = None,
    ms_domains: list[str] | None = None,
    red_flags: list[str] | None = None,
    red_flag_notes: str = "",
) -> Assessment:
    actor.require_clinical()
    if patient.clinic_id != actor.clinic.pk:
        raise ValueError("patient of another clinic")
    assessment = Assessment(
        patient=patient,
        practitioner=practitioner or actor.practitioner,
        author=actor.user,
        assessed_on=assessed_on or clinic_today(actor),
        complaint=complaint.strip(),
        condition=condition,
        onset_date=onset_date,
        baseline_nrs=baseline_nrs,
        findings=findings,
        red_flag_notes=red_flag_notes,
        body_regions=_dedupe(body_regions or []),
        contributing_factors=_dedupe(contributing_factors or []),
        other_care=_dedupe(other_care or []),
        gunn_signs=_dedupe(gunn_signs or []),
        affected_segments=_dedupe(affected_segments or []),
        ms_domains=_dedupe(ms_domains or []),
        red_flags=_dedupe(red_flags or []),
    )
    assessment.full_clean()
    assessment.cleared = not assessment.red_flags
    with transaction.atomic():
        assessment.save()
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=assessment)
    return assessment


def assessment_screen_red_flags(
    *, actor: Actor, assessment: Assessment, red_flags: list[str], notes: str = ""
) -> Assessment:
    """Record the outcome of the red-flag screen (the positive codes)."""
    actor.require_clinical()
    assessment.red_flags = _dedupe(red_flags)
    assessment.red_flag_notes = notes
    assessment.updated_at = timezone.now()
    assessment.full_clean()
    with transaction.atomic():
        _refresh_cleared(assessment)
        assessment.save(
            update_fields=["red_flags", "red_flag_notes", "cleared", "updated_at", "chronicity"]
        )
        audit_record(actor=actor, action=Action.UPDATE, patient=assessment.patient, obj=assessment)
    return assessment


def referral_create(
    *,
    actor: Actor,
    assessment: Assessment,
    to: str,
    reason: str,
    date: dt.date,
    outcome: str,
) -> Referral:
    """A referral addresses every red flag positive at the time it is recorded."""
    actor.require_clinical()
    referral = Referral(
        assessment=assessment,
        to=to.strip(),
        reason=reason.strip(),
        date=date,
        outcome=outcome,
        red_flags=list(assessment.red_flags),
        author=actor.user,
    )
    referral.full_clean()
    with transaction.atomic():
        referral.save()
        # Drop a prefetched list so the new referral counts.
        getattr(assessment, "_prefetched_objects_cache", {}).pop("referrals", None)
        _refresh_cleared(assessment)
        assessment.updated_at = timezone.now()
        assessment.save(update_fields=["cleared", "updated_at"])
        audit_record(actor=actor, action=Action.CREATE, patient=assessment.patient, obj=referral)
    return referral
