from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.utils import timezone

from acuflow.charting import services
from acuflow.charting.models import Session, SessionDraft
from acuflow.charting.tests.factories import make_course
from acuflow.core.actor import Actor
from acuflow.core.browser import BrowserTestCase

TEN_POINTS = [
    "bl40",
    "ub 23 b",
    "Bladder 25",
    "gv4",
    "ex-b2",
    "gb30 l",
    "li4 r",
    "lr3",
    "st36",
    "kunlun",
]


class SerialStaticFilesHandler(StaticFilesHandler):
    """One request at a time: the live server shares the test's in-memory SQLite
    connection between its threads, and this screen searches and autosaves at once."""

    lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        with self.lock:
            return super().__call__(environ, start_response)


@pytest.mark.browser
class ChartingBrowserTests(BrowserTestCase):
    static_handler = SerialStaticFilesHandler

    def test_a_session_charted_by_keyboard_survives_a_closed_tab_and_is_saved(self) -> None:
        owner = self.owner  # type: ignore[attr-defined]
        actor = Actor(user=owner, clinic=owner.membership.clinic, role="owner")
        course = make_course(actor, self.patient)  # type: ignore[attr-defined]
        url = f"{self.live_server_url}/charting/courses/{course.pk}/chart/"
        self.login(owner.email)
        page = self.page
        page.goto(url)
        box = page.locator("#point-q")
        started = time.monotonic()
        for query in TEN_POINTS:
            box.press_sequentially(query, delay=15)
            box.press("Enter")
        page.keyboard.press("Tab")  # leave the box, as a practitioner would
        page.wait_for_function("document.querySelectorAll('#sites li').length === 10")
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, 30)
        sites = page.locator("#sites li")
        self.assertEqual(
            [sites.nth(i).get_attribute("data-code") for i in range(10)],
            ["BL40", "BL23", "BL25", "GV4", "EX-B2", "GB30", "LI4", "LR3", "ST36", "BL60"],
        )
        # needles: 2 per bilateral point, 1 for GV4, GB30 left and LI4 right
        self.assertEqual(page.locator("#f-needles-in").input_value(), "17")
        page.locator("#f-s").fill("Stiff in the morning, better after walking.")
        page.wait_for_selector("#draft-status[data-state=saved]")

        # The tab closes mid-way; on another computer the draft is all there.
        page.close()
        self.assertTrue(SessionDraft.objects.filter(course=course).exists())
        self.context.close()
        self.context = self.browser.new_context(locale="en-GB")
        self.page = page = self.context.new_page()
        page.set_default_timeout(10_000)
        self.login(owner.email)
        page.goto(url)
        page.wait_for_function("document.querySelectorAll('#sites li').length === 10")
        self.assertEqual(
            page.locator("#f-s").input_value(), "Stiff in the morning, better after walking."
        )

        # Finish by keyboard: the pregnancy caution shows in context, then save.
        page.locator("#point-q").focus()
        page.locator("#point-q").press_sequentially("sp6", delay=15)
        page.locator("#point-q").press("Enter")
        self.assertEqual(page.locator("#chart-warnings li[data-caution=pregnancy]").count(), 0)
        page.locator("#f-pregnant").check()
        self.assertEqual(
            page.locator("#chart-warnings li[data-caution=pregnancy]").count(), 3
        )  # LI4, BL60 and SP6
        self.assertEqual(page.locator("#f-needles-in").input_value(), "19")
        page.locator("#f-needles-out").fill("19")
        page.locator("#f-nrs-before").fill("6")
        page.locator("#f-unbooked").fill("walk-in")  # no booked appointment: say why
        page.keyboard.press("Control+Enter")
        page.wait_for_url("**/charting/sessions/*/")
        session = Session.objects.get(course=course)
        self.assertEqual(len(session.sites), 11)
        self.assertEqual((session.needles_in, session.needles_out), (19, 19))
        self.assertTrue(session.pregnant)
        self.assertFalse(SessionDraft.objects.filter(course=course).exists())

    def test_copy_previous_then_apply_protocol_never_doubles_a_point(self) -> None:
        owner = self.owner  # type: ignore[attr-defined]
        actor = Actor(user=owner, clinic=owner.membership.clinic, role="owner")
        course = make_course(actor, self.patient)  # type: ignore[attr-defined]
        protocol_sites = [{"point": code} for code in course.protocol.point_set]
        services.session_create(
            actor=actor,
            course=course,
            started_at=timezone.now() - dt.timedelta(days=7),
            sites=protocol_sites,
            needles_in=11,
            needles_out=11,
            unbooked_reason="walk-in",
        )
        self.login(owner.email)
        page = self.page
        page.goto(f"{self.live_server_url}/charting/courses/{course.pk}/chart/")
        page.locator("#copy-previous").click()
        page.wait_for_function("document.querySelectorAll('#sites li').length === 6")
        # "Copy previous" brings the counts too.
        self.assertEqual(page.locator("#f-needles-in").input_value(), "11")
        self.assertEqual(page.locator("#f-needles-out").input_value(), "11")
        page.locator("#apply-protocol").click()
        self.assertEqual(page.locator("#sites li").count(), 6)
        self.assertEqual(page.locator("#f-needles-in").input_value(), "11")
        # Alt+N reaches "needles in" from anywhere on the screen.
        page.locator("#f-s").focus()
        page.keyboard.press("Alt+n")
        self.assertEqual(page.evaluate("document.activeElement.id"), "f-needles-in")
