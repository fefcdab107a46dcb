"""Writes of protocols and courses. Each clinical write is one transaction with its
audit row.

The course status is pushed, never pulled: charting and outcomes call
`course_observation_recorded` (a session, a pain score) inside their transaction after
`course_lock_open`, and the status is recomputed from protocols' own observation rows
by the outcome model (protocols/outcome.py). Protocols imports neither app."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.assessment import rules as assessment_rules
from acuflow.assessment.catalogue import red_flag_label
from acuflow.assessment.models import Assessment
from acuflow.assessment.services import clinic_today
from acuflow.audit.models import Action
from acuflow.audit.services import audit_batch, audit_record
from acuflow.core import registry
from acuflow.core.errors import DomainError
from acuflow.core.prepared import MARKER_ID, Prepared
from acuflow.protocols import catalogue, outcome, rules
from acuflow.protocols.models import (
    CLOSED_STATES,
    ClinicOutcomeThresholds,
    Course,
    CourseObservation,
    CourseState,
    PlannedSession,
    Protocol,
)
from acuflow.protocols.selectors import thresholds_for

if TYPE_CHECKING:
    from acuflow.accounts.models import Practitioner
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
    "onset_days",
    "review_days",
    "other_instrument",
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
def protocol_catalogue_after_migrate(*, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate's receiver (ProtocolsConfig.after_migrate)."""
    protocol_catalogue_sync(using=using)


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


def closed_days(clinic: Any, start: dt.date, cadence_days: int, count: int) -> set[dt.date]:
    """The days a plan from `start` must skip: public holidays and the clinic's closures,
    as the booking layer knows them (offered through the registry; none without it)."""
    reader = registry.app_service("closed_days")
    if reader is None:
        return set()
    return set(reader(clinic, start, rules.plan_horizon(start, cadence_days, count)))


def course_create(
    *,
    actor: Actor,
    assessment: Assessment,
    protocol: Protocol,
    practitioner: Practitioner | None = None,
    start_date: dt.date | None = None,
) -> Course:
    """Plan a course from an assessment and a protocol (numbers frozen at the start).

    Refused with `red_flags_not_screened` until the screen is saved and with
    `red_flags_unresolved` while a positive flag has no referral that cleared it (the
    assessment row is locked while this is checked); `registration_expired` or
    `practitioner_not_qualified` for the practitioner."""
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
    practitioner_may_treat(practitioner, modality=protocol.modality, day=max(start, today))
    single = bool(
        protocol.single_session_onset_days is not None
        and (start - assessment.onset_date).days <= protocol.single_session_onset_days
    )
    course = Course(
        patient=assessment.patient,
        assessment=assessment,
        protocol=protocol,
        practitioner=practitioner,
        start_date=start,
        modality=protocol.modality,
        cadence_days=protocol.cadence_days,
        cadence_max_days=protocol.cadence_max_days,
        expected_sessions=protocol.expected_sessions,
        onset_session=protocol.onset_session,
        lasting_session=protocol.lasting_session,
        review_session=protocol.review_session,
        max_sessions=protocol.max_sessions,
        onset_days=protocol.onset_days,
        review_days=protocol.review_days,
        single_session=single,
        other_instrument=protocol.other_instrument,
        author=actor.user,
    )
    _apply_status(course, [], outcome.DEFAULT_THRESHOLDS)
    course.full_clean()
    dates = rules.plan_dates(
        start,
        course.cadence_days,
        course.expected_sessions,
        closed_days(actor.clinic, start, course.cadence_days, course.expected_sessions),
    )
    with transaction.atomic():
        state = (
            Assessment.objects.select_for_update()
            .filter(pk=assessment.pk)
            .values_list("red_flag_state", flat=True)
            .get()
        )
        assessment.red_flag_state = state
        require_red_flags_resolved(assessment, starting=True)
        course.save()
        PlannedSession.objects.bulk_create(
            PlannedSession(course=course, number=i + 1, date=day) for i, day in enumerate(dates)
        )
        audit_record(actor=actor, action=Action.CREATE, patient=course.patient, obj=course)
    return course


def require_red_flags_resolved(assessment: Assessment, *, starting: bool) -> None:
    """409 unless the assessment's red flags let treatment go ahead. A course cannot
    start unscreened; a running course (from before screens were recorded) is not
    stopped for that, only for a flag that is found and not cleared."""
    state = assessment.red_flag_state
    if state == "not_screened" and starting:
        raise DomainError(
            "red_flags_not_screened",
            _("Screen for red flags and save the screen before planning a course."),
        )
    if state in assessment_rules.UNRESOLVED:
        raise DomainError(
            "red_flags_unresolved",
            _(
                "A red flag is recorded and not cleared (%(flags)s): refer first and record "
                "the referral's outcome."
            )
            % {"flags": ", ".join(red_flag_label(f) for f in assessment.red_flags)},
        )


def _apply_status(
    course: Course, observations: list[outcome.Observation], thresholds: outcome.Thresholds
) -> outcome.Status:
    status = outcome.course_status(
        plan=course.plan(),
        baseline_nrs=course.assessment.baseline_nrs,
        observations=observations,
        thresholds=thresholds,
    )
    course.sessions_done = status.sessions_done
    course.first_session_at = status.first_session_at
    course.latest_nrs = status.latest_nrs
    course.latest_nrs_at = status.latest_nrs_at
    course.latest_nrs_stale = status.latest_nrs_stale
    course.change_points = status.change_points
    course.change_pct = status.change_pct
    course.response = status.response
    course.recommendation = status.recommendation
    course.reason = status.reason
    # The status is judged at the newest observation; the course's own time otherwise.
    newest = max((o.at for o in observations), default=None)
    course.status_updated_at = newest or timezone.now()
    return status


STATUS_FIELDS = [
    "sessions_done",
    "first_session_at",
    "latest_nrs",
    "latest_nrs_at",
    "latest_nrs_stale",
    "change_points",
    "change_pct",
    "response",
    "recommendation",
    "reason",
    "status_updated_at",
]


# Every charted session and booking of a course takes this lock: compiled once.
_LOCKED_STATE = Prepared(
    Course,
    lambda: (
        Course.objects.select_for_update(of=("self",))
        .filter(pk=MARKER_ID)
        .values("state", "sessions_done", "assessment__red_flag_state")
    ),
    pk=MARKER_ID,
)


def course_lock_open(course: Course, *, charting: bool = False) -> None:
    """Lock the course row for a write that changes it (a session, a pain score, a
    booking) and check, under the lock, that it is still open: 409 `course_closed`
    even when a close committed a moment earlier. `charting`: also 409
    `red_flags_unresolved` while a red flag found during the course is not cleared.
    Call inside the caller's transaction."""
    if transaction.get_autocommit():  # the compiled lock skips Django's own check
        raise TransactionManagementError("course_lock_open needs the caller's transaction")
    rows = _LOCKED_STATE.rows(pk=course.pk)
    if not rows:
        raise Course.DoesNotExist("course not found")
    row = rows[0]
    course.state = row["state"]
    course.sessions_done = row["sessions_done"]
    course.assessment.red_flag_state = row["assessment__red_flag_state"]
    course_require_open(course)
    if charting:
        require_red_flags_resolved(course.assessment, starting=False)


def course_observation_recorded(
    *, course: Course, at: dt.datetime, nrs: int | None, source: str, ref: int
) -> Course:
    """What charting (source "session", nrs = usual pain before needling) and outcomes
    (source "questionnaire") report after saving. Call inside the caller's transaction
    after `course_lock_open`; recomputes and saves the status."""
    if source not in outcome.SOURCES:
        raise ValueError(f"unknown source {source!r}")
    CourseObservation.objects.create(course=course, source=source, ref=ref, at=at, nrs=nrs)
    return course_refresh_status(course=course)


# Every charted session and questionnaire refreshes the status from these rows: compiled
# once. The model's order (course, at, id) is (at, id) within one course, without the
# join to the course that ordering by it compiles.
_OBSERVATIONS = Prepared(
    CourseObservation,
    lambda: (
        CourseObservation.objects.filter(course_id=MARKER_ID)
        .order_by("at", "id")
        .values_list("at", "nrs", "source")
    ),
    course=MARKER_ID,
)


def course_refresh_status(
    *, course: Course, thresholds: outcome.Thresholds | None = None
) -> Course:
    """Recompute and save the status fields from the course's observations."""
    if thresholds is None:
        thresholds = thresholds_for(course.patient.clinic_id)
    observations = [
        outcome.Observation(at=at, nrs=nrs, source=source)
        for at, nrs, source in _OBSERVATIONS.rows(course=course.pk)
    ]
    _apply_status(course, observations, thresholds)
    # One UPDATE of the status columns: what save(update_fields=...) writes, without
    # its per-call model machinery (Course has no save() of its own and no receivers).
    Course.objects.filter(pk=course.pk).update(**{f: getattr(course, f) for f in STATUS_FIELDS})
    return course


def outcome_thresholds_update(
    *, actor: Actor, values: dict[str, int], note: str = ""
) -> ClinicOutcomeThresholds:
    """Set the clinic's responder thresholds (owner) and rejudge its active courses,
    which are locked first. 422 with the field for values that do not hold together."""
    actor.require_owner()
    current = thresholds_for(actor.clinic.pk)
    unknown = set(values) - set(outcome.Thresholds.FIELDS)
    if unknown:
        raise DomainError("validation_error", _("Unknown field."), sorted(unknown)[0])
    merged = outcome.Thresholds(
        **{f: int(values.get(f, getattr(current, f))) for f in outcome.Thresholds.FIELDS}
    )
    problems = merged.problems()
    if problems:
        words = {
            "between_1_and_100": _("Give a number from 1 to 100."),
            "between_1_and_10": _("Give a number from 1 to 10."),
            "above_minimal": _("Must be above the minimal threshold."),
            "above_moderate": _("Must be above the moderate threshold."),
        }
        raise DomainError(
            "validation_error",
            "; ".join(f"{k}: {words[v]}" for k, v in problems.items()),
            fields={k: [str(words[v])] for k, v in problems.items()},
        )
    with transaction.atomic():
        row = (
            ClinicOutcomeThresholds.objects.select_for_update().filter(clinic=actor.clinic).first()
        )
        created = row is None
        if row is None:
            row = ClinicOutcomeThresholds(clinic=actor.clinic)
        for f in outcome.Thresholds.FIELDS:
            setattr(row, f, getattr(merged, f))
        row.note = (note or "").strip()[:2000]
        row.updated_by = actor.user
        row.updated_at = timezone.now()
        row.full_clean()
        row.save()
        audit_record(
            actor=actor, action=Action.CREATE if created else Action.UPDATE, patient=None, obj=row
        )
        courses = list(
            Course.objects.select_for_update(of=("self",))
            .select_related("assessment", "patient")
            .filter(patient__clinic=actor.clinic, state=CourseState.ACTIVE)
            .order_by("pk")
        )
        # Each course's judged status is its patient's record: each gets its own update
        # row (the trail, and the record parts keyed on it: audit.sections), one INSERT.
        with audit_batch():
            for course in courses:
                course_refresh_status(course=course, thresholds=merged)
                audit_record(
                    actor=actor,
                    action=Action.UPDATE,
                    patient=course.patient,
                    obj=course,
                    detail={"rejudged": "outcome thresholds"},
                )
    return row


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
