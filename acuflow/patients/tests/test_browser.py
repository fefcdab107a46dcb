"""The identity pages in Chromium: the duplicate warning leads to the existing record,
and "Show in full" (htmx) reveals the number in place, audited."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler

from acuflow.audit.models import AuditEvent
from acuflow.core.browser import BrowserTestCase
from acuflow.patients.identifiers import mask
from acuflow.patients.models import Patient, PatientIdentifier
from acuflow.patients.tests.numbers import valid_number


class SerialStaticFilesHandler(StaticFilesHandler):
    """One request at a time: the live server shares the in-memory SQLite connection."""

    lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        with self.lock:
            return super().__call__(environ, start_response)


@pytest.mark.browser
class DuplicateAndRevealBrowserTests(BrowserTestCase):
    static_handler = SerialStaticFilesHandler

    def test_a_duplicate_is_caught_and_the_existing_records_number_shown_on_request(
        self,
    ) -> None:
        user = self.reception  # type: ignore[attr-defined]
        user.language = "en"
        user.save(update_fields=["language"])
        patient = self.patient  # type: ignore[attr-defined]
        number = valid_number("bsn")
        PatientIdentifier.objects.create(
            clinic=patient.clinic, patient=patient, system="bsn", value=number
        )
        self.login(user.email)
        page = self.page
        page.goto(f"{self.live_server_url}/patients/new/")
        page.fill("#id_given_name", "Anna")
        page.fill("#id_family_name", "Jong")  # the prefix left out
        page.fill("#id_birth_date", "1970-05-17")
        page.select_option("#id_sex", "female")
        page.select_option("#id_language", "nl")
        page.click("main button[type=submit]")

        warning = page.locator("#duplicate-warning")
        warning.wait_for()
        self.assertEqual(Patient.objects.filter(clinic=patient.clinic).count(), 1)
        self.assertEqual(page.locator("main button[type=submit]").inner_text(), "Create anyway")
        warning.locator("a").first.click()
        page.wait_for_url(f"**/patients/{patient.pk}/")

        identifiers = page.locator("#identifiers")
        self.assertIn(mask(number), identifiers.inner_text())
        self.assertNotIn(number, page.content())
        page.click("text=Show in full")
        page.wait_for_selector(f"#identifiers:has-text('{number}')")
        self.assertTrue(
            AuditEvent.objects.filter(
                object_type="patients.identifier.full", patient=patient, user=user
            ).exists()
        )
