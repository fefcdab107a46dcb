"""The text buttons of the charting screen (discard the draft, remove a row) are
readable: axe-core's colour-contrast rule (WCAG 2 AA, 4.5:1) finds nothing."""

from __future__ import annotations

import pytest

from acuflow.charting.tests.factories import make_course
from acuflow.core.actor import Actor
from acuflow.core.browser import BrowserTestCase
from acuflow.public.tests.axe import load_axe


@pytest.mark.browser
class ChartContrastBrowserTests(BrowserTestCase):
    def contrast_violations(self, selector: str) -> list[str]:
        load_axe(self.page)
        result = self.page.evaluate(
            """async (sel) => await axe.run(sel, {
                runOnly: {type: 'rule', values: ['color-contrast']},
                resultTypes: ['violations', 'passes']})""",
            selector,
        )
        self.assertTrue(result["passes"] or result["violations"], f"{selector} not checked")
        return [n["failureSummary"] for v in result["violations"] for n in v["nodes"]]

    def test_discard_draft_and_remove_buttons_meet_wcag_aa_contrast(self) -> None:
        owner = self.owner  # type: ignore[attr-defined]
        actor = Actor(user=owner, clinic=owner.membership.clinic, role="owner")
        course = make_course(actor, self.patient)  # type: ignore[attr-defined]
        self.login(owner.email)
        self.page.goto(f"{self.live_server_url}/charting/courses/{course.pk}/chart/")
        self.page.locator("#add-event").click()  # a row with its "Remove" text button
        for selector in ("#discard-draft", "#events .remove-row"):
            with self.subTest(selector=selector):
                self.assertEqual(self.contrast_violations(selector), [])
