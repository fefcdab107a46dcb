"""Reads for scheduling. Every appointment read is scoped to the actor's clinic (404
outside it) and audited, like the patient record it belongs to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.models import Clinic, Practitioner
from acuflow.audit.models import Action
from acuflow.charting.rules import AppointmentFacts
from acuflow.charting.selectors import session_ids_for_appointments
from acuflow.core.access import get_for_actor
from acuflow.core.languages import in_every_language
from acuflow.core.prepared import (
    MARKER_DAY,
    MARKER_ID,
    MARKER_INSTANT,
    MARKER_OTHER_DAY,
    MARKER_OTHER_ID,
    MARKER_OTHER_INSTANT,
    Prepared,
    Value,
)
from acuflow.scheduling import rules
from acuflow.scheduling.models import (
    Appointment,
    AppointmentType,
    CalendarFeed,
    Holiday,
    ScheduleException,
    ScheduleSettings,
    WorkingHours,
)

if TYPE_CHECKING:
    from acuflow.core.actor import Actor

# The three kinds of visit every clinic starts with; each clinic edits its own copy.
DEFAULT_TYPES: list[dict[str, Any]] = [
    {
        "code": "initial_assessment",
        "name": _("Initial assessment"),
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "needs_session": False,
    },
    {"code": "follow_up", "name": _("Follow-up treatment"), "duration_minutes": 30},
    {"code": "ims", "name": _("IMS treatment"), "duration_minutes": 30, "modality": "ims"},
]


def clinic_zone(clinic: Clinic) -> ZoneInfo:
    return ZoneInfo(clinic.timezone)


_SETTINGS_ATTR = "_acuflow_schedule_settings"
# Every calendar and booking reads them: compiled once (acuflow.core.prepared).
_SETTINGS = Prepared(
    ScheduleSettings,
    lambda: ScheduleSettings.objects.filter(clinic_id=MARKER_ID).order_by(),
    clinic=MARKER_ID,
)


def schedule_settings(clinic: Clinic) -> ScheduleSettings:
    """The clinic's scheduling settings, read once per clinic object (one request: a
    booking needs them for the grid and again for its reminders)."""
    found: ScheduleSettings | None = clinic.__dict__.get(_SETTINGS_ATTR)
    if found is None:
        found = _SETTINGS.first(clinic=clinic.pk)
    if found is None:
        # get_or_create creates in a savepoint and re-reads on a concurrent insert.
        found = ScheduleSettings.objects.get_or_create(clinic=clinic)[0]
    remember_schedule_settings(clinic, found)
    return found


def remember_schedule_settings(clinic: Clinic, settings: ScheduleSettings) -> None:
    clinic.__dict__[_SETTINGS_ATTR] = settings


def appointment_types(clinic: Clinic, *, active_only: bool = True) -> QuerySet[AppointmentType]:
    qs = AppointmentType.objects.filter(clinic=clinic)
    if not qs.exists():
        with transaction.atomic():
            for spec in DEFAULT_TYPES:
                AppointmentType.objects.get_or_create(
                    clinic=clinic,
                    code=spec["code"],
                    defaults={
                        **spec,
                        "name": str(spec["name"]),
                        "names": in_every_language(spec["name"]),
                    },
                )
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("duration_minutes", "code")


def appointment_type_by_code(clinic: Clinic, code: str) -> AppointmentType | None:
    # One row at most (code is unique per clinic): no ORDER BY to compile.
    rows = AppointmentType.objects.filter(clinic=clinic, code=code, active=True).order_by()
    found = next(iter(rows[:1]), None)
    if found is None and not AppointmentType.objects.filter(clinic=clinic).exists():
        return appointment_types(clinic).filter(code=code).first()  # creates the defaults
    return found


def practitioners_for_type(clinic: Clinic, type: AppointmentType) -> list[Practitioner]:
    practitioners = list(Practitioner.objects.filter(clinic=clinic).select_related("user"))
    if type.modality:
        practitioners = [p for p in practitioners if p.is_qualified_for(type.modality)]
    return practitioners


# Working hours in the order their model gives them, without its join of the practitioner
# table: the rows are read per practitioner, so ordering by practitioner adds nothing.
_HOURS_ORDER = ("weekday", "start", "id")


# One practitioner's weekly hours and day exceptions: every availability read, booking
# and practitioner's calendar reads them, compiled once (acuflow.core.prepared).
_HOURS_OF = Prepared(
    WorkingHours,
    lambda: WorkingHours.objects.filter(practitioner_id=MARKER_ID).order_by(*_HOURS_ORDER),
    practitioner=MARKER_ID,
)
_EXCEPTIONS_OF = Prepared(
    ScheduleException,
    lambda: ScheduleException.objects.filter(
        practitioner_id=MARKER_ID, date__range=(MARKER_DAY, MARKER_OTHER_DAY)
    ),
    practitioner=MARKER_ID,
    first=MARKER_DAY,
    last=MARKER_OTHER_DAY,
)


def _weekly(w: WorkingHours) -> rules.WeeklyWindow:
    return rules.WeeklyWindow(
        weekday=w.weekday,
        start=w.start,
        end=w.end,
        location_id=w.location_id,
        valid_from=w.valid_from,
        valid_until=w.valid_until,
    )


def _exception(e: ScheduleException) -> rules.DayException:
    return rules.DayException(
        date=e.date, kind=e.kind, start=e.start, end=e.end, location_id=e.location_id
    )


def practitioner_windows(
    practitioner: Practitioner, first: dt.date, last: dt.date, *, zone: ZoneInfo
) -> list[rules.Window]:
    weekly = [_weekly(w) for w in _HOURS_OF.rows(practitioner=practitioner.pk)]
    exceptions = [
        _exception(e)
        for e in _EXCEPTIONS_OF.rows(practitioner=practitioner.pk, first=first, last=last)
    ]
    closures = _CLOSURES.rows(clinic=practitioner.clinic_id, first=first, last=last)
    holidays = [day for day, _name in closures]
    return rules.working_windows(
        first=first, last=last, weekly=weekly, exceptions=exceptions, holidays=holidays, zone=zone
    )


def windows_for_many(
    practitioners: list[Practitioner],
    first: dt.date,
    last: dt.date,
    *,
    zone: ZoneInfo,
    closures: Iterable[dt.date] | None = None,
) -> dict[int, list[rules.Window]]:
    """Working windows of several practitioners in three queries (calendar pages), two
    when the caller has read their clinic's `clinic_closures` for these days already."""
    ids = [p.pk for p in practitioners]
    hours: Iterable[WorkingHours]
    found: Iterable[ScheduleException]
    if len(ids) == 1:  # a practitioner's calendar: the lookups compiled once
        hours = _HOURS_OF.rows(practitioner=ids[0])
        found = _EXCEPTIONS_OF.rows(practitioner=ids[0], first=first, last=last)
    else:
        hours = WorkingHours.objects.filter(practitioner_id__in=ids).order_by(*_HOURS_ORDER)
        found = ScheduleException.objects.filter(practitioner_id__in=ids, date__range=(first, last))
    weekly: dict[int, list[rules.WeeklyWindow]] = {pk: [] for pk in ids}
    for w in hours:
        weekly[w.practitioner_id].append(_weekly(w))
    exceptions: dict[int, list[rules.DayException]] = {pk: [] for pk in ids}
    for e in found:
        exceptions[e.practitioner_id].append(_exception(e))
    if closures is not None:
        holidays = list(closures)
    else:
        clinic_ids = {p.clinic_id for p in practitioners}
        holidays = list(
            Holiday.objects.filter(clinic_id__in=clinic_ids, date__range=(first, last)).values_list(
                "date", flat=True
            )
        )
    return {
        pk: rules.working_windows(
            first=first,
            last=last,
            weekly=weekly[pk],
            exceptions=exceptions[pk],
            holidays=holidays,
            zone=zone,
        )
        for pk in ids
    }


def busy_intervals(
    practitioner: Practitioner,
    start: dt.datetime,
    end: dt.datetime,
    *,
    exclude_id: int | None = None,
) -> list[rules.Interval]:
    qs = Appointment.objects.active().filter(practitioner=practitioner).overlapping(start, end)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.values_list("start", "busy_until"))


def free_slots(
    *,
    clinic: Clinic,
    practitioner: Practitioner,
    type: AppointmentType,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime | None = None,
    exclude_id: int | None = None,
) -> list[rules.Window]:
    """Free start times for this type with this practitioner in [start, end)."""
    if type.modality and not practitioner.is_qualified_for(type.modality):
        return []
    zone = clinic_zone(clinic)
    now = now or timezone.now()
    step = dt.timedelta(minutes=schedule_settings(clinic).slot_step_minutes)
    first = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    windows = [
        w
        for w in practitioner_windows(practitioner, first, last, zone=zone)
        if w.end > start and w.start < end
    ]
    busy = busy_intervals(
        practitioner,
        start - dt.timedelta(hours=12),
        end + dt.timedelta(hours=12),
        exclude_id=exclude_id,
    )
    slots = rules.free_slots(
        windows=windows,
        busy=busy,
        duration=dt.timedelta(minutes=type.duration_minutes),
        buffer=dt.timedelta(minutes=type.buffer_minutes),
        step=step,
        not_before=max(start, now),
        zone=zone,
    )
    return [s for s in slots if s.start < end]


def appointment_list(
    *,
    actor: Actor,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    practitioner_id: int | None = None,
    location_id: int | None = None,
    patient_id: int | None = None,
    include_cancelled: bool = True,
) -> QuerySet[Appointment]:
    # The rows' clinic is the actor's (callers set it; joining it again, and the location
    # nobody shows, made an eight-table join whose planning cost more than its rows).
    qs = Appointment.objects.filter(clinic=actor.clinic).select_related(
        "patient", "practitioner__user", "type", "room"
    )
    if start is not None:
        qs = qs.filter(busy_until__gt=start)
    if end is not None:
        qs = qs.filter(start__lt=end)
    if practitioner_id is not None:
        qs = qs.filter(practitioner_id=practitioner_id)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if patient_id is not None:
        qs = qs.filter(patient_id=patient_id)
    if not include_cancelled:
        qs = qs.active()
    return qs.order_by("start", "id")


# What a calendar block prints, read as plain rows: a week's grid only prints them, and
# building five model objects per appointment (with the clinic's practitioner and user
# rows the page has already) cost more than drawing it.
CALENDAR_FIELDS = (
    "id",
    "patient_id",
    "practitioner_id",
    "start",
    "end",
    "status",
    "type_id",
    "type__name",
    "type__names",
    "room_id",
    "room__name",
    "patient__given_name",
    "patient__family_name",
)


def _calendar_rows(scope: str) -> Prepared[Appointment]:
    """`calendar_rows` for a practitioner's, a location's or the whole clinic's view."""

    def build() -> QuerySet[Appointment, dict[str, Any]]:
        qs = Appointment.objects.filter(
            clinic_id=MARKER_ID, busy_until__gt=MARKER_INSTANT, start__lt=MARKER_OTHER_INSTANT
        )
        if scope:
            qs = qs.filter(**{f"{scope}_id": MARKER_OTHER_ID})
        return qs.order_by("start", "id").values(*CALENDAR_FIELDS)

    markers: dict[str, Value] = {"scope": MARKER_OTHER_ID} if scope else {}
    return Prepared(
        Appointment,
        build,
        clinic=MARKER_ID,
        start=MARKER_INSTANT,
        end=MARKER_OTHER_INSTANT,
        **markers,
    )


# Every calendar page reads its blocks with one of these: compiled once.
_CALENDAR_ROWS = {scope: _calendar_rows(scope) for scope in ("", "practitioner", "location")}


def calendar_rows(
    *,
    actor: Actor,
    start: dt.datetime,
    end: dt.datetime,
    practitioner_id: int | None = None,
    location_id: int | None = None,
) -> list[dict[str, Any]]:
    """The appointments of the actor's clinic in [start, end) as `CALENDAR_FIELDS` rows,
    cancelled ones included, in the order of `appointment_list`; of one practitioner or
    else of one location when given."""
    values: dict[str, Any] = {"clinic": actor.clinic.pk, "start": start, "end": end}
    scope = ""
    if practitioner_id is not None:
        scope, values["scope"] = "practitioner", practitioner_id
    elif location_id is not None:
        scope, values["scope"] = "location", location_id
    rows: list[dict[str, Any]] = _CALENDAR_ROWS[scope].rows(**values)
    return rows


def appointment_get_for_actor(
    *,
    actor: Actor,
    appointment_id: int | str,
    for_update: bool = False,
    audit: str | None = Action.READ,
) -> Appointment:
    """The appointment with this id in the actor's clinic, or Http404; the read is
    audited against the patient (appointments are part of the record)."""
    return get_for_actor(
        Appointment.objects.for_calendar(),
        actor=actor,
        pk=appointment_id,
        what="appointment",
        scope="clinic",
        clinical=False,
        audit=audit,
        for_update=for_update,
    )


def practitioner_in_clinic(clinic: Clinic, practitioner_id: int | str | None) -> Practitioner:
    try:
        pk = int(practitioner_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Http404("practitioner not found")
    # One row at most: no ORDER BY (the model orders by the user's name, a join).
    rows = Practitioner.objects.filter(clinic=clinic, pk=pk).select_related("user").order_by()
    found = next(iter(rows[:1]), None)
    if found is None:
        raise Http404("practitioner not found")
    return found


def feed_for(practitioner: Practitioner) -> CalendarFeed:
    return CalendarFeed.objects.get_or_create(practitioner=practitioner)[0]


def calendar_url_for(
    *, actor: Actor, practitioner: Practitioner, request: Any = None
) -> str | None:
    """The feed URL with its secret, for the practitioner themself and the owner only:
    whoever holds it can read the practitioner's appointments."""
    own = actor.practitioner is not None and actor.practitioner.pk == practitioner.pk
    if not (own or actor.is_owner) or practitioner.clinic_id != actor.clinic.pk:
        return None
    path = reverse("scheduling:feed", args=[practitioner.pk])
    url = f"{path}?token={feed_for(practitioner).token}"
    if request is not None:
        return str(request.build_absolute_uri(url))
    return f"{settings.SITE_URL}{url}"


def feed_check(practitioner_id: int, token: str) -> Practitioner:
    """The practitioner whose feed this token opens, or Http404 (a wrong token and an
    unknown practitioner look the same)."""
    feed = (
        CalendarFeed.objects.filter(practitioner_id=practitioner_id)
        .select_related("practitioner__clinic", "practitioner__user")
        .first()
    )
    if feed is None or not token or not constant_time_compare(feed.token, token):
        raise Http404("feed not found")
    return feed.practitioner


def feed_appointments(practitioner: Practitioner, *, now: dt.datetime) -> QuerySet[Appointment]:
    return (
        Appointment.objects.active()
        .filter(
            practitioner=practitioner,
            start__gte=now - dt.timedelta(days=30),
            start__lt=now + dt.timedelta(days=366),
        )
        .select_related("patient", "type", "location", "room")
        .order_by("start")
    )


@dataclass
class DayRow:
    """One line of the today page: the appointment, its step of the day and the session
    charted for it (None until charted)."""

    appointment: Appointment
    day_status: str
    session_id: int | None


def day_status(appointment: Appointment) -> str:
    """The status as the day's list shows it: a late cancellation is its own step."""
    if appointment.status == "cancelled" and appointment.late_cancel:
        return "late_cancelled"
    return appointment.status


def today_list(
    *,
    actor: Actor,
    day: dt.date,
    practitioner_id: int | None = None,
    location_id: int | None = None,
) -> list[DayRow]:
    """A day's appointments in order of their start, with the session charted for each
    (a constant number of queries). Cancellations show only when they were late: the
    patient was expected and the slot went unused."""
    zone = clinic_zone(actor.clinic)
    start = rules.local_instant(day, dt.time(0), zone)
    end = rules.local_instant(day + dt.timedelta(days=1), dt.time(0), zone)
    qs = (
        appointment_list(
            actor=actor,
            start=start,
            end=end,
            practitioner_id=practitioner_id,
            location_id=location_id,
        )
        .filter(start__gte=start)
        .exclude(status="cancelled", late_cancel=False)
        .select_related("course")
    )
    appointments = list(qs)
    for appointment in appointments:
        appointment.clinic = actor.clinic
    sessions = session_ids_for_appointments([a.pk for a in appointments])
    return [DayRow(a, day_status(a), sessions.get(a.pk)) for a in appointments]


# Every calendar page and availability read reads the closures: compiled once.
_CLOSURES = Prepared(
    Holiday,
    lambda: Holiday.objects.filter(
        clinic_id=MARKER_ID, date__gte=MARKER_DAY, date__lte=MARKER_OTHER_DAY
    ).values_list("date", "name"),
    clinic=MARKER_ID,
    first=MARKER_DAY,
    last=MARKER_OTHER_DAY,
)


def clinic_closures(clinic: Clinic, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """The clinic's own closures between first and last (inclusive), with their name."""
    return dict(_CLOSURES.rows(clinic=clinic.pk, first=first, last=last))


def closed_days(
    clinic: Clinic,
    first: dt.date,
    last: dt.date,
    *,
    closures: dict[dt.date, str] | None = None,
) -> dict[dt.date, str]:
    """Days the clinic is closed between first and last (inclusive), with their name:
    the public holidays of its country and region, and its own closures on top (pass
    `closures` when `clinic_closures` has read them already)."""
    region = schedule_settings(clinic).holiday_region
    found = rules.public_holidays(
        clinic.country, region, first, last, language=translation.get_language() or ""
    )
    if closures is None:
        closures = clinic_closures(clinic, first, last)
    found.update(closures)
    return dict(sorted(found.items()))


def appointment_for_charting(*, actor: Actor, appointment_id: int) -> AppointmentFacts | None:
    """The facts charting checks a session against (offered to charting through
    acuflow.core.registry), or None outside the actor's clinic."""
    found = (
        Appointment.objects.filter(clinic=actor.clinic, pk=appointment_id)
        .select_related("type")
        .first()
    )
    if found is None:
        return None
    local = found.start.astimezone(clinic_zone(actor.clinic))
    return AppointmentFacts(
        id=found.pk,
        patient_id=found.patient_id,
        day=local.date(),
        status=found.status,
        label=f"{local:%H:%M} {found.type.label()}",
    )
