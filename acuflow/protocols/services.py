"""Writes of protocols and courses. Each clinical write is one transaction with its
audit row; `course_refresh_status` recomputes a course's cached status."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.assessment.services import clinic_today, red_flag_state_of
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.errors import DomainError
from acuflow.protocols import catalogue, rules
from acuflow.protocols.models import CLOSED_STATES, Course, CourseState, PlannedSession, Protocol

if TYPE_CHECKING:
    from acuflow.accounts.models import Practitioner
    from acuflow.assessment.models import Assessment
    from acuflow.core.actor import Actor

PROTOCOL_FIELDS = (
    "name",
    "condition",
    "modality",
    "cadence_days",
    "cadence_max_days",
    "expected_sessions",
    "onset_session",
    "lasting_session",
    "review_session",
    "max_sessions",
    "single_session_onset_days",
    "home_care",
    "expectations",
    "sources",
    "point_set",
    "notes",
)
EDITABLE_FIELDS = tuple(f for f in PROTOCOL_FIELDS if f not in {"condition", "modality"}) + (
    "active",
)


# -- protocols -----------------------------------------------------------------------
def protocol_catalogue_sync(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """Insert or update the shipped protocols from the data file (key = identity).

    Runs after every migrate; shipped rows that left the file are deactivated, never
    deleted, because courses point at them."""
    if Protocol._meta.db_table not in connections[using].introspection.table_names():
        return 0
    entries = catalogue.shipped()
    keys = []
    with transaction.atomic(using=using):
        for entry in entries:
            keys.append(entry["key"])
            values = {f: entry.get(f) for f in PROTOCOL_FIELDS}
            for f in ("home_care", "expectations", "name"):
                values[f] = values[f] or {}
            values["point_set"] = values["point_set"] or []
            values["notes"] = values["notes"] or ""
            values["active"] = True
            values["updated_at"] = timezone.now()
            obj = Protocol.objects.using(using).filter(clinic=None, key=entry["key"]).first()
            if obj is None:
                obj = Protocol(clinic=None, key=entry["key"])
            for k, v in values.items():
                setattr(obj, k, v)
            obj.full_clean(validate_unique=False, validate_constraints=False)
            obj.save(using=using)
        Protocol.objects.using(using).filter(clinic=None).exclude(key__in=keys).update(active=False)
    return len(entries)


def protocol_copy(*, actor: Actor, protocol: Protocol) -> Protocol:
    """A clinic's own editable copy of a protocol (shipped or its own)."""
    actor.require_owner()
    base_key = (protocol.key if protocol.shipped else protocol.key.split("--")[0])[:60]
    taken = set(
        Protocol.objects.filter(clinic=actor.clinic, key__startswith=base_key).values_list(
            "key", flat=True
        )
    )
    key, n = base_key, 1
    while key in taken:
        n += 1
        key = f"{base_key}--{n}"
    copy = Protocol(clinic=actor.clinic, key=key, based_on=protocol)
    for f in PROTOCOL_FIELDS:
        setattr(copy, f, getattr(protocol, f))
    copy.full_clean()
    with transaction.atomic():
        copy.save()
        audit_record(actor=actor, action=Action.CREATE, patient=None, obj=copy)
    return copy


def protocol_update(*, actor: Actor, protocol: Protocol, data: dict[str, Any]) -> Protocol:
    actor.require_owner()
    if protocol.clinic_id != actor.clinic.pk:
        raise DomainError("shipped_protocol", _("Copy a shipped protocol before editing it."))
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for k, v in data.items():
        setattr(protocol, k, v)
    protocol.updated_at = timezone.now()
    protocol.full_clean()
    with transaction.atomic():
        protocol.save(update_fields=[*data, "updated_at"])
        audit_record(actor=actor, action=Action.UPDATE, patient=None, obj=protocol)
    return protocol


# -- courses -------------------------------------------------------------------------
def practitioner_may_treat(practitioner: Practitioner, *, modality: str, day: dt.date) -> None:
    """Raise DomainError (403 in the API) unless the practitioner may give this modality on `day`."""
    if not practitioner.registration_valid_on(day):
        raise DomainError(
            "registration_expired",
            _(
                "The registration of %(name)s expired on %(date)s. Renew it before "
                "starting courses or sessions."
            )
            % {"name": practitioner.user.full_name, "date": practitioner.registration_expires},
        )
    if not practitioner.is_qualified_for(modality):
        raise DomainError(
            "practitioner_not_qualified",
            _("%(name)s is not qualified for %(modality)s.")
            % {"name": practitioner.user.full_name, "modality": modality},
        )


def course_create(
    *,
    actor: Actor,
    assessment: Assessment,
    protocol: Protocol,
    practitioner: Practitioner | None = None,
    start_date: dt.date | None = None,
) -> Course:
    """Plan a course from an assessment and a protocol (numbers frozen at the start).

    Refused (409 red_flags_unresolved) while a positive red flag has no referral that
    cleared it; 403 when the practitioner's registration expired or they are not
    qualified for the protocol's modality."""
    actor.require_clinical()
    if assessment.patient.clinic_id != actor.clinic.pk:
        raise ValueError("assessment of another clinic")
    if protocol.clinic_id not in (None, actor.clinic.pk):
        raise ValueError("protocol of another clinic")
    if practitioner is None:
        practitioner = actor.practitioner
        if practitioner is None:
            raise DomainError(
                "validation_error",
                _("Choose the practitioner who gives this course."),
                fields={"practitioner": [_("Required: you are not a practitioner.")]},
            )
    if practitioner.clinic_id != actor.clinic.pk:
        raise ValueError("practitioner of another clinic")
    today = clinic_today(actor)
    start = start_date or today
    state = red_flag_state_of(assessment)
    if state == "unresolved":
        raise DomainError(
            "red_flags_unresolved",
            _("Red flags are positive (%(flags)s): record a referral with its outcome first.")
            % {"flags": ", ".join(assessment.red_flags)},
        )
    if state == "referred_out":
        raise DomainError(
            "red_flags_unresolved",
            _("The patient was referred out because of red flags; no course can start."),
        )
    practitioner_may_treat(practitioner, modality=protocol.modality, day=max(start, today))
    course = Course(
        patient=assessment.patient,
        assessment=assessment,
        protocol=protocol,
        practitioner=practitioner,
        start_date=start,
        modality=protocol.modality,
        cadence_days=protocol.cadence_days,
        expected_sessions=protocol.expected_sessions,
        onset_session=protocol.onset_session,
        review_session=protocol.review_session,
        max_sessions=protocol.max_sessions,
        author=actor.user,
    )
    _apply_status(course, sessions_done=0, latest=None)
    course.full_clean()
    with transaction.atomic():
        course.save()
        PlannedSession.objects.bulk_create(
            PlannedSession(course=course, number=i + 1, date=day)
            for i, day in enumerate(
                rules.plan_dates(start, course.cadence_days, course.expected_sessions)
            )
        )
        audit_record(actor=actor, action=Action.CREATE, patient=course.patient, obj=course)
    return course


def _apply_status(
    course: Course, *, sessions_done: int, latest: tuple[dt.datetime, int] | None
) -> rules.CourseStatus:
    status = rules.course_status(
        sessions_done=sessions_done,
        expected_sessions=course.expected_sessions,
        onset_session=course.onset_session,
        review_session=course.review_session,
        baseline_nrs=course.assessment.baseline_nrs,
        latest_nrs=latest[1] if latest else None,
    )
    course.sessions_done = status.sessions_done
    course.latest_nrs = status.latest_nrs
    course.latest_nrs_at = latest[0] if latest else None
    course.change_pct = status.change_pct
    course.response = status.response
    course.recommendation = status.recommendation
    course.reason = status.reason
    course.status_updated_at = timezone.now()
    return status


STATUS_FIELDS = [
    "sessions_done",
    "latest_nrs",
    "latest_nrs_at",
    "change_pct",
    "response",
    "recommendation",
    "reason",
    "status_updated_at",
]


def course_facts(course: Course) -> tuple[int, list[tuple[dt.datetime, int | None]]]:
    """(sessions done, [(when, usual-pain NRS)]) from charting and outcomes, if installed."""
    sessions_done = 0
    observations: list[tuple[dt.datetime, int | None]] = []
    if apps.is_installed("acuflow.charting"):
        from acuflow.charting.selectors import course_session_facts  # type: ignore[import-not-found,unused-ignore]

        sessions_done, session_nrs = course_session_facts(course)
        observations.extend(session_nrs)
    if apps.is_installed("acuflow.outcomes"):
        from acuflow.outcomes.selectors import course_nrs_observations  # type: ignore[import-not-found,unused-ignore]

        observations.extend(course_nrs_observations(course))
    return sessions_done, observations


def course_refresh_status(*, course: Course) -> Course:
    """Recompute and save the status fields. Called by charting after every saved
    session and by outcomes after every questionnaire with a pain NRS."""
    sessions_done, observations = course_facts(course)
    _apply_status(
        course, sessions_done=sessions_done, latest=rules.newest_observation(observations)
    )
    course.save(update_fields=STATUS_FIELDS)
    return course


def course_close(*, actor: Actor, course: Course, state: str, note: str = "") -> Course:
    """End a course as completed, stopped or referred (with an optional note).

    422 for any other state, 409 `course_closed` when the course is already closed. The
    row is locked so that a close and a concurrent close or session cannot interleave."""
    actor.require_clinical()
    if course.patient.clinic_id != actor.clinic.pk:
        raise ValueError("course of another clinic")
    if state not in CLOSED_STATES:
        raise DomainError(
            "validation_error",
            _("Unknown state: choose completed, stopped or referred."),
            fields={"state": [_("Choose completed, stopped or referred.")]},
        )
    with transaction.atomic():
        current = Course.objects.select_for_update().filter(pk=course.pk).values("state").get()
        if current["state"] != CourseState.ACTIVE:
            raise DomainError("course_closed", _("This course is already closed."))
        course.state = state
        course.close_note = (note or "").strip()
        course.closed_at = timezone.now()
        course.closed_by = actor.user
        course.full_clean()
        course.save(update_fields=["state", "close_note", "closed_at", "closed_by"])
        audit_record(actor=actor, action=Action.UPDATE, patient=course.patient, obj=course)
    return course


def course_require_open(course: Course) -> None:
    """Raise 409 `course_closed` for a course that takes no more sessions."""
    if course.state != CourseState.ACTIVE:
        raise DomainError(
            "course_closed",
            _("This course is closed (%(state)s): it takes no new sessions.")
            % {"state": course.get_state_display()},
        )
