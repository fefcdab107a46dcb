from __future__ import annotations

import datetime as dt
import io

from acuflow.assessment.catalogue import red_flag_codes
from acuflow.assessment.models import Assessment
from acuflow.assessment.tests.factories import make_assessment
from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase

TODAY = dt.date.today()


def intake(**extra):  # type: ignore[no-untyped-def]
    body = {
        "complaint": "Pain low in the back since lifting a box",
        "condition": "acute_low_back_pain",
        "onset_date": str(TODAY - dt.timedelta(days=10)),
        "baseline_nrs": 6,
        "body_regions": ["lower_back"],
        "contributing_factors": ["heavy_lifting", "psychological_stress"],
        "other_care": ["physiotherapy"],
    }
    body.update(extra)
    return body


class AssessmentApiTests(AcuflowTestCase):
    def url(self, patient=None) -> str:  # type: ignore[no-untyped-def]
        return f"/api/v1/patients/{(patient or self.patient).pk}/assessments"

    def test_it_records_an_assessment_with_chronicity_and_red_flags(self) -> None:
        response = self.api(self.practitioner, "POST", self.url(), intake(red_flags=["fracture"]))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(
            (body["chronicity"], body["red_flags"], body["cleared"], body["red_flag_state"]),
            ("acute", ["fracture"], False, "flagged"),
        )
        self.assertEqual((body["icd10"], body["icd11"]), ("M54.5", "ME84.2"))
        assessment = Assessment.objects.get(pk=body["id"])
        self.assertEqual(assessment.practitioner, self.practitioner.practitioner)
        self.assertTrue(
            AuditEvent.objects.filter(
                patient=self.patient, action="create", object_type="assessment.assessment"
            ).exists()
        )

    def test_chronicity_follows_the_onset_date(self) -> None:
        for days, expected in ((41, "acute"), (42, "subacute"), (84, "subacute"), (85, "chronic")):
            body = self.api(
                self.owner,
                "POST",
                self.url(),
                intake(onset_date=str(TODAY - dt.timedelta(days=days)), assessed_on=str(TODAY)),
            ).json()
            self.assertEqual(body["chronicity"], expected, days)

    def test_bad_input_is_422_with_the_field_named(self) -> None:
        cases = {
            "onset_date": intake(onset_date=str(TODAY + dt.timedelta(days=3))),
            "baseline_nrs": intake(baseline_nrs=11),
            "condition": intake(condition="gout"),
            "red_flags": intake(red_flags=["fracture", "alien"]),
            "contributing_factors": intake(contributing_factors=["bad_luck"]),
            "affected_segments": intake(affected_segments=["L9"]),
        }
        for field, body in cases.items():
            answer = self.assertError(
                self.api(self.practitioner, "POST", self.url(), body), 422, "validation_error"
            )
            self.assertIn(field, answer["fields"], answer)
        answer = self.assertError(
            self.api(self.practitioner, "POST", self.url(), intake(baseline_nrs=-1)), 422
        )
        self.assertIn("baseline_nrs", answer["fields"])
        self.assertError(
            self.api(self.practitioner, "POST", self.url(), intake(baseline_nrs="7")), 422
        )
        self.assertError(self.api(self.practitioner, "POST", self.url(), intake(extra=1)), 422)
        self.assertFalse(Assessment.objects.exists())

    def test_onset_after_the_assessment_date_is_refused_by_the_model(self) -> None:
        answer = self.assertError(
            self.api(
                self.practitioner,
                "POST",
                self.url(),
                intake(onset_date=str(TODAY), assessed_on=str(TODAY - dt.timedelta(days=5))),
            ),
            422,
        )
        self.assertIn("onset_date", answer["fields"])

    def test_reception_may_not_record_or_read_assessments(self) -> None:
        self.assertError(self.api(self.reception, "POST", self.url(), intake()), 403, "forbidden")
        a = make_assessment(self.actor(self.owner), self.patient)
        self.assertError(self.api(self.reception, "GET", f"/api/v1/assessments/{a.pk}"), 403)

    def test_another_clinic_gets_404(self) -> None:
        self.assertError(self.api(self.other, "POST", self.url(), intake()), 404, "not_found")
        a = make_assessment(self.actor(self.owner), self.patient)
        self.assertError(self.api(self.other, "GET", f"/api/v1/assessments/{a.pk}"), 404)

    def test_a_referral_is_pending_until_its_outcome_clears_the_assessment(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient, red_flags=["infection"])
        self.assertFalse(a.cleared)
        response = self.api(
            self.owner,
            "POST",
            f"/api/v1/assessments/{a.pk}/referrals",
            {"to": "GP practice", "reason": "Fever", "date": str(TODAY), "urgency": "routine"},
        )
        self.assertEqual(response.status_code, 201, response.content)
        referral = response.json()
        self.assertEqual(
            (referral["red_flags"], referral["state"], referral["outcome"], referral["urgency"]),
            (["infection"], "pending", None, "routine"),
        )
        body = self.api(self.owner, "GET", f"/api/v1/assessments/{a.pk}").json()
        self.assertEqual((body["cleared"], body["red_flag_state"]), (False, "referred"))
        url = f"/api/v1/referrals/{referral['id']}/outcome"
        decided = self.api(self.owner, "POST", url, {"outcome": "cleared", "note": "GP: viral"})
        self.assertEqual(decided.status_code, 200, decided.content)
        self.assertEqual(
            (decided.json()["state"], decided.json()["outcome_note"]), ("cleared", "GP: viral")
        )
        a.refresh_from_db()
        self.assertTrue(a.cleared)
        body = self.api(self.owner, "GET", f"/api/v1/assessments/{a.pk}").json()
        self.assertEqual((body["cleared"], body["red_flag_state"]), (True, "cleared"))
        # the outcome is recorded once
        self.assertError(
            self.api(self.owner, "POST", url, {"outcome": "declined"}), 409, "referral_decided"
        )
        # each step is audited
        self.assertEqual(
            AuditEvent.objects.filter(
                object_type="assessment.referral", object_id=str(referral["id"])
            ).count(),
            2,
        )

    def test_a_declined_referral_leaves_the_flag_unresolved(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient, red_flags=["fracture"])
        referral = self.api(
            self.owner,
            "POST",
            f"/api/v1/assessments/{a.pk}/referrals",
            {"to": "GP", "reason": "Fall", "date": str(TODAY)},
        ).json()
        self.api(
            self.owner,
            "POST",
            f"/api/v1/referrals/{referral['id']}/outcome",
            {"outcome": "declined"},
        )
        body = self.api(self.owner, "GET", f"/api/v1/assessments/{a.pk}").json()
        self.assertEqual(body["red_flag_state"], "flagged")

    def test_referral_bad_input(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient, red_flags=["infection"])
        url = f"/api/v1/assessments/{a.pk}/referrals"
        good = {"to": "GP", "reason": "Fever", "date": str(TODAY)}
        for field, value in (
            ("urgency", "maybe"),
            ("date", str(TODAY + dt.timedelta(days=5))),
            ("date", "0001-01-01"),
            ("outcome", "cleared"),  # the outcome comes later, never with the referral
        ):
            answer = self.assertError(
                self.api(self.owner, "POST", url, {**good, field: value}), 422
            )
            self.assertIn(field, answer["fields"])
        referral = self.api(self.owner, "POST", url, good).json()
        answer = self.assertError(
            self.api(
                self.owner,
                "POST",
                f"/api/v1/referrals/{referral['id']}/outcome",
                {"outcome": "referred_out"},
            ),
            422,
        )
        self.assertIn("outcome", answer["fields"])

    def test_an_intake_without_a_screen_is_not_screened(self) -> None:
        body = self.api(self.practitioner, "POST", self.url(), intake()).json()
        self.assertEqual((body["red_flag_state"], body["cleared"]), ("not_screened", False))
        self.assertIsNone(body["red_flags_screened_at"])
        body = self.api(self.practitioner, "POST", self.url(), intake(red_flags=[])).json()
        self.assertEqual(body["red_flag_state"], "none_found")

    def test_red_flag_screen_updates_the_flags(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient)
        url = f"/api/v1/assessments/{a.pk}/red-flags"
        body = self.api(self.owner, "POST", url, {"red_flags": ["visceral"]}).json()
        self.assertEqual((body["red_flags"], body["cleared"]), (["visceral"], False))
        answer = self.assertError(self.api(self.owner, "POST", url, {"red_flags": ["nope"]}), 422)
        self.assertIn("red_flags", answer["fields"])
        body = self.api(self.owner, "POST", url, {"red_flags": []}).json()
        self.assertEqual((body["cleared"], body["red_flag_state"]), (True, "none_found"))

    def test_red_flag_catalogue_has_staff_and_patient_wording_in_each_language(self) -> None:
        for lang in ("nl", "nb", "en", "es"):
            flags = self.api(self.owner, "GET", "/api/v1/red-flags", {"lang": lang}).json()
            self.assertEqual(
                {f["code"] for f in flags},
                {"cauda_equina", "malignancy", "infection", "fracture", "inflammatory", "visceral"},
            )
            for flag in flags:
                self.assertTrue(flag["questions"])
                for q in flag["questions"]:
                    self.assertTrue(q["staff"] and q["patient"] and q["staff"] != q["patient"])
        self.assertEqual(red_flag_codes(), {f["code"] for f in flags})

    def test_conditions_map_to_icd10_and_icd11(self) -> None:
        conditions = self.api(self.owner, "GET", "/api/v1/conditions").json()
        self.assertEqual(len(conditions), 9)
        for c in conditions:
            self.assertTrue(c["icd10"] and c["icd11"], c)

    def test_referral_letter_is_a_pdf_in_the_clinics_language(self) -> None:
        from pypdf import PdfReader

        a = make_assessment(
            self.actor(self.owner), self.patient, red_flags=["cauda_equina"], findings="Saddle"
        )
        referral = self.api(
            self.owner,
            "POST",
            f"/api/v1/assessments/{a.pk}/referrals",
            {"to": "Huisarts", "reason": "Retention", "date": str(TODAY), "urgency": "emergency"},
        ).json()
        response = self.api(self.owner, "GET", referral["letter_url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
        self.assertIn("Cauda-equinasyndroom", text)  # the clinic (NL) language, data wording
        self.assertIn(self.patient.full_name, text)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="export", object_type="assessment.referral", patient=self.patient
            ).exists()
        )
        self.assertError(self.api(self.other, "GET", referral["letter_url"]), 404)
