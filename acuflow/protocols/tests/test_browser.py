from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler

from acuflow.assessment.models import Assessment, Referral
from acuflow.core.browser import BrowserTestCase
from acuflow.protocols.models import Course


class SerialStaticFilesHandler(StaticFilesHandler):
    """One request at a time: the live server shares the in-memory SQLite connection."""

    lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        with self.lock:
            return super().__call__(environ, start_response)


@pytest.mark.browser
class IntakeToCourseBrowserTests(BrowserTestCase):
    static_handler = SerialStaticFilesHandler

    def test_intake_red_flag_referral_and_course_pages(self) -> None:
        user = self.practitioner  # type: ignore[attr-defined]
        user.language = "en"
        user.save(update_fields=["language"])
        patient = self.patient  # type: ignore[attr-defined]
        self.login(user.email)
        page = self.page
        page.goto(f"{self.live_server_url}/patients/{patient.pk}/")
        page.click("text=New assessment")

        # Intake: the complaint box has the focus, the rest is reachable by keyboard.
        page.keyboard.type("Back pain since lifting a heavy box")
        page.select_option("#id_condition", "acute_low_back_pain")
        onset = dt.date.today() - dt.timedelta(days=10)
        page.fill("#id_onset_date", onset.isoformat())
        page.dispatch_event("#id_onset_date", "change")
        page.wait_for_selector("#chronicity-value:has-text('Acute')")
        page.fill("#id_baseline_nrs", "6")
        page.check("input[name=contributing_factors][value=heavy_lifting]")
        page.click("text=Save and screen for red flags")

        # Not screened yet: no course can be planned from here or from the course form.
        page.wait_for_selector("#red-flag-form")
        self.assertIn("Not screened yet", page.inner_text("#flag-state"))
        self.assertEqual(page.locator("#start-course").count(), 0)
        assessment = Assessment.objects.get()
        self.assertEqual(assessment.red_flag_state, "not_screened")
        page.goto(f"{self.live_server_url}/assessments/{assessment.pk}/")
        self.assertTrue(page.locator("#flag-state").is_visible())
        self.assertEqual(page.locator("#start-course").count(), 0)
        page.goto(f"{self.live_server_url}/courses/new/{assessment.pk}/")
        self.assertTrue(page.locator("#not-screened").is_visible())
        self.assertEqual(page.locator("#course-form button[type=submit]").count(), 0)
        page.goto(f"{self.live_server_url}/assessments/{assessment.pk}/red-flags/")

        # Red-flag screen: a positive flag hides the course button and asks for a referral.
        page.wait_for_selector("#red-flag-form")
        page.check("input[name=red_flags][value=fracture]")
        page.click("text=Save the screen")
        page.wait_for_selector("#referral-form")
        self.assertIn("refer before treating", page.inner_text("#flag-state"))
        self.assertEqual(page.locator("#start-course").count(), 0)
        page.fill("#referral-form [name=to]", "GP practice")
        page.fill("#referral-form [name=reason]", "Fall with osteoporosis: X-ray")
        page.click("#referral-form button[type=submit]")
        # pending until the reply: still no course
        page.wait_for_selector(".referral-outcome")
        self.assertIn("Referred", page.inner_text("#flag-state"))
        self.assertEqual(page.locator("#start-course").count(), 0)
        page.check(".referral-outcome input[name=outcome][value=cleared]")
        page.click(".referral-outcome button[type=submit]")
        page.wait_for_selector("#start-course")
        self.assertIn("cleared", page.inner_text("#flag-state"))
        assessment = Assessment.objects.get()
        self.assertTrue(assessment.cleared)
        self.assertEqual(Referral.objects.get().outcome, "cleared")

        # Course: the matching protocol and the signed-in practitioner are preselected.
        page.click("#start-course")
        page.click("#course-form button[type=submit]")
        page.wait_for_selector("#recommendation")
        self.assertIn("Continue", page.inner_text("#recommendation"))
        self.assertIn("No session yet.", page.inner_text("#recommendation"))
        self.assertEqual(page.locator("#sessions tbody tr").count(), 5)
        course = Course.objects.get()
        self.assertEqual((course.practitioner.user, course.expected_sessions), (user, 5))
