from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import timezone

from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes.models import Response
from acuflow.outcomes.tests.factories import make_course, make_session
from acuflow.protocols import services
from acuflow.protocols.models import CourseObservation


def odi(values: list[int | None]) -> dict[str, int | None]:
    return {f"s{i}": v for i, v in enumerate(values, start=1)}


class InstrumentApiTests(AcuflowTestCase):
    def test_lists_every_instrument_with_languages_and_licence(self) -> None:
        body = self.api(self.practitioner, "GET", "/api/v1/instruments").json()
        by_code = {i["code"]: i for i in body["items"]}
        self.assertEqual(body["count"], 10)
        self.assertEqual(
            set(by_code),
            {
                "nrs",
                "peg",
                "psfs",
                "grc",
                "ms_diary",
                "gunn_signs",
                "odi",
                "rmdq",
                "startback",
                "msis29",
            },
        )
        self.assertEqual(by_code["peg"]["languages"], ["nl", "nb", "en", "es"])
        self.assertEqual(by_code["peg"]["licence"]["kind"], "free")
        self.assertEqual(by_code["odi"]["languages"], [])
        self.assertEqual(by_code["odi"]["licence"]["kind"], "licensed")
        self.assertFalse(by_code["odi"]["licence"]["text_shipped"])
        self.assertTrue(by_code["odi"]["licence"]["note"])
        self.assertNotIn("text", by_code["odi"]["items"][0])

    def test_languages_of_a_licensed_instrument_follow_the_clinics_loaded_text(self) -> None:
        from acuflow.outcomes import services

        content = {"items": {f"q{i}": {"text": f"Statement {i}"} for i in range(1, 25)}}
        services.instrument_text_load(
            actor=self.actor(self.owner), instrument="rmdq", language="nl", content=content
        )
        mine = self.api(self.practitioner, "GET", "/api/v1/instruments").json()
        theirs = self.api(self.other, "GET", "/api/v1/instruments").json()
        self.assertEqual({i["code"]: i for i in mine["items"]}["rmdq"]["languages"], ["nl"])
        self.assertEqual({i["code"]: i for i in theirs["items"]}["rmdq"]["languages"], [])


class ResponseApiTests(AcuflowTestCase):
    def post(self, body: dict, user=None):  # type: ignore[no-untyped-def]
        return self.api(
            user or self.practitioner, "POST", f"/api/v1/patients/{self.patient.pk}/responses", body
        )

    def test_odi_with_an_unanswered_section_is_scored_and_saved(self) -> None:
        resp = self.post({"instrument": "odi", "answers": odi([3, 2, 3, 2, 3, 2, 3, None, 2, 3])})
        self.assertEqual(resp.status_code, 201, resp.content)
        body = resp.json()
        self.assertEqual(body["score"], 51.1)
        self.assertEqual(body["subscores"], {"raw": 23, "answered": 9})
        self.assertEqual(body["interpretation"], "severe")
        saved = Response.objects.get(pk=body["id"])
        self.assertEqual((saved.score, saved.patient, saved.source), (51.1, self.patient, "staff"))
        self.assertTrue(
            AuditEvent.objects.filter(
                action="create", patient=self.patient, object_type="outcomes.response"
            ).exists()
        )

    def test_startback_answer_carries_the_risk_band(self) -> None:
        answers = {f"q{i}": 1 if i in {1, 5, 6, 7} else 0 for i in range(1, 9)} | {"q9": 4}
        body = self.post({"instrument": "startback", "answers": answers}).json()
        self.assertEqual((body["score"], body["interpretation"]), (5, "high"))
        self.assertEqual(body["subscores"], {"total": 5, "distress": 4})

    def test_missing_and_out_of_range_answers_are_422_with_the_item_named(self) -> None:
        resp = self.post({"instrument": "peg", "answers": {"pain": 11, "enjoyment": 3}})
        body = self.assertError(resp, 422, "validation_error")
        self.assertEqual(set(body["fields"]), {"answers.pain", "answers.activity"})
        self.assertFalse(Response.objects.exists())

    def test_unknown_instrument_answers_and_fields_are_422(self) -> None:
        body = self.assertError(self.post({"instrument": "sf36", "answers": {}}), 422)
        self.assertIn("instrument", body["fields"])
        self.assertError(self.post({"instrument": "nrs", "answers": {"usual": 3, "x": 1}}), 422)
        self.assertError(self.post({"instrument": "nrs", "answers": {"usual": 3}, "extra": 1}), 422)
        self.assertError(self.post({"instrument": "nrs", "answers": [3]}), 422)

    def test_reception_may_not_record_scores(self) -> None:
        self.assertError(
            self.post({"instrument": "nrs", "answers": {"usual": 3}}, self.reception), 403
        )

    def test_another_clinics_patient_or_course_is_404(self) -> None:
        resp = self.api(
            self.practitioner,
            "POST",
            f"/api/v1/patients/{self.other_patient.pk}/responses",
            {"instrument": "nrs", "answers": {"usual": 3}},
        )
        self.assertError(resp, 404, "not_found")
        other_course = make_course(self.actor(self.other), self.other_patient)
        resp = self.post({"instrument": "nrs", "answers": {"usual": 3}, "course": other_course.pk})
        self.assertError(resp, 404, "not_found")

    def test_a_course_of_another_patient_of_the_clinic_is_422(self) -> None:
        from acuflow.core.testing import make_patient

        sibling = make_patient(self.clinic, "Bram", "Jansen")
        course = make_course(self.actor(self.owner), sibling)
        resp = self.post({"instrument": "nrs", "answers": {"usual": 3}, "course": course.pk})
        body = self.assertError(resp, 422, "validation_error")
        self.assertIn("course", body["fields"])

    def test_nrs_for_a_course_refreshes_the_course_status_in_the_same_transaction(self) -> None:
        course = make_course(self.actor(self.owner), self.patient, baseline_nrs=8)
        make_session(course, days_ago=2, before=8, after=6)
        with mock.patch(
            "acuflow.outcomes.services.course_observation_recorded",
            wraps=services.course_observation_recorded,
        ) as reported:
            self.post({"instrument": "nrs", "answers": {"usual": 3}, "course": course.pk})
        reported.assert_called_once()
        self.assertEqual(
            (reported.call_args.kwargs["course"].pk, reported.call_args.kwargs["nrs"]),
            (course.pk, 3),
        )
        course.refresh_from_db()
        self.assertEqual((course.latest_nrs, course.response), (3, "substantial"))
        # a non-NRS questionnaire reports nothing to the course
        with mock.patch("acuflow.outcomes.services.course_observation_recorded") as reported:
            self.post(
                {
                    "instrument": "peg",
                    "answers": {"pain": 1, "enjoyment": 1, "activity": 1},
                    "course": course.pk,
                }
            )
        reported.assert_not_called()

    def test_an_nrs_before_the_first_session_is_not_a_follow_up(self) -> None:
        course = make_course(self.actor(self.owner), self.patient, baseline_nrs=8)
        self.post({"instrument": "nrs", "answers": {"usual": 3}, "course": course.pk})
        course.refresh_from_db()
        self.assertEqual((course.latest_nrs, course.response), (None, "not_measured"))

    def test_a_failing_status_refresh_leaves_no_response_behind(self) -> None:
        course = make_course(self.actor(self.owner), self.patient)
        with (
            mock.patch(
                "acuflow.outcomes.services.course_observation_recorded", side_effect=RuntimeError
            ),
            self.assertLogs("django.request", "ERROR"),
        ):
            resp = self.post({"instrument": "nrs", "answers": {"usual": 3}, "course": course.pk})
        self.assertError(resp, 500, "server_error")  # JSON, like every API error
        self.assertFalse(Response.objects.exists())

    def test_a_session_links_the_response_and_must_belong_to_the_course(self) -> None:
        course = make_course(self.actor(self.owner), self.patient)
        session = make_session(course, days_ago=1, before=6, after=4)
        body = self.post(
            {
                "instrument": "peg",
                "answers": {"pain": 5, "enjoyment": 4, "activity": 3},
                "course": course.pk,
                "session": session.pk,
            }
        ).json()
        self.assertEqual((body["course"], body["session"]), (course.pk, session.pk))
        other = make_course(self.actor(self.owner), self.patient)
        resp = self.post(
            {
                "instrument": "nrs",
                "answers": {"usual": 5},
                "course": other.pk,
                "session": session.pk,
            }
        )
        self.assertError(resp, 404)

    def test_a_recorded_at_without_offset_is_refused(self) -> None:
        # a wall clock without offset is a guess (02:30 on 25 October 2026 happened
        # twice in Amsterdam): the instant must carry its offset
        refused = self.post(
            {"instrument": "nrs", "answers": {"usual": 4}, "recorded_at": "2026-10-25T02:30"}
        )
        body = self.assertError(refused, 422, "validation_error")
        self.assertEqual(list(body["fields"]), ["recorded_at"])
        self.assertFalse(Response.objects.exists())
        ok = self.post(
            {
                "instrument": "nrs",
                "answers": {"usual": 4},
                "recorded_at": "2026-10-02T09:15+02:00",
            }
        )
        self.assertEqual(ok.status_code, 201, ok.content)
        self.assertEqual(
            Response.objects.get().recorded_at, dt.datetime(2026, 10, 2, 7, 15, tzinfo=dt.UTC)
        )

    def test_nrs_questionnaires_report_usual_pain_to_the_course(self) -> None:
        course = make_course(self.actor(self.owner), self.patient)
        earlier = (timezone.now() - dt.timedelta(days=3)).isoformat()
        self.post({"instrument": "nrs", "answers": {"usual": 4, "worst": 9}, "course": course.pk})
        self.post(
            {
                "instrument": "nrs",
                "answers": {"usual": 6},
                "course": course.pk,
                "recorded_at": earlier,
            }
        )
        self.post(
            {
                "instrument": "peg",
                "answers": {"pain": 1, "enjoyment": 1, "activity": 1},
                "course": course.pk,
            }
        )
        reported = CourseObservation.objects.filter(course=course).order_by("at")
        self.assertEqual(
            [(o.source, o.nrs) for o in reported], [("questionnaire", 6), ("questionnaire", 4)]
        )


class OutcomesApiTests(AcuflowTestCase):
    def setUp(self) -> None:
        self.course = make_course(self.actor(self.owner), self.patient, baseline_nrs=8)

    def test_outcomes_hold_sessions_scores_baseline_and_thresholds(self) -> None:
        make_session(self.course, days_ago=14, before=8, after=6)
        make_session(self.course, days_ago=7, before=6, after=4)
        path = f"/api/v1/patients/{self.patient.pk}/responses"
        self.api(
            self.owner,
            "POST",
            path,
            {"instrument": "odi", "answers": odi([2] * 10), "course": self.course.pk},
        )
        self.api(
            self.owner,
            "POST",
            path,
            {"instrument": "nrs", "answers": {"usual": 4}, "course": self.course.pk},
        )
        body = self.api(
            self.practitioner, "GET", f"/api/v1/courses/{self.course.pk}/outcomes"
        ).json()
        self.assertEqual(body["baseline_nrs"], 8)
        self.assertEqual(body["responder_lines"], {"30": 5.6, "50": 4.0})
        self.assertEqual((body["onset_session"], body["review_session"]), (3, 6))
        self.assertEqual(
            [(s["number"], s["nrs_before"], s["nrs_after"]) for s in body["sessions"]],
            [(1, 8, 6), (2, 6, 4)],
        )
        by_code = {i["code"]: i for i in body["instruments"]}
        self.assertEqual(by_code["odi"]["latest"], 40.0)
        self.assertEqual([o["nrs"] for o in body["nrs_observations"]], [4])
        self.assertEqual(body["course"]["latest_nrs"], 4)
        self.assertTrue(
            AuditEvent.objects.filter(action="read", object_type="protocols.course").exists()
        )

    def test_reception_gets_403_and_another_clinic_404(self) -> None:
        self.assertError(
            self.api(self.reception, "GET", f"/api/v1/courses/{self.course.pk}/outcomes"), 403
        )
        self.assertError(
            self.api(self.other, "GET", f"/api/v1/courses/{self.course.pk}/outcomes"),
            404,
            "not_found",
        )

    def test_query_count_does_not_grow_with_sessions_and_responses(self) -> None:
        days = iter(range(200, 0, -1))

        def make_rows(n: int) -> None:
            for _ in range(n):
                day = next(days)
                make_session(self.course, days_ago=day, before=7, after=5)
                Response.objects.create(
                    patient=self.patient,
                    course=self.course,
                    instrument="peg",
                    instrument_version="1",
                    language="nl",
                    answers={"pain": 5, "enjoyment": 5, "activity": 5},
                    score=5.0,
                    subscores={},
                    interpretation="moderate",
                    source="staff",
                    recorded_at=timezone.now() - dt.timedelta(days=day),
                )

        path = f"/api/v1/courses/{self.course.pk}/outcomes"
        self.assertConstantQueries(make_rows, lambda: self.api(self.owner, "GET", path))
