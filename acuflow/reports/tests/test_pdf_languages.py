"""The three PDFs in each language: no words of another language's interface, no internal
codes, the clinic's name as written (escaped for HTML, never for JavaScript), and a GP
letter in the GP's or clinic's language without the staff-only consent warning."""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

from acuflow.core.actor import Actor
from acuflow.core.testing import AcuflowTestCase
from acuflow.core.visible_text import problems
from acuflow.outcomes import services as outcome_services
from acuflow.outcomes.tests.factories import make_course, make_session
from acuflow.reports.services import render_pdf
from acuflow.reports.tests.test_pdfs import pdf_text

CLINIC_NAME = 'Acupunctuur & IMS <Centrum> "Oost"'
CONSENT_WARNING = {
    "nl": "toestemming",
    "nb": "samtykke",
    "en": "consent",
    "es": "consentimiento",
}


class PdfLanguageTests(AcuflowTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.clinic.name = CLINIC_NAME
        cls.clinic.save(update_fields=["name"])
        actor = Actor(user=cls.owner, clinic=cls.clinic, role="owner", client_address="127.0.0.1")
        cls.course = make_course(actor, cls.patient, baseline_nrs=8)
        cls.course.assessment.complaint = "—"
        cls.course.assessment.save(update_fields=["complaint"])
        make_session(cls.course, days_ago=14, before=8, after=6)
        make_session(cls.course, days_ago=7, before=6, after=4)
        outcome_services.response_record(
            actor=actor,
            patient=cls.patient,
            instrument="nrs",
            course=cls.course,
            answers={"usual": 3},
        )

    def pdfs(self, language: str) -> dict[str, str]:
        self.patient.language = language
        self.patient.save(update_fields=["language"])
        self.clinic.language = language
        self.clinic.save(update_fields=["language"])
        self.course.refresh_from_db()
        return {
            kind: " ".join(pdf_text(render_pdf(self.course, kind=kind)).split())
            for kind in ("progress", "gp_letter", "discharge")
        }

    def test_each_pdf_in_each_language_has_no_foreign_words_or_codes(self) -> None:
        for language in ("nl", "nb", "en", "es"):
            for kind, text in self.pdfs(language).items():
                with self.subTest(language=language, kind=kind):
                    self.assertEqual(problems(text.replace(CLINIC_NAME, ""), language), [])

    def test_every_page_footer_has_the_clinics_name_as_written(self) -> None:
        for kind, text in self.pdfs("nl").items():
            with self.subTest(kind=kind):
                self.assertIn(CLINIC_NAME, text)
                self.assertNotIn("u0026", text)
                self.assertNotIn("&amp;", text)
                self.assertNotIn("u003C", text)

    def test_the_gp_letter_is_in_the_clinics_language_not_the_patients(self) -> None:
        self.clinic.language = "nl"
        self.clinic.save(update_fields=["language"])
        self.patient.language = "es"
        self.patient.save(update_fields=["language"])
        letter = pdf_text(render_pdf(self.course, kind="gp_letter"))
        self.assertIn("Geachte collega", letter)
        self.assertNotIn("Estimado", letter)
        progress = pdf_text(render_pdf(self.course, kind="progress"))
        self.assertNotIn("Voortgangsverslag", progress)  # the patient's own report: Spanish

    def test_the_gp_letter_never_carries_the_staff_only_consent_warning(self) -> None:
        self.assertFalse(self.patient.consents.filter(kind="gp_letters").exists())
        for language, word in CONSENT_WARNING.items():
            with self.subTest(language=language):
                letter = self.pdfs(language)["gp_letter"]
                self.assertNotIn(word, letter.lower())

    def test_the_gp_letter_is_addressed_to_the_gp_in_the_gps_language(self) -> None:
        # The patient's GP record (name, practice, address, language).
        gp = SimpleNamespace(
            name="Dr. Ola Nordmann",
            practice="Legesenteret Majorstuen",
            address="Kirkeveien 1\n0368 Oslo",
            language="nb",
        )
        with mock.patch("acuflow.reports.services._gp", return_value=gp):
            letter = " ".join(pdf_text(render_pdf(self.course, kind="gp_letter")).split())
        self.assertIn("Dr. Ola Nordmann Legesenteret Majorstuen Kirkeveien 1", letter)
        self.assertIn("Kjære kollega", letter)  # the clinic is Dutch, the GP Norwegian
        self.assertNotIn("Til fastlege eller henviser", letter)

    def test_acuflows_own_words_win_over_djangos_for_the_same_text(self) -> None:
        # django.contrib.sessions also translates "Sessions" ("Økter", "Sessies").
        texts = {"nb": self.pdfs("nb"), "nl": self.pdfs("nl")}
        self.assertIn("Behandlinger", texts["nb"]["progress"])
        self.assertNotIn("Økt", " ".join(texts["nb"].values()))
        self.assertNotIn("Sessies", " ".join(texts["nl"].values()))
