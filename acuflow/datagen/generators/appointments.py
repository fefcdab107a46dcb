"""Appointments past (completed, cancelled, no-show) and future (booked), working hours
and appointment types. Times come from the story's calendar: one room per practitioner
and no two appointments of a practitioner overlap, so PostgreSQL's exclusion
constraints hold."""

from __future__ import annotations

import datetime as dt

from acuflow.datagen.generators.base import Context, Generator
from acuflow.datagen.story import PatientStory, Visit

TYPES = [
    ("initial_assessment", "Initial assessment", 60, ""),
    ("follow_up", "Follow-up", 30, ""),
    ("ims", "IMS", 30, "ims"),
]
STATUS = {
    "attended": "done",
    "cancelled": "cancelled",
    "no_show": "no_show",
    "booked": "booked",
}
WEEK, TWO_DAYS = dt.timedelta(days=7), dt.timedelta(days=2)
# The columns of an appointment's COPY line (PostgreSQL), in its order.
COLUMNS = [
    "id",
    "clinic_id",
    "patient_id",
    "practitioner_id",
    "location_id",
    "room_id",
    "type_id",
    "start",
    "end",
    "busy_until",
    "status",
    "source",
    "cancel_reason",
    "late_cancel",
    "cancelled_at",
    "course_id",
    "course_session",
    "note",
    "created_by_id",
    "created_at",
    "updated_at",
]


class AppointmentsGenerator(Generator):
    name = "appointments"
    models = ("scheduling.Appointment", "scheduling.AppointmentType", "scheduling.WorkingHours")

    def setup(self, ctx: Context) -> None:
        AppointmentType = self.model("scheduling.AppointmentType")
        WorkingHours = self.model("scheduling.WorkingHours")
        self.types: dict[tuple[int, str], tuple[int, int]] = {}
        for clinic in ctx.clinics:
            for code, name, minutes, modality in TYPES:
                kind, _ = AppointmentType._default_manager.get_or_create(
                    clinic_id=clinic.id,
                    code=code,
                    defaults={
                        "name": name,
                        "duration_minutes": minutes,
                        "buffer_minutes": 0,
                        "modality": modality,
                    },
                )
                self.types[(clinic.index, code)] = (kind.pk, getattr(kind, "buffer_minutes", 0))
            hours = [
                WorkingHours(
                    practitioner_id=p.practitioner_id,
                    location_id=clinic.location_id,
                    weekday=day,
                    start=dt.time(8, 0),
                    end=dt.time(18, 0),
                )
                for p in clinic.practitioners
                for day in range(5)
            ]
            WorkingHours._default_manager.bulk_create(hours)
        self.appointments = ctx.writer.table(self.model("scheduling.Appointment"))
        if self.appointments.text:
            self.tail = self.appointments.line_columns(COLUMNS)

    def emit(self, story: PatientStory, ctx: Context) -> None:
        for episode in story.episodes:
            if episode.intake is not None and (episode.course is None or episode.red_flags):
                self._add(story, ctx, episode.practitioner, episode.intake, None, None)
            course = episode.course
            if course is None:
                continue
            for visit in course.visits if episode.red_flags else [episode.intake, *course.visits]:
                assert visit is not None
                number = visit.session.number if visit.session else None
                self._add(story, ctx, course.practitioner, visit, course.id or None, number)

    def _add(self, story, ctx, practitioner, visit: Visit, course_id, number) -> None:  # type: ignore[no-untyped-def]
        clinic = story.clinic
        if visit.id:
            return
        visit.id = self.appointments.next_id()
        type_id, buffer = self.types[(clinic.index, visit.kind)]
        cancelled = visit.status == "cancelled"
        desk = clinic.reception[0].user_id if clinic.reception else None
        if self.appointments.text:
            # Wall-clock times of the clinic, as the datetime arithmetic below gives
            # them (an aware datetime plus a timedelta keeps its wall clock), kept.
            at_text = ctx.at_text
            end = at_text(clinic, visit.day, visit.slot, visit.minutes)
            busy = at_text(clinic, visit.day, visit.slot, visit.minutes + buffer)
            booked = at_text(clinic, visit.day - WEEK, visit.slot, -180)  # 7 days 3 hours
            cancelled_at = "\\N"
            if cancelled:  # 6 hours before, or 50 (two days and two hours)
                day, minutes = (
                    (visit.day, -360) if visit.late_cancel else (visit.day - TWO_DAYS, -120)
                )
                cancelled_at = at_text(clinic, day, visit.slot, minutes)
            self.appointments.add_line(
                f"{visit.id}\t{clinic.id}\t{story.id}\t{practitioner.practitioner_id}"
                f"\t{clinic.location_id}\t{practitioner.room_id}\t{type_id}"
                f"\t{at_text(clinic, visit.day, visit.slot)}\t{end}\t{busy}"
                f"\t{STATUS[visit.status]}\t{'course' if course_id else 'staff'}"
                f"\t{'Patient ill' if cancelled else ''}\t{'t' if visit.late_cancel else 'f'}"
                f"\t{cancelled_at}\t{course_id or '\\N'}\t{'\\N' if number is None else number}"
                f"\t\t{'\\N' if desk is None else desk}\t{booked}\t{booked}{self.tail}"
            )
            return
        start = ctx.at(clinic, visit.day, visit.slot)
        end_at = start + dt.timedelta(minutes=visit.minutes)
        booked_at = start - dt.timedelta(days=7, hours=3)
        self.appointments.add(
            id=visit.id,
            clinic_id=clinic.id,
            patient_id=story.id,
            practitioner_id=practitioner.practitioner_id,
            location_id=clinic.location_id,
            room_id=practitioner.room_id,
            type_id=type_id,
            start=start,
            end=end_at,
            busy_until=end_at + dt.timedelta(minutes=buffer),
            status=STATUS[visit.status],
            source="course" if course_id else "staff",
            cancel_reason="Patient ill" if cancelled else "",
            late_cancel=visit.late_cancel,
            cancelled_at=start - dt.timedelta(hours=6 if visit.late_cancel else 50)
            if cancelled
            else None,
            course_id=course_id,
            course_session=number,
            note="",
            created_by_id=desk,
            created_at=booked_at,
            updated_at=booked_at,
        )
