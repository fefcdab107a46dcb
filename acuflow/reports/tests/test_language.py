"""The recommendation's reason follows the report's (the patient's) language, whatever
language the requesting staff member reads the application in."""

from __future__ import annotations

from django.utils import translation

from acuflow.core.actor import Actor
from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes.tests.factories import make_course, make_session
from acuflow.protocols.services import course_refresh_status
from acuflow.reports.services import report_context
from acuflow.reports.tests.test_pdfs import pdf_text

# before_onset after two sessions (first improvement expected by session 3)
DUTCH_REASON = "Eerste verbetering wordt verwacht bij behandeling 3; tot nu toe 2 behandelingen."
ENGLISH_REASON = "First improvement is expected by session 3; 2 sessions so far."


class ReportReasonLanguageTests(AcuflowTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        actor = Actor(user=cls.owner, clinic=cls.clinic, role="owner", client_address="127.0.0.1")
        cls.course = make_course(actor, cls.patient, baseline_nrs=8)
        make_session(cls.course, days_ago=14, before=8, after=6)
        make_session(cls.course, days_ago=7, before=7, after=5)
        course_refresh_status(course=cls.course)
        # the staff member reads the application in English, the patient is Dutch
        cls.practitioner.language = "en"
        cls.practitioner.save(update_fields=["language"])

    def test_dutch_gp_letter_carries_the_dutch_reason_for_an_english_speaking_user(
        self,
    ) -> None:
        self.assertEqual(self.course.reason, "before_onset")
        response = self.api(
            self.practitioner, "GET", f"/api/v1/courses/{self.course.pk}/reports/gp-letter.pdf"
        )
        self.assertEqual(response.status_code, 200)
        text = " ".join(pdf_text(response.content).split())
        self.assertIn(DUTCH_REASON, text)
        self.assertNotIn(ENGLISH_REASON, text)

    def test_report_context_words_the_reason_in_the_report_language_not_the_active_one(
        self,
    ) -> None:
        with translation.override("en"):
            context = report_context(self.course, kind="gp_letter", language="nl")
            self.assertEqual(context["reason"], DUTCH_REASON)
            self.assertEqual(translation.get_language(), "en")  # restored afterwards

    def test_reason_is_translated_with_every_plural_form_of_each_language(self) -> None:
        # Spanish has three plural forms; a missing one fell back to English.
        for language in ("nl", "nb", "es"):
            for done in (1, 2, 5):
                with self.subTest(language=language, done=done):
                    self.course.sessions_done = done
                    text = self.course.reason_text(language)
                    self.course.sessions_done = 2
                    english = self.course.reason_text("en")
                    self.assertNotEqual(text, english)
                    self.assertNotIn("First improvement", text)

    def test_reason_shows_the_percentage_with_the_languages_decimal_separator(self) -> None:
        self.course.reason, self.course.change_pct = "improving", 62.5
        self.assertIn("62,5 %", self.course.reason_text("nl"))
        self.assertIn("62.5 %", self.course.reason_text("en"))
