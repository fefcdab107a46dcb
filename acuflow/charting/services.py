"""Writes: charting a session (one transaction with its audit row and the course status
refresh pushed to protocols under the course lock), and saving / discarding the
screen's draft."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.charting import catalogue, rules
from acuflow.charting.models import Session, SessionDraft
from acuflow.charting.validation import normalise_site
from acuflow.core import registry
from acuflow.core.errors import DomainError
from acuflow.core.validators import check_json
from acuflow.protocols.services import (
    course_lock_open,
    course_observation_recorded,
    course_require_open,
)

if TYPE_CHECKING:
    from acuflow.accounts.models import Practitioner
    from acuflow.core.actor import Actor
    from acuflow.protocols.models import Course

MAX_DRAFT_BYTES = 100_000


def clinic_zone(clinic: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(clinic.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def practitioner_may_chart(*, actor: Actor, day: dt.date, ims: bool) -> Practitioner:
    """The acting practitioner, if they may chart this session; else a 403 DomainError."""
    actor.require_clinical()
    practitioner = actor.practitioner
    if practitioner is None:
        raise DomainError(
            "not_a_practitioner", _("Only a practitioner with a clinical profile can chart.")
        )
    if not practitioner.registration_valid_on(day):
        raise DomainError(
            "registration_expired",
            _(
                "Your professional registration expired on %(date)s. Renew it (My account) "
                "before charting new sessions."
            )
            % {"date": practitioner.registration_expires},
        )
    if ims and not practitioner.is_qualified_for("ims"):
        raise DomainError(
            "practitioner_not_qualified",
            _("IMS sites can only be charted by a practitioner qualified for IMS."),
        )
    return practitioner


def resolve_sites(sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored form of the sites; 422 `unknown_point` naming every code not in the catalogue."""
    out, unknown = [], []
    for site in sites:
        resolved = normalise_site(site)
        if resolved is None:
            unknown.append(str(site.get("point") or site.get("ims_segment")))
        else:
            out.append(resolved)
    if unknown:
        raise DomainError(
            "unknown_point",
            _("Unknown point code or segment: %(codes)s.") % {"codes": ", ".join(unknown)},
            field="sites",
        )
    return out


def resolve_home_care(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out, unknown = [], []
    for item in items:
        found = catalogue.point(str(item.get("point", "")))
        if found is None:
            unknown.append(str(item.get("point")))
            continue
        out.append({**item, "point": found.code})
    if unknown:
        raise DomainError(
            "unknown_point",
            _("Unknown point code in home care: %(codes)s.") % {"codes": ", ".join(unknown)},
            field="home_care",
        )
    return out


def session_warnings(*, sites: list[dict[str, Any]], pregnant: bool) -> list[dict[str, str]]:
    """Cautions that apply to these sites for this patient, for display (never a refusal)."""
    pairs = []
    for site in sites:
        found = catalogue.point(site.get("point", "")) if "point" in site else None
        if found is not None:
            pairs.append((found.code, [(c.key, c.when) for c in found.cautions]))
    texts = {c.key: c for c in catalogue.catalogue().cautions}
    return [
        {"point": code, "caution": key, "text": texts[key].text()}
        for code, key in rules.point_warnings(pairs, pregnant=pregnant)
    ]


APPOINTMENT_MESSAGES = {
    "appointment_other_patient": gettext_lazy("This appointment is for another patient."),
    "appointment_other_day": gettext_lazy(
        "This appointment is on another day: the session must start on its day."
    ),
    "appointment_not_chartable": gettext_lazy(
        "This appointment was cancelled or missed: it cannot be charted."
    ),
    "appointment_charted": gettext_lazy("A session is already charted for this appointment."),
}


def appointment_facts(*, actor: Actor, appointment_id: int) -> rules.AppointmentFacts:
    """The appointment as the booking layer knows it (404 `not_found` outside the clinic)."""
    reader = registry.app_service("appointment_for_charting")
    facts = reader(actor=actor, appointment_id=appointment_id) if reader else None
    if facts is None:
        raise DomainError("not_found", _("There is no such appointment."), field="appointment_id")
    result: rules.AppointmentFacts = facts
    return result


def check_appointment(*, actor: Actor, appointment_id: int, patient_id: int, day: dt.date) -> None:
    facts = appointment_facts(actor=actor, appointment_id=appointment_id)
    charted = Session.objects.filter(appointment_ref=appointment_id).exists()
    problem = rules.appointment_problem(facts, patient_id=patient_id, day=day, charted=charted)
    if problem is not None:
        raise DomainError(problem, str(APPOINTMENT_MESSAGES[problem]), field="appointment_id")


def session_create(
    *,
    actor: Actor,
    course: Course,
    started_at: dt.datetime,
    sites: list[dict[str, Any]],
    needles_in: int,
    needles_out: int,
    needle_discrepancy_note: str = "",
    nrs_before: int | None = None,
    nrs_after: int | None = None,
    pregnant: bool = False,
    appointment_id: int | None = None,
    unbooked_reason: str = "",
    stimulation: str = "manual",
    electro_frequency_hz: float | None = None,
    retention_minutes: int | None = None,
    adjuncts: list[str] | None = None,
    adverse_events: list[dict[str, Any]] | None = None,
    subjective: str = "",
    objective: str = "",
    assessment: str = "",
    plan: str = "",
    home_care: list[dict[str, Any]] | None = None,
) -> Session:
    course_require_open(course)  # early answer; checked again under the lock below
    if timezone.is_naive(started_at):
        raise DomainError("validation_error", _("started_at needs a timezone."))
    stored_sites = rules.merge_sites(resolve_sites(sites))
    has_ims = any("ims_segment" in s for s in stored_sites)
    local_day = timezone.localtime(started_at).date()
    # The clinic's calendar day: the course start and the appointment's day are in it.
    clinic_day = started_at.astimezone(clinic_zone(actor.clinic)).date()
    if clinic_day < course.start_date:
        raise DomainError(
            "before_course_start",
            _("This course starts on %(date)s: a session cannot be charted before it.")
            % {"date": date_format(course.start_date, "SHORT_DATE_FORMAT")},
            field="started_at",
        )
    unbooked_reason = (unbooked_reason or "").strip()
    if appointment_id is not None:
        check_appointment(
            actor=actor, appointment_id=appointment_id, patient_id=course.patient_id, day=clinic_day
        )
        unbooked_reason = ""
    elif not unbooked_reason:
        raise DomainError(
            "unbooked_reason_required",
            _("There is no booked appointment for this session: say why (e.g. a walk-in)."),
            field="unbooked_reason",
        )
    practitioner = practitioner_may_chart(
        actor=actor, day=max(local_day, timezone.localdate()), ims=has_ims
    )
    if not rules.needle_counts_ok(needles_in, needles_out, needle_discrepancy_note):
        raise DomainError(
            "needle_count_mismatch",
            _(
                "%(inn)s needles in, %(out)s out: count again, or say why they differ "
                "(a forgotten needle is an adverse event)."
            )
            % {"inn": needles_in, "out": needles_out},
            field="needle_discrepancy_note",
        )
    session = Session(
        course=course,
        patient=course.patient,  # held (the course read scoped it): no existence query
        appointment_ref=appointment_id,
        unbooked_reason=unbooked_reason[:300],
        practitioner=practitioner,
        started_at=started_at,
        nrs_before=nrs_before,
        nrs_after=nrs_after,
        pregnant=pregnant,
        sites=stored_sites,
        needles_in=needles_in,
        needles_out=needles_out,
        needle_discrepancy_note=needle_discrepancy_note.strip(),
        stimulation=stimulation,
        electro_frequency_hz=electro_frequency_hz,
        retention_minutes=retention_minutes,
        adjuncts=list(dict.fromkeys(adjuncts or [])),
        adverse_events=adverse_events or [],
        subjective=subjective,
        objective=objective,
        assessment=assessment,
        plan=plan,
        home_care=resolve_home_care(home_care or []),
        author=actor.user,
    )
    # The NRS check constraints are checked here rather than by full_clean, which asks
    # the database once per constraint; the database still guards them on insert.
    session.full_clean(validate_constraints=False)
    out_of_range = {
        name: [_("A whole number from 0 to 10.")]
        for name, value in (("nrs_before", nrs_before), ("nrs_after", nrs_after))
        if value is not None and not 0 <= value <= 10
    }
    if out_of_range:
        raise ValidationError(out_of_range)
    with transaction.atomic():
        # Lock first: a close or another save of this course waits, and a course closed
        # (or paused by a red flag) a moment ago refuses the session (409).
        course_lock_open(course, charting=True)
        session.save()
        audit_record(actor=actor, action=Action.CREATE, patient=course.patient, obj=session)
        if getattr(course, "has_draft", True):  # known from selectors.course_to_chart
            SessionDraft.objects.filter(course=course, user=actor.user).delete()
        course_observation_recorded(
            course=course,
            at=session.started_at,
            nrs=session.nrs_before,
            source="session",
            ref=session.pk,
        )
    return session


def draft_save(*, actor: Actor, course: Course, data: dict[str, Any]) -> SessionDraft:
    """Upsert the screen's state. Drafts are not clinical records (not audited per
    keystroke); saving the session is. A closed course keeps no drafts (409
    course_closed): they could never become a session."""
    course_require_open(course)
    try:
        check_json(data)
    except ValueError as exc:
        raise DomainError("invalid_draft", str(exc))
    if len(json.dumps(data)) > MAX_DRAFT_BYTES:
        raise DomainError("draft_too_large", _("The draft is too large."))
    with transaction.atomic():
        draft, _created = SessionDraft.objects.update_or_create(
            course=course, user=actor.user, defaults={"data": data, "updated_at": timezone.now()}
        )
    return draft


def draft_discard(*, actor: Actor, course: Course) -> None:
    SessionDraft.objects.filter(course=course, user=actor.user).delete()
