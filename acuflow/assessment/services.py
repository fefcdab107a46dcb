"""Writes of assessments and referrals: one transaction each, validated and audited."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.assessment import catalogue, rules
from acuflow.assessment.models import Assessment, Referral, ReferralOutcome, ScreenOffer
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.errors import DomainError

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
    return timezone.now().astimezone(zoneinfo.ZoneInfo(actor.clinic.timezone)).date()


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def red_flag_state_of(assessment: Assessment) -> str:
    """The state from the flags and referrals (the stored `red_flag_state` caches it)."""
    referrals = [(r.date, r.pk, r.outcome, r.red_flags) for r in assessment.referrals.all()]
    return rules.red_flag_state(
        screened=assessment.screened, flags=list(assessment.red_flags), referrals=referrals
    )


def _refresh_state(assessment: Assessment) -> None:
    # Drop a prefetched list so that a referral saved in this transaction counts.
    getattr(assessment, "_prefetched_objects_cache", {}).pop("referrals", None)
    assessment.red_flag_state = red_flag_state_of(assessment)


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
    """Record an intake. `red_flags=None` leaves the screen for later (`not_screened`);
    a list, even empty, records the screen with it."""
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
        red_flags_screened_at=None if red_flags is None else timezone.now(),
    )
    assessment.full_clean()
    assessment.red_flag_state = rules.red_flag_state(
        screened=assessment.screened, flags=assessment.red_flags, referrals=[]
    )
    with transaction.atomic():
        assessment.save()
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=assessment)
    return assessment


def assessment_screen_red_flags(
    *, actor: Actor, assessment: Assessment, red_flags: list[str], notes: str = ""
) -> Assessment:
    """Record the outcome of the red-flag screen (the positive codes; an empty list is
    "none found"). The caller holds the assessment row locked. A flag found while a
    course runs pauses its charting until a referral clears it."""
    actor.require_clinical()
    assessment.red_flags = _dedupe(red_flags)
    assessment.red_flag_notes = notes
    assessment.red_flags_screened_at = timezone.now()
    assessment.updated_at = timezone.now()
    assessment.full_clean()
    with transaction.atomic():
        _refresh_state(assessment)
        assessment.save(
            update_fields=[
                "red_flags",
                "red_flag_notes",
                "red_flags_screened_at",
                "red_flag_state",
                "updated_at",
                "chronicity",
            ]
        )
        ScreenOffer.objects.filter(patient_id=assessment.patient_id, used_by=None).update(
            used_by=assessment
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
    urgency: str = "urgent",
) -> Referral:
    """A pending referral: it addresses every red flag positive when it is made, and
    gets its outcome later (`referral_decide`). The caller holds the assessment row
    locked."""
    actor.require_clinical()
    if not assessment.screened:
        raise DomainError(
            "red_flags_not_screened",
            _("Save the red-flag screen before recording a referral."),
        )
    referral = Referral(
        assessment=assessment,
        to=to.strip(),
        reason=reason.strip(),
        date=date,
        urgency=urgency,
        outcome="",
        red_flags=list(assessment.red_flags),
        author=actor.user,
    )
    referral.full_clean()
    with transaction.atomic():
        referral.save()
        _refresh_state(assessment)
        assessment.updated_at = timezone.now()
        assessment.save(update_fields=["red_flag_state", "updated_at"])
        audit_record(actor=actor, action=Action.CREATE, patient=assessment.patient, obj=referral)
    return referral


def referral_decide(*, actor: Actor, referral: Referral, outcome: str, note: str = "") -> Referral:
    """Record the outcome of a pending referral (once). Locks the referral and its
    assessment; the assessment's red-flag state follows."""
    actor.require_clinical()
    if outcome not in ReferralOutcome.values:
        raise DomainError(
            "validation_error",
            _("Choose cleared, treated elsewhere or declined."),
            "outcome",
        )
    with transaction.atomic():
        current = Referral.objects.select_for_update().filter(pk=referral.pk).values("outcome")
        if current.get()["outcome"]:
            raise DomainError("referral_decided", _("This referral already has its outcome."))
        assessment = Assessment.objects.select_for_update().get(pk=referral.assessment_id)
        referral.outcome = outcome
        referral.outcome_note = (note or "").strip()
        referral.decided_at = timezone.now()
        referral.decided_by = actor.user
        referral.full_clean()
        referral.save(update_fields=["outcome", "outcome_note", "decided_at", "decided_by"])
        _refresh_state(assessment)
        assessment.updated_at = timezone.now()
        assessment.save(update_fields=["red_flag_state", "updated_at"])
        referral.assessment = assessment
        audit_record(actor=actor, action=Action.UPDATE, patient=assessment.patient, obj=referral)
    return referral


def screen_offer_record(
    *, patient: Patient, red_flags: list[str], answers: dict[str, bool], source: str
) -> ScreenOffer:
    """Keep a patient's own red-flag answers (online booking) for their next screen.
    Part of the caller's transaction, which audits the booking."""
    offer = ScreenOffer(
        patient=patient,
        red_flags=_dedupe([f for f in red_flags if f in catalogue.red_flag_codes()]),
        answers={str(k): bool(v) for k, v in answers.items()},
        source=source[:20],
    )
    offer.save()
    return offer
