from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core import mail

from acuflow.core.browser import BrowserTestCase
from acuflow.public.tests.axe import assert_accessible


def staff_actor(tc: BrowserTestCase):  # type: ignore[no-untyped-def]
    from acuflow.core.actor import Actor

    membership = tc.practitioner.membership
    return Actor(user=tc.practitioner, clinic=membership.clinic, role=membership.role)


@pytest.mark.browser
class PortalBrowserTests(BrowserTestCase):
    def test_sign_in_by_link_fill_a_questionnaire_and_see_who_looked(self) -> None:
        with_questionnaire = apps.is_installed("acuflow.outcomes") and apps.is_installed(
            "acuflow.assessment"
        )
        if with_questionnaire:
            from acuflow.outcomes.links import make_response_link
            from acuflow.outcomes.tests.factories import make_course

            actor = staff_actor(self)
            course = make_course(actor, self.patient)
            make_response_link(patient=self.patient, instrument="nrs", course=course, actor=actor)

        page = self.page
        page.goto(f"{self.live_server_url}/en/portal/")
        assert_accessible(self, page)
        page.get_by_label("Your email address").fill(self.patient.email)
        page.get_by_role("button", name="Email me a sign-in link").click()
        page.wait_for_load_state()
        self.assertIn("Check your email", page.content())
        url = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]
        page.goto(url)
        page.get_by_role("button", name="Inloggen").click()  # the patient's language: Dutch
        page.wait_for_url(re.compile(r".*/nl/portal/$"))
        self.assertIn("Welkom, Anna", page.content())
        assert_accessible(self, page)

        if with_questionnaire:
            page.get_by_role("link", name=re.compile("NRS")).click()
            page.wait_for_load_state()
            for fieldset in page.locator("fieldset.question").all():
                fieldset.locator("input[type=radio]").nth(4).check()
            page.locator("form button[type=submit]").click()
            page.wait_for_load_state()
            from acuflow.outcomes.models import Response

            self.assertEqual(Response.objects.filter(patient=self.patient).count(), 1)
            page.goto(f"{self.live_server_url}/nl/portal/")
            self.assertNotIn("Vragenlijsten om in te vullen", page.content())

        page.get_by_role("link", name="Wie heeft mijn dossier bekeken").first.click()
        page.wait_for_load_state()
        self.assertIn("U zelf, in het patiëntenportaal", page.content())
        assert_accessible(self, page)
