from __future__ import annotations

import datetime as dt

import pytest
from django.urls import Resolver404, resolve

from acuflow.core.browser import BrowserTestCase
from acuflow.public.models import OpeningHours
from acuflow.public.tests.axe import assert_accessible, axe_violations


@pytest.mark.browser
class PublicPagesBrowserTests(BrowserTestCase):
    def test_the_scan_finds_a_serious_violation_when_there_is_one(self) -> None:
        self.page.set_content('<html lang="en"><body><main><img src="x.png"></main></body></html>')
        self.assertIn("image-alt", [v["id"] for v in axe_violations(self.page)])

    def test_public_pages_have_no_serious_accessibility_violations(self) -> None:
        OpeningHours.objects.create(
            clinic=self.clinic, weekday=0, opens=dt.time(9), closes=dt.time(17)
        )
        paths = [
            "/en/clinic/test-nl/",
            "/nl/info/sciatica/",
            "/es/info/",
            "/nb/clinic/test-nl/info/ims/",
        ]
        try:
            resolve("/en/book/test-nl/")
            paths.append("/en/book/test-nl/")
        except Resolver404:
            pass
        for path in paths:
            self.page.goto(self.live_server_url + path)
            assert_accessible(self, self.page)

    def test_language_switch_and_skip_link_by_keyboard(self) -> None:
        page = self.page
        page.goto(f"{self.live_server_url}/en/clinic/test-nl/")
        page.keyboard.press("Tab")
        self.assertEqual(page.evaluate("document.activeElement.className"), "skip-link")
        page.keyboard.press("Enter")
        self.assertEqual(page.evaluate("document.activeElement.id"), "main")
        page.get_by_role("link", name="Nederlands").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{self.live_server_url}/nl/clinic/test-nl/")
        self.assertEqual(page.get_attribute("html", "lang"), "nl")
        self.assertTrue(page.get_by_role("heading", name="Behandelingen").is_visible())
        page.get_by_role("link", name="Español").click()
        page.wait_for_url(f"{self.live_server_url}/es/clinic/test-nl/")
        self.assertTrue(page.get_by_role("heading", name="Horario").is_visible())

    def test_contact_form_sends_a_message_to_the_inbox(self) -> None:
        page = self.page
        page.goto(f"{self.live_server_url}/en/clinic/test-nl/")
        page.get_by_label("Your name").fill("Piet")
        page.get_by_label("Email").fill("piet@patients.example")
        page.get_by_label("Your question").fill("Do you treat sciatica?")
        page.get_by_role("button", name="Send").click()
        page.wait_for_load_state()
        self.assertIn("Your message has reached the clinic", page.content())
        self.login("reception@nl.example")
        page.goto(f"{self.live_server_url}/inbox/")
        self.assertIn("Do you treat sciatica?", page.content())
