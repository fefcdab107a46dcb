"""Booking a whole treatment course in one step.

Every planned session of the course (protocols.PlannedSession: number and date, at
the protocol's cadence) becomes an appointment at the chosen wall-clock time on its
planned date. Where that slot is taken or outside working hours, the nearest free slot
of the same practitioner within half a cadence interval is proposed instead. Each
session is its own appointment: moving or cancelling one never touches the others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core import timezones
from acuflow.core.errors import DomainError
from acuflow.protocols import selectors as protocol_selectors
from acuflow.protocols.services import course_lock_open
from acuflow.scheduling import rules, selectors, services
from acuflow.scheduling.models import Appointment, AppointmentType, Source

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.protocols.models import Course


@dataclass
class Proposal:
    number: int
    target: dt.datetime  # the cadence slot
    start: dt.datetime | None  # what gets booked (target, the nearest free one, or none)
    status: str  # "free", "moved", "none", "booked", "past"
    appointment_id: int | None = None

    @property
    def moved_by(self) -> dt.timedelta | None:
        return None if self.start is None else self.start - self.target


def course_get_for_actor(
    *, actor: Actor, course_id: int | str, audit: str | None = "read"
) -> Course:
    """The course through protocols' selector (clinic scope, 404, audited read)."""
    return protocol_selectors.course_for_booking(actor=actor, course_id=course_id, audit=audit)


def default_type(course: Course) -> AppointmentType | None:
    code = "ims" if course.modality == "ims" else "follow_up"
    return selectors.appointment_type_by_code(course.patient.clinic, code)


def _propose(
    course: Course,
    *,
    number: int,
    day: dt.date,
    at_time: dt.time,
    type: AppointmentType,
    now: dt.datetime,
) -> Proposal:
    clinic = course.patient.clinic
    zone = selectors.clinic_zone(clinic)
    # The chosen time of day on the planned date: refused (422) on the night a clock
    # change skips or repeats it, not moved.
    target = timezones.local_datetime(day, at_time, zone, field="time")
    if target < now:
        return Proposal(number, target, None, "past")
    reach = max(1, course.cadence_days // 2)
    first = max(day - dt.timedelta(days=reach), now.astimezone(zone).date())
    slots = selectors.free_slots(
        clinic=clinic,
        practitioner=course.practitioner,
        type=type,
        start=rules.local_instant(first, dt.time(0), zone),
        end=rules.local_instant(day + dt.timedelta(days=reach + 1), dt.time(0), zone),
        now=now,
    )
    if any(s.start == target for s in slots):
        return Proposal(number, target, target, "free")
    best = rules.nearest(target, slots)
    if best is None:
        return Proposal(number, target, None, "none")
    return Proposal(number, target, best.start, "moved")


def course_plan(
    *,
    actor: Actor,
    course: Course,
    at_time: dt.time,
    type: AppointmentType,
    now: dt.datetime | None = None,
) -> list[Proposal]:
    """What booking the course would do (nothing is written)."""
    now = now or timezone.now()
    booked = dict(
        Appointment.objects.active()
        .filter(course=course, course_session__isnull=False)
        .values_list("course_session", "id")
    )
    plan: list[Proposal] = []
    for planned in course.planned_sessions.all():
        if planned.number in booked:
            zone = selectors.clinic_zone(course.patient.clinic)
            target = rules.local_instant(planned.date, at_time, zone)
            plan.append(Proposal(planned.number, target, None, "booked", booked[planned.number]))
            continue
        plan.append(
            _propose(
                course, number=planned.number, day=planned.date, at_time=at_time, type=type, now=now
            )
        )
    return plan


def course_book(
    *,
    actor: Actor,
    course: Course,
    at_time: dt.time,
    type: AppointmentType,
    now: dt.datetime | None = None,
) -> list[Proposal]:
    """Book every planned session not booked yet, in one transaction. A session whose
    proposed slot went meanwhile gets the next nearest one; one with no free slot near
    its date is left out (status "none") for staff to place by hand."""
    now = now or timezone.now()
    if type.clinic_id != actor.clinic.pk:
        raise services.SchedulingError("unknown_type", _("Unknown appointment type."), "type")
    results: list[Proposal] = []
    with transaction.atomic():
        # protocols locks the course row and reads its state inside the transaction: a
        # course closed by someone else a moment ago gets no new appointments.
        try:
            course_lock_open(course)
        except DomainError as exc:
            raise services.SchedulingError(
                exc.code, _("This course is closed: it takes no new bookings."), "course"
            ) from exc
        for proposal in course_plan(
            actor=actor, course=course, at_time=at_time, type=type, now=now
        ):
            if proposal.status in {"booked", "past", "none"}:
                results.append(proposal)
                continue
            for _attempt in range(3):
                assert proposal.start is not None
                try:
                    with transaction.atomic():
                        appointment = services.appointment_book(
                            actor=actor,
                            patient=course.patient,
                            practitioner=course.practitioner,
                            type=type,
                            start=proposal.start,
                            source=Source.COURSE,
                            course_id=course.pk,
                            course_session=proposal.number,
                            now=now,
                        )
                    proposal.appointment_id = appointment.pk
                    break
                except services.SchedulingError:
                    planned_day = proposal.target.astimezone(
                        selectors.clinic_zone(course.patient.clinic)
                    ).date()
                    proposal = _propose(
                        course,
                        number=proposal.number,
                        day=planned_day,
                        at_time=at_time,
                        type=type,
                        now=now,
                    )
                    if proposal.start is None:
                        break
            results.append(proposal)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=course.patient,
            obj=course,
            object_type="scheduling.course_booking",
        )
    return results
