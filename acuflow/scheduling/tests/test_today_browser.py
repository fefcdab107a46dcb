"""The today page in Chromium: from the day's list to a charted session and "done", and
the page in each language (a screenshot per language under var/test-artifacts/)."""

from __future__ import annotations

import pytest
from django.conf import settings

from acuflow.charting.models import Session
from acuflow.charting.tests.factories import make_course
from acuflow.charting.tests.test_browser import SerialStaticFilesHandler
from acuflow.core.actor import Actor
from acuflow.core.browser import BrowserTestCase
from acuflow.core.testing import make_patient
from acuflow.scheduling.models import Appointment
from acuflow.scheduling.tests.test_today import appointment_today, within_the_clinic_day

ARTIFACTS = settings.VAR_DIR / "test-artifacts"
TITLES = {"nl": "Vandaag", "nb": "I dag", "en": "Today", "es": "Hoy"}


@pytest.mark.browser
class TodayBrowserTests(BrowserTestCase):
    static_handler = SerialStaticFilesHandler
    # The test saves a session the server refuses (422) on purpose: the page keeps the fields.
    expected_console_errors = ("status of 422 (Unprocessable Content)",)

    def setUp(self) -> None:
        super().setUp()
        within_the_clinic_day(self)  # type: ignore[arg-type]
        owner = self.owner  # type: ignore[attr-defined]
        self.actor = Actor(user=owner, clinic=owner.membership.clinic, role="owner")
        self.course = make_course(self.actor, self.patient)  # type: ignore[attr-defined]

    def test_from_the_today_page_to_a_charted_session_and_done(self) -> None:
        appointment = appointment_today(self, course=self.course)  # type: ignore[arg-type]
        later = appointment_today(self, minutes_from_now=45)  # type: ignore[arg-type]
        self.login(self.owner.email)  # type: ignore[attr-defined]
        page = self.page
        page.goto(f"{self.live_server_url}/calendar/today/")
        rows = page.locator("#today-list tbody tr")
        self.assertEqual(
            [rows.nth(i).get_attribute("id") for i in range(rows.count())],
            [f"appointment-{appointment.pk}", f"appointment-{later.pk}"],
        )
        row = page.locator(f"#appointment-{appointment.pk}")
        row.locator("button.step-arrived").click()
        page.wait_for_selector(f"#appointment-{appointment.pk}[data-status=arrived]")
        page.locator(f"#appointment-{appointment.pk} button.step-in_treatment").click()
        page.wait_for_selector(f"#appointment-{appointment.pk}[data-status=in_treatment]")

        # One click to the charting screen of this appointment.
        page.locator(f"#appointment-{appointment.pk} a.today-chart").click()
        page.wait_for_url(f"**/charting/courses/{self.course.pk}/chart/?appointment=*")
        page.locator("#chart-appointment").wait_for()
        box = page.locator("#point-q")
        for query in ("gb30", "BL23b", "gb30 r"):  # the second GB30 merges, never doubles
            box.press_sequentially(query, delay=15)
            box.press("Enter")
        page.wait_for_function("document.querySelectorAll('#sites li').length === 2")
        # Tab goes from the point box straight to the counts.
        box.press("Tab")
        self.assertEqual(page.evaluate("document.activeElement.id"), "f-needles-in")
        self.assertEqual(page.locator("#f-needles-in").input_value(), "4")
        started = page.locator("#f-started").input_value()
        self.assertTrue(started)
        page.locator("#f-needles-out").fill("3")
        page.locator("#f-s").fill("Better since last week.")
        page.keyboard.press("Control+Enter")

        # Refused (counts differ, no reason): every field is still there, the error sits
        # next to its field in words, not the field's code.
        page.locator("#error-needle_discrepancy_note").wait_for()
        self.assertEqual(page.locator("#f-started").input_value(), started)
        self.assertEqual(page.locator("#sites li").count(), 2)
        self.assertEqual(page.locator("#f-needles-in").input_value(), "4")
        self.assertEqual(page.locator("#f-needles-out").input_value(), "3")
        self.assertEqual(page.locator("#f-s").input_value(), "Better since last week.")
        self.assertEqual(page.locator("#f-needle-note").get_attribute("aria-invalid"), "true")
        self.assertNotIn("needle_discrepancy_note", page.locator("#chart-errors").inner_text())
        page.locator("#f-needles-out").fill("4")
        page.keyboard.press("Control+Enter")
        page.wait_for_url("**/charting/sessions/*/")
        session = Session.objects.get(course=self.course)
        self.assertEqual(session.appointment_ref, appointment.pk)
        self.assertEqual(
            sorted((s["point"], s["side"]) for s in session.sites),
            [("BL23", "both"), ("GB30", "both")],
        )

        # Back on the list: the session is linked and the appointment can be done.
        page.goto(f"{self.live_server_url}/calendar/today/")
        row = page.locator(f"#appointment-{appointment.pk}")
        self.assertEqual(row.locator("a.today-session").count(), 1)
        row.locator("button.step-done").click()
        page.wait_for_selector(f"#appointment-{appointment.pk}[data-status=done]")
        self.assertEqual(Appointment.objects.get(pk=appointment.pk).status, "done")
        self.assertEqual(Appointment.objects.get(pk=later.pk).status, "booked")

    def test_the_today_page_in_every_language(self) -> None:
        owner = self.owner  # type: ignore[attr-defined]
        clinic = owner.membership.clinic
        people = [
            make_patient(clinic, "Bram", "de Vries"),
            make_patient(clinic, "Ingrid", "Sørensen"),
            make_patient(clinic, "José", "Núñez"),
        ]
        first = appointment_today(self, patient=people[0], minutes_from_now=-50)  # type: ignore[arg-type]
        appointment_today(self, patient=people[1], minutes_from_now=-10)  # type: ignore[arg-type]
        appointment_today(self, patient=people[2], minutes_from_now=30)  # type: ignore[arg-type]
        Appointment.objects.filter(pk=first.pk).update(status="arrived")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for language in ("nl", "nb", "en", "es"):
            with self.subTest(language=language):
                owner.language = language
                owner.save(update_fields=["language"])
                self.context.clear_cookies()
                self.login(owner.email)
                page = self.page
                page.set_viewport_size({"width": 1280, "height": 800})
                page.goto(f"{self.live_server_url}/calendar/today/")
                self.assertEqual(page.locator("html").get_attribute("lang"), language)
                self.assertTrue(page.locator("h1").inner_text().startswith(TITLES[language]))
                rows = page.locator("#today-list tbody tr")
                self.assertEqual(rows.count(), 3)
                for i, person in enumerate(people):
                    self.assertIn(person.family_name, rows.nth(i).inner_text())
                    self.assertTrue(rows.nth(i).is_visible())
                # Each row's step buttons fit on screen and have a label.
                for button in page.locator("#today-list button").all():
                    self.assertTrue(button.inner_text().strip())
                    box = button.bounding_box()
                    self.assertIsNotNone(box)
                    self.assertLessEqual(box["x"] + box["width"], 1280)  # type: ignore[index]
                page.screenshot(path=str(ARTIFACTS / f"today-{language}.png"), full_page=True)
