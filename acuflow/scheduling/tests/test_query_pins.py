"""Query counts of the scheduling actions in the bench's in-process table stay constant
as the calendar fills: the day and week calendars, availability and booking."""

from __future__ import annotations

import datetime as dt

from acuflow.core.testing import make_patient
from acuflow.scheduling import services
from acuflow.scheduling.selectors import appointment_type_by_code
from acuflow.scheduling.tests.helpers import at
from acuflow.scheduling.tests.test_api import SchedulingApiTestCase


class SchedulingQueryPinTests(SchedulingApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.type = appointment_type_by_code(self.clinic, "follow_up")
        self.patients = [make_patient(self.clinic, f"P{i}", "Pin") for i in range(50)]
        self.made = 0

    def make_rows(self, n: int) -> None:
        """Appointments of the acupuncturist, Monday to Thursday, 16 a day; every fifth
        one for the test's patient (their other appointments are checked on booking)."""
        for _ in range(n):
            i = self.made
            self.made += 1
            start = at(self.monday + dt.timedelta(days=i // 16), 9) + dt.timedelta(
                minutes=30 * (i % 16)
            )
            services.appointment_book(
                actor=self.actor(self.owner),
                patient=self.patient if i % 5 == 0 else self.patients[i % 50],
                practitioner=self.acu,
                type=self.type,
                start=start,
            )

    def calendar(self, view: str) -> None:
        client = self.client_for(self.owner)
        url = f"/calendar/?practitioner={self.acu.pk}&date={self.monday}&view={view}"
        self.assertConstantQueries(self.make_rows, lambda: client.get(url))
        self.assertContains(client.get(url), self.patients[1].full_name)

    def test_day_calendar_of_a_practitioner(self) -> None:
        self.calendar("day")

    def test_week_calendar_of_a_practitioner(self) -> None:
        self.calendar("week")

    def test_availability(self) -> None:
        query = {
            "practitioner": self.acu.pk,
            "type": "follow_up",
            "from": self.monday.isoformat(),
            "to": (self.monday + dt.timedelta(days=4)).isoformat(),
        }
        self.assertConstantQueries(
            self.make_rows, lambda: self.api(self.owner, "GET", "/api/v1/availability", query)
        )

    def test_booking(self) -> None:
        friday = self.monday + dt.timedelta(days=4)
        booked: list[int] = []

        def book() -> None:
            start = at(friday, 9) + dt.timedelta(minutes=30 * len(booked))
            r = self.book(start, user=self.owner)
            self.assertEqual(r.status_code, 201, r.content)
            booked.append(r.json()["id"])

        self.assertConstantQueries(self.make_rows, book)
        self.assertEqual(len(booked), 3)

    def test_patient_page_with_appointments(self) -> None:
        client = self.client_for(self.owner)
        url = f"/patients/{self.patient.pk}/"
        self.assertConstantQueries(self.make_rows, lambda: client.get(url))
        self.assertEqual(client.get(url).status_code, 200)
