"""The day and week calendars in Chromium, in each language: the grid has its height
and every appointment is a block on screen with its patient's name.

Dutch and Norwegian once rendered a blank grid (decimal commas in the inline styles):
the HTML looked fine and axe passed, only the measured page showed it. Each run keeps
a screenshot per language and view under var/test-artifacts/ to look at."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings

from acuflow.core.actor import Actor
from acuflow.core.browser import BrowserTestCase
from acuflow.core.testing import make_patient
from acuflow.scheduling import services
from acuflow.scheduling.calendar_layout import PX_PER_MINUTE
from acuflow.scheduling.selectors import appointment_type_by_code
from acuflow.scheduling.tests.helpers import AMS, at, next_weekday, weekday_hours

ARTIFACTS = settings.VAR_DIR / "test-artifacts"
MIN_GRID_PX = 300
TITLES = {"nl": "Agenda", "nb": "Kalender", "en": "Calendar", "es": "Agenda"}


@pytest.mark.browser
class CalendarInEveryLanguageBrowserTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        owner = self.owner  # type: ignore[attr-defined]
        clinic = owner.membership.clinic
        self.acu = self.practitioner.practitioner  # type: ignore[attr-defined]
        weekday_hours(self.acu)
        self.monday = next_weekday(0)
        actor = Actor(
            user=owner,
            clinic=clinic,
            role=owner.membership.role,
            channel="web",
            client_address="127.0.0.1",
            on_behalf_of=clinic.name,
        )
        follow_up = appointment_type_by_code(clinic, "follow_up")
        wednesday = self.monday + dt.timedelta(days=2)
        self.booked = [
            (make_patient(clinic, "Bram", "de Vries"), at(self.monday, 10)),
            (make_patient(clinic, "Ingrid", "Sørensen"), at(self.monday, 14, 30)),
            (make_patient(clinic, "José", "Núñez"), at(wednesday, 9, 30)),
        ]
        for patient, start in self.booked:
            services.appointment_book(
                actor=actor, patient=patient, practitioner=self.acu, type=follow_up, start=start
            )
        # A cancelled appointment stays on the calendar; the one booked into its time
        # overlaps it, and both must show side by side.
        cancelled = services.appointment_book(
            actor=actor,
            patient=make_patient(clinic, "Maarten", "van der Berg"),
            practitioner=self.acu,
            type=follow_up,
            start=at(self.monday, 16),
        )
        services.appointment_cancel(actor=actor, appointment=cancelled, reason="ill")
        rebooked = make_patient(clinic, "Femke", "ter Horst")
        services.appointment_book(
            actor=actor,
            patient=rebooked,
            practitioner=self.acu,
            type=follow_up,
            start=at(self.monday, 16),
        )
        self.side_by_side = [cancelled.patient, rebooked]
        self.booked += [(p, at(self.monday, 16)) for p in self.side_by_side]

    def open_calendar(self, language: str, view: str) -> Any:
        page = self.page
        page.goto(
            f"{self.live_server_url}/calendar/"
            f"?practitioner={self.acu.pk}&view={view}&date={self.monday}"
        )
        page.locator(".cal-body").first.wait_for()
        self.assertEqual(page.locator("html").get_attribute("lang"), language)
        self.assertEqual(page.locator("h1").first.inner_text(), TITLES[language])
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"calendar-{language}-{view}.png"), full_page=True)
        return page

    def check_calendar(self, language: str) -> None:
        user = self.reception  # type: ignore[attr-defined]
        user.language = language
        user.save(update_fields=["language"])
        self.login(user.email)
        day_view = [(p, start) for p, start in self.booked if start.date() == self.monday]
        for view, shown in (("day", day_view), ("week", self.booked)):
            with self.subTest(view=view):
                page = self.open_calendar(language, view)
                bodies = page.locator(".cal-body")
                self.assertEqual(bodies.count(), 1 if view == "day" else 7)
                grid = bodies.first.bounding_box()
                self.assertGreater(grid["height"], MIN_GRID_PX)
                hours = page.locator(".cal-hours").bounding_box()
                # Every column's day and month show in full (Spanish ones wrap).
                clipped = page.locator(".cal-head").evaluate_all(
                    "heads => heads.filter(h => h.scrollHeight > h.clientHeight + 1)"
                    ".map(h => h.textContent)"
                )
                self.assertEqual(clipped, [])
                self.assertAlmostEqual(hours["height"], grid["height"], delta=2)
                blocks = page.locator(".cal-appt")
                self.assertEqual(blocks.count(), len(shown))
                for patient, start in shown:
                    block = blocks.filter(has_text=patient.full_name)
                    self.assertEqual(block.count(), 1)
                    box = block.bounding_box()
                    self.assertGreater(box["width"], 20)
                    self.assertGreater(box["height"], 20)
                    self.assertTrue(block.get_by_text(patient.full_name).is_visible())
                    # At its time on the hour scale, inside its column.
                    local = start.astimezone(AMS)
                    mark = page.locator(".cal-hour", has_text=f"{local.hour:02d}:00")
                    expected = mark.bounding_box()["y"] + local.minute * PX_PER_MINUTE
                    self.assertAlmostEqual(box["y"], expected, delta=3)
                    column = bodies.nth(0 if view == "day" else local.weekday()).bounding_box()
                    self.assertGreaterEqual(box["x"], column["x"])
                    self.assertLessEqual(box["x"] + box["width"], column["x"] + column["width"])
                first, second = sorted(
                    (blocks.filter(has_text=p.full_name).bounding_box() for p in self.side_by_side),
                    key=lambda box: box["x"],
                )
                self.assertEqual(first["y"], second["y"])
                self.assertLessEqual(first["x"] + first["width"], second["x"])

    def test_calendar_in_dutch(self) -> None:
        self.check_calendar("nl")

    def test_calendar_in_norwegian(self) -> None:
        self.check_calendar("nb")

    def test_calendar_in_english(self) -> None:
        self.check_calendar("en")

    def test_calendar_in_spanish(self) -> None:
        self.check_calendar("es")
