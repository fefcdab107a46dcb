"""A patient cannot be in two appointments at once (issue 15 item 6): the service
answers 409 patient_busy on every database, and PostgreSQL refuses the overlap itself."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction

from acuflow.accounts.models import Room
from acuflow.core.testing import make_patient
from acuflow.scheduling import services
from acuflow.scheduling.models import Appointment
from acuflow.scheduling.services.booking import save_guarded
from acuflow.scheduling.tests.helpers import at
from acuflow.scheduling.tests.test_api import SchedulingApiTestCase
from acuflow.scheduling.tests.test_postgres import PostgresTestCase, postgres_only


class PatientBusyTests(SchedulingApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        # a second room, so that only the patient can be what is busy
        Room.objects.create(location=self.room.location, name="Room 2")

    def test_the_same_patient_with_another_practitioner_at_that_time_is_409(self) -> None:
        self.assertEqual(self.book(at(self.monday, 10)).status_code, 201)
        r = self.book(at(self.monday, 10, 15), practitioner=self.ims_p)
        self.assertError(r, 409, "patient_busy")
        self.assertEqual(Appointment.objects.count(), 1)

    def test_back_to_back_appointments_of_one_patient_are_allowed(self) -> None:
        self.assertEqual(self.book(at(self.monday, 10)).status_code, 201)
        # follow_up lasts 30 minutes: 10:30 with someone else is right after it
        r = self.book(at(self.monday, 10, 30), practitioner=self.ims_p)
        self.assertEqual(r.status_code, 201, r.content)

    def test_a_cancelled_appointment_does_not_hold_the_patient(self) -> None:
        first = self.book(at(self.monday, 10)).json()
        Appointment.objects.filter(pk=first["id"]).update(status="cancelled")
        r = self.book(at(self.monday, 10), practitioner=self.ims_p)
        self.assertEqual(r.status_code, 201, r.content)

    def test_moving_onto_the_patients_other_appointment_is_409(self) -> None:
        self.assertEqual(self.book(at(self.monday, 10)).status_code, 201)
        second = self.book(at(self.monday, 14), practitioner=self.ims_p).json()
        r = self.api(
            self.practitioner,
            "PATCH",
            f"/api/v1/appointments/{second['id']}",
            {"start": at(self.monday, 10).isoformat()},
        )
        self.assertError(r, 409, "patient_busy")
        self.assertEqual(Appointment.objects.get(pk=second["id"]).start, at(self.monday, 14))

    def test_another_patient_at_that_time_with_another_practitioner_is_fine(self) -> None:
        self.assertEqual(self.book(at(self.monday, 10)).status_code, 201)
        other = make_patient(self.clinic, "Bram", "Visser")
        r = self.book(at(self.monday, 10), practitioner=self.ims_p, patient=other)
        self.assertEqual(r.status_code, 201, r.content)


@postgres_only
class PatientOverlapConstraintTests(PostgresTestCase):
    def test_the_database_refuses_a_patient_overlap_that_skips_the_service(self) -> None:
        self.assertEqual(connection.vendor, "postgresql")
        first = services.appointment_book(
            actor=self.actor(self.owner),  # type: ignore[attr-defined]
            patient=self.patient,  # type: ignore[attr-defined]
            practitioner=self.acu,
            type=self.type,
            start=at(self.monday, 10),
        )
        clash = Appointment(
            clinic=first.clinic,
            patient=first.patient,
            practitioner=self.ims.practitioner,  # type: ignore[attr-defined]
            type=first.type,
            start=first.start + dt.timedelta(minutes=10),
            end=first.end + dt.timedelta(minutes=10),
            busy_until=first.end + dt.timedelta(minutes=10),
        )
        with self.assertRaises(IntegrityError) as caught, transaction.atomic():
            clash.save()
        self.assertIn("scheduling_no_patient_overlap", str(caught.exception))
        # back to back is not an overlap ('[)' ranges)
        clash.start, clash.end, clash.busy_until = (
            first.end,
            first.end + dt.timedelta(minutes=30),
            first.end + dt.timedelta(minutes=30),
        )
        clash.save()

    def test_a_racing_booking_that_passes_the_check_is_answered_patient_busy(self) -> None:
        first = services.appointment_book(
            actor=self.actor(self.owner),  # type: ignore[attr-defined]
            patient=self.patient,  # type: ignore[attr-defined]
            practitioner=self.acu,
            type=self.type,
            start=at(self.monday, 10),
        )
        clash = Appointment(
            clinic=first.clinic,
            patient=first.patient,
            practitioner=self.ims.practitioner,  # type: ignore[attr-defined]
            type=first.type,
            start=first.start,
            end=first.end,
            busy_until=first.end,
        )
        with self.assertRaises(services.SchedulingError) as caught:
            save_guarded(clash)
        self.assertEqual(caught.exception.code, "patient_busy")
