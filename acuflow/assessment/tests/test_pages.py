from __future__ import annotations

import datetime as dt

from acuflow.assessment.models import Assessment, Referral
from acuflow.assessment.services import screen_offer_record
from acuflow.assessment.tests.factories import make_assessment
from acuflow.core.testing import AcuflowTestCase


class EnglishPagesTestCase(AcuflowTestCase):
    """Staff pages follow the user's language: these tests read them in English."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for user in (cls.owner, cls.practitioner, cls.ims, cls.reception):
            user.language = "en"
            user.save(update_fields=["language"])


TODAY = dt.date.today()


class IntakePageTests(EnglishPagesTestCase):
    def test_intake_saves_and_leads_to_the_red_flag_screen(self) -> None:
        client = self.client_for(self.ims)
        url = f"/assessments/new/{self.patient.pk}/"
        self.assertContains(client.get(url), "Gunn")
        response = client.post(
            url,
            {
                "complaint": "Burning pain in the leg",
                "condition": "neuropathic_pain",
                "onset_date": str(TODAY - dt.timedelta(days=100)),
                "baseline_nrs": 8,
                "gunn_signs": ["coldness", "trophoedema"],
                "affected_segments": "l4, L5 s1",
            },
        )
        a = Assessment.objects.get()
        self.assertRedirects(response, f"/assessments/{a.pk}/red-flags/")
        self.assertEqual((a.chronicity, a.affected_segments), ("chronic", ["L4", "L5", "S1"]))

    def test_intake_shows_errors_with_the_field(self) -> None:
        page = self.client_for(self.owner).post(
            f"/assessments/new/{self.patient.pk}/",
            {
                "complaint": "x",
                "condition": "acute_low_back_pain",
                "onset_date": str(TODAY + dt.timedelta(days=2)),
                "baseline_nrs": 12,
                "affected_segments": "L9",
            },
        )
        self.assertContains(page, "The onset date cannot be in the future.")
        self.assertContains(page, "Unknown segment: L9.")
        self.assertFalse(Assessment.objects.exists())

    def test_chronicity_preview(self) -> None:
        client = self.client_for(self.owner)
        onset = TODAY - dt.timedelta(days=50)
        self.assertContains(
            client.get("/assessments/chronicity/", {"onset_date": onset}), "Subacute"
        )
        self.assertEqual(client.get("/assessments/chronicity/", {"onset_date": "x"}).content, b"")

    def test_red_flag_screen_and_referral_step_with_htmx(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient)
        client = self.client_for(self.owner)
        page = client.get(f"/assessments/{a.pk}/red-flags/")
        self.assertContains(page, "Saddle anaesthesia?")  # data wording, in the user's language
        self.assertContains(page, "Plan a treatment course")
        partial = client.post(
            f"/assessments/{a.pk}/red-flags/", {"red_flags": ["fracture"]}, HTTP_HX_REQUEST="true"
        )
        self.assertContains(partial, 'id="referral-form"')
        self.assertNotContains(partial, "<html")
        self.assertNotContains(partial, "Plan a treatment course")
        partial = client.post(
            f"/assessments/{a.pk}/referrals/",
            {"to": "GP", "reason": "Fall", "date": str(TODAY), "urgency": "urgent"},
            HTTP_HX_REQUEST="true",
        )
        # pending: the outcome is recorded when the reply comes, not with the referral
        self.assertContains(partial, "Pending")
        self.assertNotContains(partial, "Plan a treatment course")
        referral = Referral.objects.get()
        self.assertEqual((referral.red_flags, referral.outcome), (["fracture"], ""))
        answer = client.post(
            f"/assessments/referrals/{referral.pk}/outcome/",
            {"outcome": "cleared", "note": "X-ray: no fracture"},
        )
        self.assertRedirects(answer, f"/assessments/{a.pk}/red-flags/")
        a.refresh_from_db()
        self.assertTrue(a.cleared)
        self.assertContains(
            client.get(f"/assessments/{a.pk}/red-flags/"), "Plan a treatment course"
        )

    def test_an_unscreened_intake_offers_no_course_and_shows_the_booking_answers(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient, red_flags=None)
        client = self.client_for(self.owner)
        detail = client.get(f"/assessments/{a.pk}/")
        self.assertContains(detail, "Not screened yet")
        self.assertNotContains(detail, 'id="start-course"')
        form = client.get(f"/courses/new/{a.pk}/")
        self.assertContains(form, 'id="not-screened"')
        self.assertNotContains(form, "Plan the course</button>")
        # answers the patient gave when booking online are offered as starting values
        screen_offer_record(
            patient=self.patient,
            red_flags=["malignancy"],
            answers={"night_pain": True},
            source="online_booking",
        )
        screen = client.get(f"/assessments/{a.pk}/red-flags/")
        self.assertContains(screen, 'id="booking-answers"')
        self.assertContains(screen, 'value="malignancy" checked')

    def test_referral_letter_download(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient, red_flags=["infection"])
        client = self.client_for(self.owner)
        client.post(
            f"/assessments/{a.pk}/referrals/",
            {"to": "GP", "reason": "Fever", "date": str(TODAY)},
        )
        r = Referral.objects.get()
        response = client.get(f"/assessments/referrals/{r.pk}/letter.pdf")
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
