"""The "Our results" page in Chromium in each language: the charts draw (numbers in
the SVG are not localised into decimal commas), the claims show with their verdicts.
Screenshots per language under var/test-artifacts/ to look at."""

from __future__ import annotations

import pytest
from django.conf import settings

from acuflow.analytics.tests.factories import Spec, make_cohort, protocol
from acuflow.analytics.tests.test_claims_api import cohort_specs
from acuflow.analytics.tests.test_cohort_pair import copy_of
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

    def test_the_owner_picks_a_condition_and_modality(self) -> None:
        owner = self.owner  # type: ignore[attr-defined]
        clinic = owner.membership.clinic
        actor = Actor(user=owner, clinic=clinic, role="owner", client_address="127.0.0.1")
        make_cohort(actor, self.patient, cohort_specs(self.practitioner))  # type: ignore[attr-defined]
        # The clinic's own copy of the same pair, with its own onset and review sessions.
        own = copy_of(
            protocol(), clinic, "clbp-own", onset_session=4, lasting_session=None, review_session=8
        )
        specs = [Spec([8, 8, 8, 4, 4, 4, 4, 4]) for _ in range(25)]
        make_cohort(actor, self.patient, specs, proto=own)  # type: ignore[attr-defined]
        self.login(owner.email)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for language in ("en", "nl"):
            with self.subTest(language=language):
                owner.language = language
                owner.save(update_fields=["language"])
                page = self.page
                page.goto(f"{self.live_server_url}/analytics/")
                page.locator("#claims").wait_for()
                page.check("input[name=cohort][value=condition]")
                page.select_option("select[name=condition]", "chronic_low_back_pain")
                page.select_option("select[name=modality]", "acupuncture")
                page.locator("#filters button[type=submit]").click()
                page.locator("#cohort-protocols").wait_for()
                self.assertIn("cohort=condition", page.url)
                heading = page.locator("h2#protocol")
                self.assertEqual(heading.get_attribute("data-condition"), "chronic_low_back_pain")
                self.assertEqual(page.locator("#cohort-protocols li").count(), 2)
                # Two sets of claims: the shipped protocol's (onset 3) and the copy's
                # (onset 4), each judged on its own courses only.
                self.assertEqual(page.locator("#claims h3.claim-set").count(), 2)
                onsets = page.locator("#claims li[data-code=onset][data-verdict=holds]")
                self.assertEqual(onsets.count(), 2)
                self.assertTrue(page.locator("input[name=cohort][value=condition]").is_checked())
                for marker in ("onset'][data-session='3", "onset'][data-session='4"):
                    line = page.locator(f"#km line[data-series='{marker}']")
                    self.assertEqual(line.count(), 1)
                page.screenshot(
                    path=str(ARTIFACTS / f"analytics-pair-{language}.png"), full_page=True
                )
