from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from acuflow.assessment.catalogue import red_flag_codes, red_flag_label
from acuflow.assessment.services import clinic_today
from acuflow.assessment.tests.factories import make_assessment
from acuflow.audit.models import AuditEvent
from acuflow.core.api.answers import schema_answer
from acuflow.core.testing import AcuflowTestCase, make_staff
from acuflow.protocols import services
from acuflow.protocols.api import CourseOut
from acuflow.protocols.models import Course, PlannedSession, Protocol

TODAY = dt.date.today()


def shipped(condition: str, modality: str) -> Protocol:
    return Protocol.objects.get(clinic=None, condition=condition, modality=modality)


class ProtocolApiTests(AcuflowTestCase):
    def test_shipped_defaults_from_the_domain_notes(self) -> None:
        expected = {
            ("acute_low_back_pain", "acupuncture"): (7, 5, 3, 6),
            ("chronic_low_back_pain", "acupuncture"): (7, 10, 3, 6),
            ("neuropathic_pain", "ims"): (7, 8, 3, 6),
            ("chronic_low_back_pain", "ims"): (7, 8, 3, 6),
        }
        for (condition, modality), numbers in expected.items():
            body = self.api(
                self.practitioner,
                "GET",
                "/api/v1/protocols",
                {"condition": condition, "modality": modality},
            ).json()
            self.assertEqual(body["count"], 1)
            p = body["items"][0]
            self.assertEqual(
                (
                    p["cadence_days"],
                    p["expected_sessions"],
                    p["onset_session"],
                    p["review_session"],
                ),
                numbers,
            )
            self.assertTrue(p["sources"] and all(s["citation"] for s in p["sources"]))
        ims = shipped("neuropathic_pain", "ims")
        self.assertEqual((ims.cadence_max_days, ims.single_session_onset_days), (14, 14))
        self.assertEqual(shipped("chronic_low_back_pain", "acupuncture").lasting_session, 5)
        self.assertEqual(shipped("ms_symptoms", "acupuncture").review_session, 6)

    def test_every_shipped_protocol_has_sources_and_texts_in_four_languages(self) -> None:
        protocols = Protocol.objects.filter(clinic=None)
        self.assertGreaterEqual(protocols.count(), 12)
        for p in protocols:
            self.assertTrue(p.sources, p.key)
            for field in ("name", "home_care", "expectations"):
                self.assertEqual(set(getattr(p, field)), {"nl", "nb", "en", "es"}, (p.key, field))

    def test_unknown_filter_values_are_422_with_the_field_named(self) -> None:
        for field in ("condition", "modality"):
            answer = self.assertError(
                self.api(self.owner, "GET", "/api/v1/protocols", {field: "bogus"}), 422
            )
            self.assertIn(field, answer["fields"])

    def test_owner_copies_and_edits_a_protocol_others_do_not_see_it(self) -> None:
        original = shipped("acute_low_back_pain", "acupuncture")
        response = self.api(self.owner, "POST", f"/api/v1/protocols/{original.pk}/copy")
        self.assertEqual(response.status_code, 201, response.content)
        copy_id = response.json()["id"]
        self.assertFalse(response.json()["shipped"])
        body = self.api(
            self.owner, "PATCH", f"/api/v1/protocols/{copy_id}", {"expected_sessions": 6}
        ).json()
        self.assertEqual(body["expected_sessions"], 6)
        self.assertEqual(
            shipped("acute_low_back_pain", "acupuncture").expected_sessions, 5
        )  # original untouched
        self.assertError(
            self.api(self.owner, "PATCH", f"/api/v1/protocols/{original.pk}", {"notes": "x"}),
            409,
            "shipped_protocol",
        )
        answer = self.assertError(
            self.api(self.owner, "PATCH", f"/api/v1/protocols/{copy_id}", {"max_sessions": 2}),
            422,
        )
        self.assertIn("max_sessions", answer["fields"])
        self.assertError(
            self.api(self.practitioner, "POST", f"/api/v1/protocols/{original.pk}/copy"), 403
        )
        self.assertError(self.api(self.other, "GET", f"/api/v1/protocols/{copy_id}"), 404)
        other_list = self.api(self.other, "GET", "/api/v1/protocols").json()
        self.assertNotIn(copy_id, [p["id"] for p in other_list["items"]])


class CourseApiTests(AcuflowTestCase):
    def setUp(self) -> None:
        self.acu = shipped("chronic_low_back_pain", "acupuncture")
        self.ims_protocol = shipped("chronic_low_back_pain", "ims")
        self.assessment = make_assessment(self.actor(self.owner), self.patient)

    def start(self, user, **extra):  # type: ignore[no-untyped-def]
        body = {"assessment": self.assessment.pk, "protocol": self.acu.pk, **extra}
        return self.api(user, "POST", "/api/v1/courses", body)

    def test_it_plans_expected_sessions_at_the_cadence(self) -> None:
        start = TODAY + dt.timedelta(days=2)
        response = self.start(self.practitioner, start_date=str(start))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["practitioner"], self.practitioner.practitioner.pk)
        self.assertEqual(
            [p["date"] for p in body["planned_sessions"]],
            [str(start + dt.timedelta(days=7 * i)) for i in range(10)],
        )
        self.assertEqual(
            (body["status"]["sessions_done"], body["status"]["recommendation"]), (0, "continue")
        )
        self.assertEqual(body["status"]["baseline_nrs"], 7)
        course = Course.objects.get(pk=body["id"])
        self.assertEqual(course.planned_dates()[0], start)

    def test_start_date_defaults_to_today(self) -> None:
        # The clinic's today, not the server's: they differ for hours around midnight.
        actor = self.actor(self.owner)
        before = clinic_today(actor)
        body = self.start(self.owner).json()
        self.assertIn(body["start_date"], {str(before), str(clinic_today(actor))})

    def test_each_red_flag_blocks_a_course_until_a_referral_clears_it(self) -> None:
        for code in sorted(red_flag_codes()):
            a = make_assessment(self.actor(self.owner), self.patient, red_flags=[code])
            answer = self.assertError(
                self.start(self.owner, assessment=a.pk), 409, "red_flags_unresolved"
            )
            self.assertIn(red_flag_label(code), answer["detail"])
            referral = self.api(
                self.owner,
                "POST",
                f"/api/v1/assessments/{a.pk}/referrals",
                {"to": "GP", "reason": code, "date": str(TODAY)},
            ).json()
            self.assertEqual(referral["state"], "pending")
            # pending: still no course
            self.assertError(self.start(self.owner, assessment=a.pk), 409, "red_flags_unresolved")
            decided = self.api(
                self.owner,
                "POST",
                f"/api/v1/referrals/{referral['id']}/outcome",
                {"outcome": "cleared", "note": "GP: no contra-indication"},
            )
            self.assertEqual(decided.json()["state"], "cleared")
            self.assertEqual(self.start(self.owner, assessment=a.pk).status_code, 201, code)

    def test_an_unscreened_assessment_starts_no_course(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient, red_flags=None)
        self.assertEqual(
            self.api(self.owner, "GET", f"/api/v1/assessments/{a.pk}").json()["red_flag_state"],
            "not_screened",
        )
        self.assertError(self.start(self.owner, assessment=a.pk), 409, "red_flags_not_screened")
        self.api(self.owner, "POST", f"/api/v1/assessments/{a.pk}/red-flags", {"red_flags": []})
        self.assertEqual(self.start(self.owner, assessment=a.pk).status_code, 201)

    def test_a_patient_referred_out_gets_no_course(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient, red_flags=["malignancy"])
        referral = self.api(
            self.owner,
            "POST",
            f"/api/v1/assessments/{a.pk}/referrals",
            {"to": "Oncology", "reason": "History", "date": str(TODAY)},
        ).json()
        self.api(
            self.owner,
            "POST",
            f"/api/v1/referrals/{referral['id']}/outcome",
            {"outcome": "treated_elsewhere"},
        )
        self.assertError(self.start(self.owner, assessment=a.pk), 409, "red_flags_unresolved")
        self.assertFalse(Course.objects.exists())

    def test_ims_course_is_refused_for_a_practitioner_without_ims(self) -> None:
        answer = self.assertError(
            self.start(self.practitioner, protocol=self.ims_protocol.pk),
            403,
            "practitioner_not_qualified",
        )
        self.assertIn("ims", answer["detail"])
        # the owner names an unqualified practitioner: also refused
        self.assertError(
            self.start(
                self.owner,
                protocol=self.ims_protocol.pk,
                practitioner=self.practitioner.practitioner.pk,
            ),
            403,
            "practitioner_not_qualified",
        )
        self.assertEqual(self.start(self.ims, protocol=self.ims_protocol.pk).status_code, 201)
        self.assertEqual(Course.objects.count(), 1)

    def test_an_expired_registration_blocks_new_courses(self) -> None:
        expired = make_staff(
            self.clinic,
            "expired@nl.example",
            "practitioner",
            modalities=["acupuncture"],
            registration_expires=TODAY - dt.timedelta(days=1),
        )
        answer = self.assertError(self.start(expired), 403, "registration_expired")
        self.assertIn("expired", answer["detail"])
        self.assertError(
            self.start(self.owner, practitioner=expired.practitioner.pk),
            403,
            "registration_expired",
        )
        self.assertFalse(Course.objects.exists())
        self.assertFalse(PlannedSession.objects.exists())

    def test_reception_must_name_nothing_it_gets_403(self) -> None:
        self.assertError(self.start(self.reception), 403)

    def test_unknown_or_foreign_ids_are_422_with_the_field_named(self) -> None:
        foreign = make_assessment(self.actor(self.other), self.other_patient)
        for field, value in (
            ("assessment", foreign.pk),
            ("protocol", 999999),
            ("practitioner", self.other.practitioner.pk),
        ):
            answer = self.assertError(self.start(self.owner, **{field: value}), 422)
            self.assertIn(field, answer["fields"])
        answer = self.assertError(self.start(self.owner, start_date="2026-13-01"), 422)
        self.assertIn("start_date", answer["fields"])

    def test_course_of_another_clinic_is_404(self) -> None:
        course_id = self.start(self.owner).json()["id"]
        self.assertError(self.api(self.other, "GET", f"/api/v1/courses/{course_id}"), 404)
        self.assertError(self.api(self.reception, "GET", f"/api/v1/courses/{course_id}"), 403)
        self.assertEqual(
            self.api(self.owner, "GET", f"/api/v1/courses/{course_id}").status_code, 200
        )
        self.assertTrue(
            AuditEvent.objects.filter(
                action="read", object_type="protocols.course", object_id=str(course_id)
            ).exists()
        )

    def test_the_status_follows_what_charting_and_outcomes_report(self) -> None:
        course = Course.objects.get(pk=self.start(self.owner).json()["id"])
        t = timezone.now() - dt.timedelta(days=40)
        reported = [
            ("session", t, 7),
            ("session", t + dt.timedelta(days=7), None),
            ("session", t + dt.timedelta(days=14), 6),
            ("session", t + dt.timedelta(days=21), None),
            ("session", t + dt.timedelta(days=28), None),
            ("questionnaire", t + dt.timedelta(days=29), 5),
            ("session", t + dt.timedelta(days=35), None),
        ]
        for ref, (source, at, nrs) in enumerate(reported, start=1):
            with transaction.atomic():
                services.course_lock_open(course)
                services.course_observation_recorded(
                    course=course, at=at, nrs=nrs, source=source, ref=ref
                )
        course.refresh_from_db()
        # baseline 7 (the assessment) -> 5 from the questionnaire: 28.6 %, 2 points
        self.assertEqual(
            (course.sessions_done, course.latest_nrs, course.response),
            (6, 5, "minimal"),
        )
        # at the review session (6) a minimal response is discussed, not stopped
        self.assertEqual((course.recommendation, course.reason), ("review", "minimal_at_review"))
        body = self.api(self.owner, "GET", f"/api/v1/courses/{course.pk}").json()["status"]
        self.assertEqual((body["change_pct"], body["change_points"]), (28.6, 2))
        self.assertFalse(body["latest_nrs_stale"])
        self.assertIn("Dworkin", self.api(self.owner, "GET", "/api/v1/outcome-thresholds").text)
        self.assertTrue(body["reason_text"] and body["patient_text"] and body["source"])
        self.assertIn("experience", body["source"])  # the stop rule is a clinic's claim

    def test_course_answer_is_the_schema_answer_byte_for_byte(self) -> None:
        # GET /courses/<id> is rendered without ninja's validation (core.api.answers):
        # its bytes must be what validating against CourseOut would give.
        course = Course.objects.get(pk=self.start(self.owner).json()["id"])
        t = timezone.now() - dt.timedelta(days=20, microseconds=123456)
        for ref, (at, nrs) in enumerate([(t, 7), (t + dt.timedelta(days=7), 5)], start=1):
            with transaction.atomic():
                services.course_lock_open(course)
                services.course_observation_recorded(
                    course=course, at=at, nrs=nrs, source="session", ref=ref
                )
        response = self.api(self.owner, "GET", f"/api/v1/courses/{course.pk}")
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        answer = response.json()
        self.assertEqual(len(answer["planned_sessions"]), 10)
        self.assertIsInstance(answer["status"]["change_pct"], float)
        self.assertEqual(response.content.decode(), schema_answer(CourseOut, answer))

    def test_course_endpoint_has_a_constant_query_count(self) -> None:
        course_id = self.start(self.owner).json()["id"]

        def make_rows(n: int) -> None:
            last = PlannedSession.objects.filter(course_id=course_id).order_by("-number").first()
            assert last is not None
            PlannedSession.objects.bulk_create(
                PlannedSession(course_id=course_id, number=last.number + i + 1, date=TODAY)
                for i in range(n)
            )

        self.assertConstantQueries(
            make_rows, lambda: self.api(self.owner, "GET", f"/api/v1/courses/{course_id}")
        )

    def test_patient_course_list_has_a_constant_query_count(self) -> None:
        url = f"/api/v1/patients/{self.patient.pk}/courses"

        def make_rows(n: int) -> None:
            for _ in range(n):
                services.course_create(
                    actor=self.actor(self.owner), assessment=self.assessment, protocol=self.acu
                )

        self.assertConstantQueries(make_rows, lambda: self.api(self.owner, "GET", url))
        self.assertEqual(self.api(self.owner, "GET", url).json()["count"], 50)
