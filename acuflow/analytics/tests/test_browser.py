"""The "Our results" page in Chromium in each language: the charts draw (numbers in
the SVG are not localised into decimal commas), the claims show with their verdicts.
Screenshots per language under var/test-artifacts/ to look at."""

from __future__ import annotations

import pytest
from django.conf import settings

from acuflow.analytics.tests.factories import make_cohort
from acuflow.analytics.tests.test_claims_api import cohort_specs
from acuflow.core.actor import Actor
from acuflow.core.browser import BrowserTestCase

ARTIFACTS = settings.VAR_DIR / "test-artifacts"
TITLES = {
    "nl": "Onze resultaten",
    "nb": "Våre resultater",
    "en": "Our results",
    "es": "Nuestros resultados",
}


@pytest.mark.browser
class ResultsInEveryLanguageBrowserTests(BrowserTestCase):
    def test_the_page_renders_in_every_language(self) -> None:
        owner = self.owner  # type: ignore[attr-defined]
        clinic = owner.membership.clinic
        actor = Actor(user=owner, clinic=clinic, role="owner", client_address="127.0.0.1")
        make_cohort(actor, self.patient, cohort_specs(self.practitioner))  # type: ignore[attr-defined]
        self.login(owner.email)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for language, title in TITLES.items():
            with self.subTest(language=language):
                owner.language = language
                owner.save(update_fields=["language"])
                page = self.page
                page.goto(f"{self.live_server_url}/analytics/")
                page.locator("#claims").wait_for()
                self.assertEqual(page.locator("html").get_attribute("lang"), language)
                self.assertEqual(page.locator("h1").first.inner_text(), title)
                self.assertEqual(page.locator("#claims li[data-verdict=holds]").count(), 3)
                for chart in ("#km svg", "#funnel svg"):
                    box = page.locator(chart).bounding_box()
                    self.assertGreater(box["width"], 300)
                    self.assertGreater(box["height"], 150)
                # The curve and its points are drawn where the data puts them.
                line = page.locator("#km polyline[data-series=responded]").bounding_box()
                self.assertGreater(line["width"], 100)
                point = page.locator("#km circle[data-session='3']")
                self.assertEqual(point.get_attribute("data-value"), "0.6000")
                self.assertTrue(point.is_visible())
                dots = page.locator("#funnel circle[data-series=practitioner]")
                self.assertEqual(dots.count(), 2)
                self.assertTrue(dots.first.is_visible())
                page.screenshot(path=str(ARTIFACTS / f"analytics-{language}.png"), full_page=True)
