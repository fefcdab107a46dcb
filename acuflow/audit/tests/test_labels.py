from __future__ import annotations

from django.test import SimpleTestCase
from django.utils import translation

from acuflow.audit.labels import channel_label, object_label


class AuditLabelTests(SimpleTestCase):
    def test_object_types_are_shown_by_name_in_the_readers_language(self) -> None:
        with translation.override("nl"):
            self.assertEqual(object_label("reports.gp_letter"), "Brief aan huisarts of verwijzer")
            self.assertNotIn(".", object_label("assessment.assessment"))
            self.assertNotIn("_", object_label("scheduling.course_booking"))
            self.assertEqual(channel_label("portal"), "patiëntenportaal")

    def test_an_unknown_type_shows_words_not_a_code(self) -> None:
        self.assertEqual(object_label("billing.invoice_line"), "Invoice line")
