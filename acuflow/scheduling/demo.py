"""Demo scheduling: practitioners work weekdays 09:00-17:00 (ongoing), and each has a
few appointments on the coming working days. Idempotent and deterministic."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from acuflow.accounts.models import Clinic, Practitioner
from acuflow.core.actor import Actor
from acuflow.patients.models import Patient
from acuflow.scheduling import rules, selectors, services
from acuflow.scheduling.models import Appointment, WorkingHours

DAYS_AHEAD = 14
HOURS = [9, 10, 11, 14, 15]  # local times tried each working day


def load(*, clinics: dict[str, Clinic]) -> None:
    for clinic in clinics.values():
        selectors.schedule_settings(clinic)
        types = {t.code: t for t in selectors.appointment_types(clinic)}
        location = clinic.locations.order_by("id").first()
        practitioners = list(Practitioner.objects.filter(clinic=clinic).order_by("id"))
        for practitioner in practitioners:
            if (
                location is not None
                and not WorkingHours.objects.filter(practitioner=practitioner).exists()
            ):
                WorkingHours.objects.bulk_create(
                    [
                        WorkingHours(
                            practitioner=practitioner,
                            location=location,
                            weekday=day,
                            start=dt.time(9),
                            end=dt.time(17),
                        )
                        for day in range(5)
                    ]
                )
        if Appointment.objects.filter(clinic=clinic).exists():
            continue
        _appointments(clinic, practitioners, types)


def _appointments(clinic: Clinic, practitioners: list[Practitioner], types: dict) -> None:  # type: ignore[type-arg]
    patients = list(Patient.objects.filter(clinic=clinic).order_by("id")[:40])
    if not patients:
        return
    actor = Actor.system(clinic, label="demo")
    zone = selectors.clinic_zone(clinic)
    today = timezone.now().astimezone(zone).date()
    n = 0
    for offset in range(DAYS_AHEAD + 1):  # today too: the today page has a day to show
        day = today + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for p_index, practitioner in enumerate(practitioners):
            kind = types["ims"] if practitioner.is_qualified_for("ims") else types["follow_up"]
            for h_index, hour in enumerate(HOURS):
                if (offset + p_index + h_index) % 3 == 0:
                    continue  # leave gaps, so the calendar has free time
                type_ = types["initial_assessment"] if h_index == 0 and offset % 2 else kind
                try:
                    services.appointment_book(
                        actor=actor,
                        patient=patients[n % len(patients)],
                        practitioner=practitioner,
                        type=type_,
                        start=rules.local_instant(day, dt.time(hour), zone),
                        source="staff",
                    )
                    n += 1
                except services.SchedulingError:
                    continue  # room or time taken: skip this one
