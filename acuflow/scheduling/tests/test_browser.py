from __future__ import annotations

from unittest import mock

import pytest

from acuflow.core.browser import BrowserTestCase
from acuflow.patients.models import Patient
from acuflow.scheduling.models import Appointment
from acuflow.scheduling.tests.helpers import AMS, next_weekday, weekday_hours


@pytest.mark.browser
class OnlineBookingBrowserTests(BrowserTestCase):
    def test_a_new_patient_books_online(self) -> None:
        practitioner = self.practitioner.practitioner  # type: ignore[attr-defined]
        weekday_hours(practitioner)
        monday = next_weekday(0)
        page = self.page
        with mock.patch("acuflow.scheduling.public.MIN_FILL_SECONDS", 1):
            page.goto(f"{self.live_server_url}/en/book/test-nl/")
            page.select_option("#id_type", label="Follow-up treatment")
            page.fill("#id_date", monday.isoformat())
            page.locator("#slots input[name=slot]").first.wait_for()
            page.wait_for_load_state("networkidle")  # no later slot list replaces the choice
            page.locator("#slots label", has_text="10:00").first.click()
            page.fill("#id_given_name", "Nina")
            page.fill("#id_family_name", "Nieuw")
            page.fill("#id_birth_date", "1985-04-03")
            page.select_option("#id_sex", "female")
            page.fill("#id_email", "nina@patients.example")
            page.fill("#id_phone", "+31 6 5555 1234")
            page.fill("#id_complaint", "Low back pain for months")
            page.select_option("#id_onset", "chronic")
            for fieldset in page.locator("fieldset.red-flag").all():
                fieldset.get_by_label("No").check()
            page.wait_for_timeout(1100)
            page.click("button[type=submit]")
            page.locator("#booked").wait_for()
        self.assertIn("10:00", page.inner_text("#booked"))
        patient = Patient.objects.get(email="nina@patients.example")
        appointment = Appointment.objects.get(patient=patient)
        self.assertEqual(appointment.start.astimezone(AMS).hour, 10)
        self.assertEqual(appointment.practitioner, practitioner)
