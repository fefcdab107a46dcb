"""Scheduling: when practitioners work, what can be booked, and the appointments.

Working hours are wall-clock times in the clinic's timezone; appointments store aware
instants. The gap between the two (daylight saving) is bridged in rules.py only.

No double booking is a database guarantee: on PostgreSQL an exclusion constraint on
(practitioner, tstzrange(start, busy_until)) and on (room, ...) for every appointment
that is not cancelled (see migration 0002); on SQLite the booking service checks inside
an IMMEDIATE transaction, which holds the database write lock from its first statement.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from acuflow.accounts.models import Clinic, Location, Practitioner, Room
from acuflow.core.languages import text_for, validate_texts
from acuflow.core.models import BoundedFieldsModel, HeldRelationsModel
from acuflow.patients.models import Patient


class ScheduleSettings(models.Model):
    """Per-clinic scheduling defaults, created with the defaults on first use."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="schedule")
    slot_step_minutes = models.PositiveSmallIntegerField(
        _("slot grid (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(60)],
    )
    reminder_hours_before = models.PositiveSmallIntegerField(
        _("reminder (hours before)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
    )
    late_cancel_hours = models.PositiveSmallIntegerField(
        _("late cancellation (hours before)"),
        default=24,
        validators=[MaxValueValidator(168)],
    )
    online_booking = models.BooleanField(_("online booking open"), default=True)
    online_days_ahead = models.PositiveSmallIntegerField(
        _("online booking (days ahead)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    offer_hours = models.PositiveSmallIntegerField(
        _("waitlist offer valid (hours)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
    )
    # Public holidays come from the `holidays` package for the clinic's country; the
    # region picks the regional ones (a Spanish autonomous community, a Dutch province).
    holiday_region = models.CharField(
        _("region for public holidays"),
        max_length=10,
        blank=True,
        help_text=_(
            "Code of the region or province, e.g. MD for Madrid; empty for national holidays only."
        ),
    )

    class Meta:
        verbose_name = _("scheduling settings")
        verbose_name_plural = _("scheduling settings")

    def __str__(self) -> str:
        return str(self.clinic)


class AppointmentType(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="appointment_types")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    # What patients and staff read, per language ({"nl": ..., "en": ...}); `name` is the
    # clinic's own single text, shown in a language without an entry.
    names = models.JSONField(
        _("name per language"), default=dict, blank=True, validators=[validate_texts]
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer after (minutes)"),
        default=0,
        validators=[MaxValueValidator(120)],
        help_text=_("Time kept free after the appointment (cleaning up, notes)."),
    )
    modality = models.CharField(
        _("requires modality"),
        max_length=32,
        blank=True,
        help_text=_("Only practitioners qualified for this modality can be booked."),
    )
    online = models.BooleanField(_("bookable online"), default=True)
    needs_session = models.BooleanField(
        _("treatment (charted)"),
        default=True,
        help_text=_("An appointment of this type is only done once its session is charted."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["clinic", "duration_minutes", "code"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="scheduling_type_code_unique")
        ]
        verbose_name = _("appointment type")
        verbose_name_plural = _("appointment types")

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        """The name in `language` (the active one by default)."""
        return text_for(self.names, language or translation.get_language() or "", self.name)


class WorkingHours(models.Model):
    """One weekly repeating window: practitioner works at a location on a weekday."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="working_hours"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MaxValueValidator(6)], help_text=_("0 = Monday")
    )
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["practitioner", "weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self) -> str:
        return f"{self.practitioner} {self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})
        if self.location_id and self.practitioner_id:
            if self.location.clinic_id != self.practitioner.clinic_id:
                raise ValidationError({"location": _("Location of another clinic.")})


class ScheduleException(BoundedFieldsModel):
    """A date on which the weekly pattern does not hold: time off, or extra hours."""

    class Kind(models.TextChoices):
        OFF = "off", _("Not working")
        EXTRA = "extra", _("Extra hours")

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="schedule_exceptions"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.OFF)
    # Empty times with kind=off mean the whole day.
    start = models.TimeField(_("from"), null=True, blank=True)
    end = models.TimeField(_("until"), null=True, blank=True)
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start"]
        verbose_name = _("schedule exception")
        verbose_name_plural = _("schedule exceptions")

    def __str__(self) -> str:
        return f"{self.practitioner} {self.date} {self.kind}"

    def clean(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValidationError(_("Give both times or neither."))
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})
        if self.kind == self.Kind.EXTRA and (self.start is None or self.location_id is None):
            raise ValidationError(_("Extra hours need times and a location."))


class Holiday(BoundedFieldsModel):
    """The whole clinic is closed on this date."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "date"], name="scheduling_holiday_unique")
        ]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Status(models.TextChoices):
    """booked -> arrived -> in_treatment -> done, or no_show / cancelled (a late
    cancellation is `cancelled` with `late_cancel`: it frees the slot like any other)."""

    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    IN_TREATMENT = "in_treatment", _("In treatment")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class Source(models.TextChoices):
    STAFF = "staff", pgettext_lazy("booking source", "Staff")
    API = "api", _("API")
    ONLINE = "online", _("Online booking")
    WAITLIST = "waitlist", _("Waitlist")
    COURSE = "course", _("Course booking")


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def active(self) -> AppointmentQuerySet:
        """Appointments that hold their time (everything but cancelled)."""
        return self.exclude(status=Status.CANCELLED)

    def overlapping(self, start, busy_until) -> AppointmentQuerySet:  # type: ignore[no-untyped-def]
        return self.filter(start__lt=busy_until, busy_until__gt=start)

    def for_calendar(self) -> AppointmentQuerySet:
        return self.select_related(
            "clinic", "patient", "practitioner__user", "type", "room", "location"
        )


class Appointment(BoundedFieldsModel, HeldRelationsModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="appointments"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # end + the type's buffer: what the no-overlap constraint protects.
    busy_until = models.DateTimeField()
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.BOOKED
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.STAFF)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    late_cancel = models.BooleanField(_("late cancellation"), default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The treatment course and its planned session number this appointment is for.
    course = models.ForeignKey(
        "protocols.Course",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
    )
    course_session = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(_("note for reception"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["practitioner", "start"]),
            models.Index(fields=["clinic", "start"]),
            models.Index(fields=["patient", "start"]),
            # Overlap tests (busy_until > from AND start < to): the range on busy_until
            # reads only the diary from `from` onwards instead of its whole past.
            models.Index(fields=["practitioner", "busy_until"], name="appt_practitioner_busy_idx"),
            models.Index(fields=["room", "busy_until"], name="appt_room_busy_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start"))
                & models.Q(busy_until__gte=models.F("end")),
                name="scheduling_appointment_times_ordered",
            )
        ]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} {self.type} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status != Status.CANCELLED


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """The secret of a practitioner's iCalendar feed. Rotating it revokes old subscriptions."""

    practitioner = models.OneToOneField(
        Practitioner, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"feed of {self.practitioner}"


class Reminder(models.Model):
    """One message to send about one appointment. The row is the outbox
    (`acuflow.scheduling.reminders`): pending -> sending -> sent, or failed after the
    last attempt; `key` is the message's idempotency key, handed to the channel."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Not needed")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=16, default="email")
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # Set when first claimed and never changed: every hand-over of this message carries it.
    key = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return f"{self.channel} reminder for appointment {self.appointment_id} ({self.status})"


class WaitlistEntry(BoundedFieldsModel):
    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a slot")
        BOOKED = "booked", _("Booked")
        REMOVED = "removed", _("Removed")

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="waitlist")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="waitlist_entries")
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    earliest = models.DateField(_("from date"))
    latest = models.DateField(_("until date"))
    day_start = models.TimeField(_("not before"), null=True, blank=True)
    day_end = models.TimeField(_("not after"), null=True, blank=True)
    status = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")

    def __str__(self) -> str:
        return f"{self.patient} waits for {self.practitioner} {self.earliest}..{self.latest}"

    def clean(self) -> None:
        if self.earliest and self.latest and self.latest < self.earliest:
            raise ValidationError({"latest": _("The end must be after the start.")})
        if self.day_start and self.day_end and self.day_end <= self.day_start:
            raise ValidationError({"day_end": _("The end must be after the start.")})


def _offer_token() -> str:
    return secrets.token_urlsafe(24)


class WaitlistOffer(models.Model):
    """A freed slot offered to one waiting patient; the next in line gets it if they
    decline or let it expire."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        TAKEN = "taken", _("Slot gone")

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    start = models.DateTimeField()
    token = models.CharField(max_length=64, unique=True, default=_offer_token)
    status = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")

    def __str__(self) -> str:
        return f"offer {self.start:%Y-%m-%d %H:%M} to entry {self.entry_id} ({self.status})"


class BookingRequest(BoundedFieldsModel):
    """An online booking that staff must handle: a red-flag answer was 'yes', so the
    patient is called back instead of being booked straight into the calendar."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        HANDLED = "handled", _("Handled")

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="booking_requests")
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="booking_requests"
    )
    type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    wanted_start = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Intake basics as the patient gave them (clinical: hidden from reception).
    complaint = models.TextField(max_length=1000)
    onset = models.CharField(max_length=16)
    red_flags = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=State.choices, default=State.NEW)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("online booking intake")
        verbose_name_plural = _("online booking intakes")

    def __str__(self) -> str:
        return f"online intake {self.pk} ({self.status})"

    @property
    def needs_staff(self) -> bool:
        return any(self.red_flags.values())
