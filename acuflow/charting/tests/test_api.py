from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import SimpleTestCase
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from acuflow.audit.models import AuditEvent, SecurityEvent
from acuflow.charting import selectors, services
from acuflow.charting.models import Session, SessionDraft
from acuflow.charting.schemas import SessionList
from acuflow.charting.tests.factories import at, make_course, session_body
from acuflow.core.api.answers import instant, schema_answer
from acuflow.core.testing import (
    AcuflowTestCase,
    make_patient,
    make_staff,
    new_york_day_boundary,
)
from acuflow.protocols import services as protocol_services
from acuflow.protocols.models import Course, CourseObservation


class PointsApiTests(AcuflowTestCase):
    def test_points_search_answers_the_issue_fields(self) -> None:
        body = self.api(self.practitioner, "GET", "/api/v1/points", {"q": "ub 40"}).json()
        self.assertEqual(body["count"], 1)
        item = body["items"][0]
        self.assertEqual(item["code"], "BL40")
        self.assertEqual(item["meridian"], "BL")
        self.assertEqual(item["pinyin"], "Weizhong")
        self.assertEqual(item["regions"], ["knee"])
        for field in ("english", "cautions"):
            self.assertIn(field, item)

    def test_meridian_filter_and_limit_up_to_500(self) -> None:
        body = self.api(self.practitioner, "GET", "/api/v1/points", {"meridian": "UB", "limit": 10})
        self.assertEqual(body.json()["count"], 67)
        self.assertEqual(len(body.json()["items"]), 10)
        everything = self.api(self.practitioner, "GET", "/api/v1/points", {"limit": 500}).json()
        self.assertEqual(len(everything["items"]), everything["count"])
        self.assertError(self.api(self.practitioner, "GET", "/api/v1/points", {"limit": 1001}), 422)
        self.assertError(
            self.api(self.practitioner, "GET", "/api/v1/points", {"meridian": "XX"}),
            422,
            "validation_error",
        )

    def test_cautions_come_with_their_source(self) -> None:
        item = self.api(self.practitioner, "GET", "/api/v1/points", {"q": "LI4"}).json()["items"][0]
        self.assertEqual([c["key"] for c in item["cautions"]], ["pregnancy"])
        self.assertTrue(item["cautions"][0]["sources"])

    def test_points_need_a_signed_in_user(self) -> None:
        self.assertError(self.api(None, "GET", "/api/v1/points"), 401)


class SessionApiTests(AcuflowTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        owner = cls.actor(cls, cls.owner)  # type: ignore[arg-type]
        cls.course = make_course(owner, cls.patient)
        ims_actor = cls.actor(cls, cls.ims)  # type: ignore[arg-type]
        cls.ims_course = make_course(ims_actor, cls.patient, modality="ims")

    def url(self, course: Course | None = None) -> str:
        return f"/api/v1/courses/{(course or self.course).pk}/sessions"

    def test_registration_is_checked_on_the_clinics_day_not_the_servers(self) -> None:
        # A registration valid through the clinic's today may chart.
        from unittest import mock

        instant = new_york_day_boundary(self.clinic, self.owner.practitioner)
        Course.objects.filter(pk=self.course.pk).update(start_date=dt.date(2026, 3, 1))
        self.course.refresh_from_db()
        with mock.patch("django.utils.timezone.now", return_value=instant):
            response = self.api(
                self.owner, "POST", self.url(), session_body(started_at=instant.isoformat())
            )
        self.assertEqual(response.status_code, 201, response.content)

    def test_a_charted_session_is_created_and_audited(self) -> None:
        response = self.api(self.owner, "POST", self.url(), session_body())
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["course_id"], self.course.pk)
        self.assertEqual(body["patient_id"], self.patient.pk)
        self.assertEqual(
            body["sites"],
            [
                {"point": "BL40", "side": "both"},
                {"point": "BL23", "side": "both"},
                {"point": "GV4", "side": "none"},  # midline default
            ],
        )
        session = Session.objects.get(pk=body["id"])
        self.assertEqual(session.practitioner, self.owner.practitioner)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="create", object_type="charting.session", object_id=str(session.pk)
            ).exists()
        )

    def test_code_spellings_are_stored_as_catalogue_codes(self) -> None:
        body = session_body(
            sites=[{"point": "ub 40", "side": "left"}, {"point": "Large Intestine 4"}],
            needles_in=3,
            needles_out=3,
        )
        response = self.api(self.owner, "POST", self.url(), body)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual([s["point"] for s in response.json()["sites"]], ["BL40", "LI4"])

    def test_unknown_point_codes_are_422_and_nothing_is_written(self) -> None:
        body = session_body(sites=[{"point": "BL68", "side": "left"}, {"point": "XX1"}])
        error = self.assertError(
            self.api(self.owner, "POST", self.url(), body), 422, "unknown_point"
        )
        self.assertIn("BL68", error["detail"])
        self.assertIn("XX1", error["detail"])
        self.assertFalse(Session.objects.exists())
        home = session_body(home_care=[{"point": "LI99"}])
        self.assertError(self.api(self.owner, "POST", self.url(), home), 422, "unknown_point")

    def test_nrs_outside_0_to_10_is_422(self) -> None:
        for field, value in (("nrs_before", 11), ("nrs_after", -1), ("nrs_before", "high")):
            with self.subTest(field=field, value=value):
                body = session_body(**{field: value})
                self.assertError(self.api(self.owner, "POST", self.url(), body), 422)
        self.assertFalse(Session.objects.exists())

    def test_the_service_refuses_nrs_outside_0_to_10_without_asking_the_database(self) -> None:
        # The check constraints are checked in Python (full_clean would send a query per
        # constraint); the answer is still a ValidationError naming the field.
        for field, value in (("nrs_before", 11), ("nrs_after", 12)):
            with (
                self.subTest(field=field),
                self.count_queries() as queries,
                self.assertRaises(ValidationError) as caught,
            ):
                services.session_create(
                    actor=self.actor(self.owner),
                    course=self.course,
                    started_at=dt.datetime.now(dt.UTC),
                    sites=[{"point": "BL40"}],
                    needles_in=2,
                    needles_out=2,
                    unbooked_reason="walk-in",
                    **{field: value},
                )
            self.assertEqual(list(caught.exception.message_dict), [field])
            self.assertFalse([q for q in queries.captured_queries if '"_check"' in q["sql"]])
        self.assertFalse(Session.objects.exists())

    def test_needle_counts_that_differ_need_a_note(self) -> None:
        body = session_body(needles_in=6, needles_out=5)
        self.assertError(
            self.api(self.owner, "POST", self.url(), body), 422, "needle_count_mismatch"
        )
        self.assertFalse(Session.objects.exists())
        body["needle_discrepancy_note"] = "One needle found on the couch and disposed of."
        self.assertEqual(self.api(self.owner, "POST", self.url(), body).status_code, 201)

    def test_ims_sites_need_an_ims_qualified_practitioner(self) -> None:
        body = session_body(
            sites=[
                {"ims_segment": "L5", "side": "left", "muscle": "multifidus"},
                {
                    "ims_segment": "l5",
                    "side": "left",
                    "muscle": "gluteus_medius",
                    "response": "twitch",
                },
            ],
            needles_in=2,
            needles_out=2,
        )
        self.assertError(
            self.api(self.practitioner, "POST", self.url(self.ims_course), body),
            403,
            "practitioner_not_qualified",
        )
        response = self.api(self.ims, "POST", self.url(self.ims_course), body)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["sites"][1]["ims_segment"], "L5")
        self.assertEqual(response.json()["sites"][1]["response"], "twitch")

    def test_an_ims_muscle_must_belong_to_its_segment(self) -> None:
        body = session_body(
            sites=[{"ims_segment": "L5", "side": "left", "muscle": "deltoid"}],
            needles_in=1,
            needles_out=1,
        )
        self.assertError(self.api(self.ims, "POST", self.url(self.ims_course), body), 422)
        body["sites"] = [{"ims_segment": "L6", "side": "left"}]
        self.assertError(self.api(self.ims, "POST", self.url(self.ims_course), body), 422)

    def test_an_expired_registration_blocks_new_sessions(self) -> None:
        expired = make_staff(
            self.clinic,
            "expired@nl.example",
            "practitioner",
            modalities=["acupuncture"],
            registration_expires=dt.date.today() - dt.timedelta(days=1),
        )
        error = self.assertError(
            self.api(expired, "POST", self.url(), session_body()), 403, "registration_expired"
        )
        self.assertIn("expired", error["detail"])

    def test_no_such_course_is_404(self) -> None:
        # Also beyond the id column: nobody, not a database error.
        for course_id in (0, 10**9, 2**63, 10**30):
            r = self.api(
                self.owner, "POST", f"/api/v1/courses/{course_id}/sessions", session_body()
            )
            self.assertError(r, 404, "not_found")
        self.assertFalse(Session.objects.exists())

    def test_reception_may_not_chart_or_read_sessions(self) -> None:
        self.assertError(self.api(self.reception, "POST", self.url(), session_body()), 403)
        self.assertError(
            self.api(self.reception, "GET", f"/api/v1/patients/{self.patient.pk}/sessions"), 403
        )

    def test_another_clinic_gets_404(self) -> None:
        self.assertError(self.api(self.other, "POST", self.url(), session_body()), 404, "not_found")
        refused = SecurityEvent.objects.get(target_type="protocols.course")
        self.assertEqual(refused.patient_id, self.patient.pk)  # the patient aimed at
        self.assertEqual(refused.target_id, str(self.course.pk))
        self.assertError(
            self.api(self.other, "GET", f"/api/v1/patients/{self.patient.pk}/sessions"), 404
        )

    def test_adverse_events_are_coded_with_severity_and_action(self) -> None:
        body = session_body(
            adverse_events=[
                {"code": "bruising", "severity": "mild", "action_taken": "Pressure, ice."}
            ]
        )
        response = self.api(self.owner, "POST", self.url(), body)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["adverse_events"][0]["code"], "bruising")
        body["adverse_events"] = [{"code": "fell_asleep", "severity": "mild"}]
        self.assertError(self.api(self.owner, "POST", self.url(), body), 422)
        body["adverse_events"] = [{"code": "pain"}]
        self.assertError(self.api(self.owner, "POST", self.url(), body), 422)

    def test_electro_stimulation_needs_a_frequency(self) -> None:
        body = session_body(stimulation="electro")
        self.assertError(self.api(self.owner, "POST", self.url(), body), 422)
        body["electro_frequency_hz"] = 2
        self.assertEqual(self.api(self.owner, "POST", self.url(), body).status_code, 201)

    def test_warnings_for_pregnancy_and_thorax_points(self) -> None:
        body = session_body(
            sites=[{"point": "LI4"}, {"point": "BL13"}, {"point": "ST36"}],
            needles_in=6,
            needles_out=6,
            pregnant=True,
        )
        warnings = self.api(self.owner, "POST", self.url(), body).json()["warnings"]
        self.assertEqual(
            {(w["point"], w["caution"]) for w in warnings},
            {("LI4", "pregnancy"), ("BL13", "pneumothorax")},
        )
        body["pregnant"] = False
        warnings = self.api(self.owner, "POST", self.url(), body).json()["warnings"]
        self.assertEqual({w["point"] for w in warnings}, {"BL13"})

    def test_unknown_fields_and_naive_times_are_422(self) -> None:
        self.assertError(self.api(self.owner, "POST", self.url(), session_body(colour="red")), 422)
        naive = session_body(started_at="2025-03-01T09:30:00")
        self.assertError(self.api(self.owner, "POST", self.url(), naive), 422)

    def test_sessions_of_a_patient_newest_first_and_paged(self) -> None:
        for days in (10, 3, 7):
            body = session_body(started_at=at(days))
            self.assertEqual(self.api(self.owner, "POST", self.url(), body).status_code, 201)
        url = f"/api/v1/patients/{self.patient.pk}/sessions"
        body = self.api(self.practitioner, "GET", url).json()
        self.assertEqual(body["count"], 3)
        times = [item["started_at"] for item in body["items"]]
        self.assertEqual(times, sorted(times, reverse=True))
        page = self.api(self.practitioner, "GET", url, {"limit": 1, "offset": 1}).json()
        self.assertEqual(page["items"][0]["started_at"], times[1])
        self.assertEqual(page["count"], 3)
        # Past the end: no rows, the total still counted; another patient's: none.
        past = self.api(self.practitioner, "GET", url, {"offset": 7}).json()
        self.assertEqual(past, {"items": [], "count": 3})
        other = make_patient(self.clinic, "Nog", "Niemand")
        empty = f"/api/v1/patients/{other.pk}/sessions"
        self.assertEqual(
            self.api(self.practitioner, "GET", empty).json(), {"items": [], "count": 0}
        )

    def test_the_list_answers_each_session_as_its_own_endpoint_does(self) -> None:
        # The list reads columns (values()), one session a model: the same answer.
        first = session_body(started_at=at(3), sites=[{"point": "LI4"}, {"point": "BL40"}])
        second = session_body(started_at=at(2), sites=[{"point": "LI4"}, {"point": "BL40"}])
        third = session_body(started_at=at(1), pregnant=True, needles_in=2, needles_out=2)
        third["sites"] = [{"point": "LI4"}, {"point": "SP6"}]
        for body in (first, second, third):
            self.assertEqual(self.api(self.owner, "POST", self.url(), body).status_code, 201)
        url = f"/api/v1/patients/{self.patient.pk}/sessions"
        items = self.api(self.practitioner, "GET", url).json()["items"]
        self.assertEqual(len(items), 3)
        for item in items:
            one = self.api(self.practitioner, "GET", f"/api/v1/sessions/{item['id']}").json()
            self.assertEqual(item, one)
        self.assertEqual({w["point"] for w in items[0]["warnings"]}, {"LI4", "SP6"})
        self.assertEqual(items[0]["practitioner"], self.owner.full_name)

    def test_the_list_answer_is_the_schema_answer_byte_for_byte(self) -> None:
        # The list is rendered without ninja's validation (core.api.answers): its bytes
        # must be what validating against SessionList would give, for every field type.
        sessions = [
            session_body(started_at=at(3), sites=[{"point": "LI4"}, {"point": "BL13"}]),
            session_body(
                started_at=at(2),
                pregnant=True,
                stimulation="electro",
                electro_frequency_hz=2,
                subjective='Pijn én stijfheid – æøå "quoted"\nline',
                adverse_events=[{"code": "bruising", "severity": "mild", "note": "bl\u00e5"}],
            ),
            session_body(started_at=at(1), appointment_id=None),
        ]
        for body in sessions:
            response = self.api(self.owner, "POST", self.url(), body)
            self.assertEqual(response.status_code, 201, response.content)
        # JSON carries instants to the millisecond (ninja's encoder), so an instant with
        # fewer than 1,000 microseconds reads back as another one: whole milliseconds
        # here; the encoding itself is compared in test_instant_is_what_ninja_writes.
        for pk, started_at in Session.objects.filter(patient=self.patient).values_list(
            "pk", "started_at"
        ):
            Session.objects.filter(pk=pk).update(
                started_at=started_at.replace(microsecond=started_at.microsecond // 1000 * 1000),
                created_at=dt.datetime(2026, 3, 1, 9, 30, 15, 123000, tzinfo=dt.UTC),
            )
        url = f"/api/v1/patients/{self.patient.pk}/sessions"
        response = self.api(self.practitioner, "GET", url)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        body = response.json()
        self.assertEqual(body["count"], 3)
        self.assertTrue(any(item["warnings"] for item in body["items"]))
        self.assertEqual(response.content.decode(), schema_answer(SessionList, body))

    def test_a_thousand_sessions_in_one_request_and_no_more(self) -> None:
        url = f"/api/v1/patients/{self.patient.pk}/sessions"
        self.assertEqual(self.api(self.practitioner, "GET", url, {"limit": 1000}).status_code, 200)
        self.assertError(self.api(self.practitioner, "GET", url, {"limit": 1001}), 422)

    def test_sessions_list_has_a_constant_query_count(self) -> None:
        url = f"/api/v1/patients/{self.patient.pk}/sessions"
        owner = self.actor(self.owner)

        def make_rows(n: int) -> None:
            from acuflow.charting import services

            for _i in range(n):
                services.session_create(
                    unbooked_reason="walk-in",
                    actor=owner,
                    course=self.course,
                    started_at=dt.datetime.now(dt.UTC),
                    sites=[{"point": "BL40"}],
                    needles_in=2,
                    needles_out=2,
                )

        self.assertConstantQueries(
            make_rows, lambda: self.api(self.practitioner, "GET", url, {"limit": 500})
        )

    def test_the_course_status_follows_the_sessions(self) -> None:
        self.assertEqual(self.course.sessions_done, 0)
        for days, nrs in ((21, 6), (14, 5), (7, 3)):
            body = session_body(started_at=at(days), nrs_before=nrs)
            self.assertEqual(self.api(self.owner, "POST", self.url(), body).status_code, 201)
        course = Course.objects.get(pk=self.course.pk)
        self.assertEqual(course.sessions_done, 3)
        self.assertEqual(course.latest_nrs, 3)
        self.assertIsNotNone(course.status_updated_at)
        reported = CourseObservation.objects.filter(course=course).order_by("at")
        self.assertEqual([(o.source, o.nrs) for o in reported], [("session", n) for n in (6, 5, 3)])

    def test_sessions_charted_out_of_order_give_the_status_of_the_stored_rows(self) -> None:
        """Each save recomputes the course status (protocols.services): sessions charted
        late, and two at the same moment, must leave what a recomputation from the
        stored rows gives, the later of the two as the latest score."""
        same = at(3)
        for started_at, nrs in ((at(7), 3), (at(21), 6), (at(14), 5), (same, 4), (same, 2)):
            body = session_body(started_at=started_at, nrs_before=nrs)
            self.assertEqual(self.api(self.owner, "POST", self.url(), body).status_code, 201)
            saved = Course.objects.get(pk=self.course.pk)
            fresh = Course.objects.select_related("patient").get(pk=self.course.pk)
            with transaction.atomic():
                protocol_services.course_refresh_status(course=fresh)
            self.assertEqual(
                [getattr(saved, f) for f in protocol_services.STATUS_FIELDS[:-1]],
                [getattr(fresh, f) for f in protocol_services.STATUS_FIELDS[:-1]],
            )
        self.assertEqual((saved.sessions_done, saved.latest_nrs), (5, 2))

    def test_a_refused_session_leaves_the_course_status_alone(self) -> None:
        self.api(self.owner, "POST", self.url(), session_body(needles_in=4, needles_out=3))
        self.assertEqual(Course.objects.get(pk=self.course.pk).sessions_done, 0)

    def test_saving_a_session_removes_the_draft(self) -> None:
        SessionDraft.objects.create(course=self.course, user=self.owner, data={"sites": []})
        SessionDraft.objects.create(course=self.course, user=self.practitioner, data={})
        self.api(self.owner, "POST", self.url(), session_body())
        # The saver's draft of this course goes; another user's stays.
        self.assertEqual(
            list(SessionDraft.objects.values_list("user", flat=True)), [self.practitioner.pk]
        )

    def test_a_save_without_a_draft_deletes_nothing(self) -> None:
        # The course read says whether the saver has a draft: no DELETE when not.
        SessionDraft.objects.create(course=self.course, user=self.practitioner, data={})
        self.api(self.owner, "POST", self.url(), session_body(started_at=at(2)))
        with self.count_queries() as saved:
            r = self.api(self.owner, "POST", self.url(), session_body(started_at=at(1)))
        self.assertEqual(r.status_code, 201, r.content)
        statements = [q["sql"] for q in saved.captured_queries]
        self.assertFalse([s for s in statements if s.startswith("DELETE")], statements)
        self.assertEqual(SessionDraft.objects.count(), 1)

    def test_home_care_is_readable_for_the_portal(self) -> None:
        self.api(self.owner, "POST", self.url(), session_body(started_at=at(7)))
        latest = session_body(
            started_at=at(1),
            home_care=[
                {
                    "point": "li 4",
                    "duration_minutes": 3,
                    "frequency": "three times a day",
                    "instructions": "Press firmly, then release.",
                },
                {"point": "ST36", "location": "below the knee, outside the shin"},
            ],
        )
        self.api(self.owner, "POST", self.url(), latest)
        items = selectors.home_care_for_patient(self.patient)
        self.assertEqual([i["point"] for i in items], ["LI4", "ST36"])
        li4 = items[0]
        self.assertEqual(li4["duration_minutes"], 3)
        self.assertEqual(li4["frequency"], "three times a day")
        self.assertEqual(li4["location"], "hand")  # plain words in the patient's language (nl)
        self.assertEqual(items[1]["location"], "below the knee, outside the shin")


class RedFlagDuringCourseTests(AcuflowTestCase):
    def test_a_flag_found_during_a_course_pauses_charting_until_a_referral_clears_it(
        self,
    ) -> None:
        course = make_course(self.actor(self.owner), self.patient)
        url = f"/api/v1/courses/{course.pk}/sessions"
        self.assertEqual(self.api(self.owner, "POST", url, session_body()).status_code, 201)
        flags = f"/api/v1/assessments/{course.assessment_id}/red-flags"
        self.api(self.owner, "POST", flags, {"red_flags": ["infection"]})
        refused = self.assertError(
            self.api(self.owner, "POST", url, session_body(started_at=at(0))),
            409,
            "red_flags_unresolved",
        )
        self.assertIn("infection", refused["detail"].lower())
        body = self.api(self.owner, "GET", f"/api/v1/courses/{course.pk}").json()
        self.assertEqual(body["status"]["sessions_done"], 1)
        referral = self.api(
            self.owner,
            "POST",
            f"/api/v1/assessments/{course.assessment_id}/referrals",
            {"to": "GP", "reason": "Fever", "date": str(timezone.localdate())},
        ).json()
        # pending: still paused
        self.assertError(
            self.api(self.owner, "POST", url, session_body(started_at=at(0))),
            409,
            "red_flags_unresolved",
        )
        self.api(
            self.owner,
            "POST",
            f"/api/v1/referrals/{referral['id']}/outcome",
            {"outcome": "cleared", "note": "viral, no contra-indication"},
        )
        self.assertEqual(
            self.api(self.owner, "POST", url, session_body(started_at=at(0))).status_code, 201
        )


class InstantTests(SimpleTestCase):
    def test_instant_is_what_ninja_writes(self) -> None:
        for microsecond in (0, 1, 120, 999, 1000, 123456, 999999):
            for zone in (dt.UTC, ZoneInfo("Europe/Amsterdam"), ZoneInfo("America/New_York")):
                value = dt.datetime(2026, 3, 29, 1, 30, 15, microsecond, tzinfo=zone)
                with self.subTest(microsecond=microsecond, zone=str(zone)):
                    self.assertEqual(
                        json.dumps(instant(value)), json.dumps(value, cls=NinjaJSONEncoder)
                    )
        self.assertIsNone(instant(None))
