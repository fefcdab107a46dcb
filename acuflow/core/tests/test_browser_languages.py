"""Every word in the reader's language: a walk through the main staff, portal and public
pages in each language, in Chromium. A page fails on a word of another language's
interface (acuflow.core.visible_text) or an internal snake_case code in its visible text;
text rightly in another language carries its own lang attribute and is left out."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from acuflow.core.actor import Actor
from acuflow.core.browser import BrowserTestCase
from acuflow.core.visible_text import problems, visible_text
from acuflow.outcomes.tests.factories import make_course, make_session
from acuflow.scheduling import selectors as scheduling_selectors
from acuflow.scheduling.models import Appointment


@pytest.mark.browser
class EveryWordInTheLanguageTests(BrowserTestCase):
    # The walk opens a page that does not exist on purpose, to read the 404 page.
    expected_console_errors = ("status of 404 (Not Found) (http://localhost:",)

    def seed(self, language: str) -> dict[str, int]:
        """A patient in `language` with a course, a charted session and an appointment."""
        for user in (self.owner, self.practitioner, self.reception):
            user.language = language
            user.save(update_fields=["language"])
        self.patient.language = language
        self.patient.save(update_fields=["language"])
        owner = self.owner.membership
        actor = Actor(user=self.owner, clinic=owner.clinic, role=owner.role)
        course = make_course(actor, self.patient, baseline_nrs=7)
        session = make_session(course, days_ago=3, before=7, after=5)
        session.sites = [{"point": "BL40", "side": "both"}, {"point": "GV4", "side": "none"}]
        session.adverse_events = [{"code": "bruising", "severity": "mild"}]
        session.save(update_fields=["sites", "adverse_events"])
        kind = scheduling_selectors.appointment_types(self.clinic).get(code="follow_up")
        start = (timezone.now() + dt.timedelta(days=2)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
        Appointment.objects.create(
            clinic=self.clinic,
            patient=self.patient,
            practitioner=self.owner.practitioner,
            type=kind,
            start=start,
            end=start + dt.timedelta(minutes=30),
            busy_until=start + dt.timedelta(minutes=30),
        )
        return {"course": course.pk, "session": session.pk, "protocol": course.protocol_id}

    def check(self, path: str, language: str, found: list[str]) -> None:
        response = self.page.goto(f"{self.live_server_url}{path}")
        self.page.wait_for_load_state()
        assert response is not None
        self.assertEqual(response.status, 404 if "no-such" in path else 200, path)
        html = self.page.content()
        self.assertIn(f'lang="{language}"', html[:300], path)
        text = " ¶ ".join(visible_text(html, language))
        found += [f"{path}: {problem}" for problem in problems(text, language)]

    def walk(self, language: str) -> None:
        ids = self.seed(language)
        found: list[str] = []
        patient = self.patient.pk
        self.login(self.owner.email)
        for path in (
            "/",
            "/patients/",
            f"/patients/{patient}/",
            f"/patients/{patient}/audit/",
            "/patients/new/",
            "/calendar/?view=week",
            "/calendar/types/",
            "/calendar/requests/",
            "/calendar/waitlist/",
            "/protocols/",
            f"/protocols/{ids['protocol']}/",
            "/protocols/thresholds/",
            f"/courses/{ids['course']}/",
            f"/outcomes/courses/{ids['course']}/",
            f"/charting/sessions/{ids['session']}/",
            "/outcomes/instruments/",
            "/inbox/",
            "/articles/",
            "/no-such-page/",
        ):
            self.check(path, language, found)
        self.context.clear_cookies()
        for path in (
            f"/{language}/clinic/{self.clinic.slug}/",
            f"/{language}/book/{self.clinic.slug}/",
            f"/{language}/info/",
            f"/{language}/portal/",
        ):
            self.check(path, language, found)
        # The portal, signed in by the emailed link.
        form = self.page.locator("form", has=self.page.locator("input[type=email]")).first
        form.locator("input[type=email]").fill(self.patient.email)
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state()
        link = re.search(r"https?://\S+", mail.outbox[-1].body)
        assert link is not None
        self.page.goto(link.group(0))
        self.page.locator("form button[type=submit]").first.click()
        self.page.wait_for_url(re.compile(rf".*/{language}/portal/$"))
        self.check(f"/{language}/portal/", language, found)
        self.assertEqual(found, [], "\n".join(found))

    def test_dutch(self) -> None:
        self.walk("nl")

    def test_norwegian(self) -> None:
        self.walk("nb")

    def test_english(self) -> None:
        self.walk("en")

    def test_spanish(self) -> None:
        self.walk("es")
