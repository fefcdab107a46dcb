from __future__ import annotations

import datetime as dt

from acuflow.assessment.models import Assessment, Referral
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
            {"to": "GP", "reason": "Fall", "date": str(TODAY), "outcome": "cleared"},
            HTTP_HX_REQUEST="true",
        )
        self.assertContains(partial, "Plan a treatment course")
        self.assertEqual(Referral.objects.get().red_flags, ["fracture"])
        a.refresh_from_db()
        self.assertTrue(a.cleared)

    def test_referral_letter_download(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient, red_flags=["infection"])
        client = self.client_for(self.owner)
        client.post(
            f"/assessments/{a.pk}/referrals/",
            {"to": "GP", "reason": "Fever", "date": str(TODAY), "outcome": "referred_out"},
        )
        r = Referral.objects.get()
        response = client.get(f"/assessments/referrals/{r.pk}/letter.pdf")
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
