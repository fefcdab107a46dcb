"""Input that used to answer 500 or be stored as garbage: now a 4xx
{"error", "detail"}, and nothing stored."""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from acuflow.assessment.models import Referral
from acuflow.charting.tests.factories import make_course, session_body
from acuflow.core import validators
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.outcomes.models import Response
from acuflow.patients.models import Patient
from acuflow.protocols.models import Course

HUGE = 2**63  # past PostgreSQL's bigint

LISTS = [
    "/api/v1/practitioners",
    "/api/v1/tokens",
    "/api/v1/security-events",
    "/api/v1/patients",
    "/api/v1/gps",
    "/api/v1/points",
    "/api/v1/instruments",
    "/api/v1/protocols",
    "/api/v1/patients/{patient}/assessments",
    "/api/v1/patients/{patient}/sessions",
    "/api/v1/patients/{patient}/courses",
    "/api/v1/patients/{patient}/audit",
    "/api/v1/appointments?from=2026-03-02&to=2026-03-08",
]


class PagingBoundsTests(AcuflowTestCase):
    def url(self, path: str, **params: object) -> str:
        path = path.format(patient=self.patient.pk)
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{path}{'&' if '?' in path else '?'}{query}"

    def test_limit_and_offset_out_of_bounds_are_422_on_every_list(self) -> None:
        for path in LISTS:
            for params in (
                {"offset": HUGE},
                {"offset": validators.OFFSET_MAX + 1},
                {"offset": -1},
                {"limit": 0},
                {"limit": validators.LIMIT_MAX + 1},
                {"limit": HUGE},
            ):
                with self.subTest(path=path, **params):
                    resp = self.api(self.owner, "GET", self.url(path, **params))
                    self.assertError(resp, 422, "validation_error")

    def test_the_largest_offset_is_an_empty_page(self) -> None:
        for path in LISTS:
            with self.subTest(path=path):
                resp = self.api(
                    self.owner, "GET", self.url(path, offset=validators.OFFSET_MAX, limit=1)
                )
                self.assertEqual(resp.status_code, 200, resp.content[:300])
                self.assertEqual(resp.json()["items"], [])


class NulTests(AcuflowTestCase):
    def test_nul_in_a_json_body_is_422_and_nothing_is_stored(self) -> None:
        before = Patient.objects.count()
        for given in ("\u0000", "An\u0000na"):
            resp = self.api(
                self.owner,
                "POST",
                "/api/v1/patients",
                {
                    "given_name": given,
                    "family_name": "Visser",
                    "birth_date": "1980-01-01",
                    "sex": "female",
                    "language": "nl",
                },
            )
            self.assertError(resp, 422, "validation_error")
        self.assertEqual(Patient.objects.count(), before)

    def test_nul_in_a_query_string_is_422_on_the_api_and_400_on_a_page(self) -> None:
        for path in ("/api/v1/patients?q=%00", "/api/v1/gps?q=a%00b", "/api/v1/points?q=%00"):
            with self.subTest(path=path):
                self.assertError(self.api(self.owner, "GET", path), 422, "validation_error")
        client = self.client_for(self.owner)
        for path in ("/patients/?q=%00", "/calendar/?date=%00", "/charting/points/?q=%00"):
            with self.subTest(path=path):
                self.assertEqual(client.get(path).status_code, 400)

    def test_nul_in_a_form_field_is_400(self) -> None:
        client = self.client_for(self.owner)
        resp = client.post("/patients/new/", {"given_name": "A\x00", "family_name": "B"})
        self.assertEqual(resp.status_code, 400)


class DateBoundsTests(AcuflowTestCase):
    def setUp(self) -> None:
        self.course = make_course(self.actor(self.owner), self.patient)

    def response_body(self, recorded_at: str) -> dict[str, object]:
        return {"instrument": "nrs", "answers": {"usual": 5}, "recorded_at": recorded_at}

    def test_a_response_recorded_in_year_1_is_refused_and_the_patient_page_still_works(
        self,
    ) -> None:
        path = f"/api/v1/patients/{self.patient.pk}/responses"
        for recorded in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
            with self.subTest(recorded=recorded):
                resp = self.api(self.owner, "POST", path, self.response_body(recorded))
                body = self.assertError(resp, 422, "validation_error")
                self.assertIn("recorded_at", body["fields"])
        self.assertFalse(Response.objects.filter(patient=self.patient).exists())
        page = self.client_for(self.owner).get(f"/patients/{self.patient.pk}/")
        self.assertEqual(page.status_code, 200)

    def test_a_naive_recorded_at_is_422(self) -> None:
        path = f"/api/v1/patients/{self.patient.pk}/responses"
        resp = self.api(self.owner, "POST", path, self.response_body("2026-03-01T09:30:00"))
        body = self.assertError(resp, 422, "validation_error")
        self.assertIn("recorded_at", body["fields"])
        ok = self.api(self.owner, "POST", path, self.response_body(timezone.now().isoformat()))
        self.assertEqual(ok.status_code, 201, ok.content)

    def test_a_naive_appointment_start_is_422(self) -> None:
        resp = self.api(
            self.owner,
            "POST",
            "/api/v1/appointments",
            {
                "patient": self.patient.pk,
                "practitioner": self.owner.practitioner.pk,
                "start": "2026-03-02T10:00:00",
                "type": "follow_up",
            },
        )
        body = self.assertError(resp, 422, "validation_error")
        self.assertIn("start", body["fields"])

    def test_availability_and_appointments_in_year_1_or_9999_are_422(self) -> None:
        pid = self.owner.practitioner.pk
        for start, end in (
            ("0001-01-01", "0001-01-02"),
            ("9999-12-30", "9999-12-31"),
            ("0001-01-01T00:00:00+14:00", "0001-01-02T00:00:00+14:00"),
        ):
            for path in (
                f"/api/v1/availability?practitioner={pid}&type=intake&from={start}&to={end}",
                f"/api/v1/appointments?from={start}&to={end}",
            ):
                with self.subTest(path=path):
                    resp = self.api(self.owner, "GET", path.replace("+", "%2B"))
                    self.assertIn(resp.status_code, (404, 422), resp.content)
                    self.assertIn("error", resp.json())
        for day in ("0001-01-01", "9999-12-31"):
            resp = self.api(self.owner, "GET", f"/api/v1/today?date={day}")
            self.assertError(resp, 422, "validation_error")

    def test_calendar_pages_with_a_date_out_of_range_are_404(self) -> None:
        client = self.client_for(self.owner)
        for day in ("0001-01-01", "9999-12-31", "2026-02-30", "yesterday"):
            for path in ("/calendar/", "/calendar/today/"):
                with self.subTest(path=path, day=day):
                    self.assertEqual(client.get(path, {"date": day}).status_code, 404)
        self.assertEqual(client.get("/calendar/", {"date": "2026-03-02"}).status_code, 200)

    def test_a_session_started_in_year_1_is_422(self) -> None:
        resp = self.api(
            self.owner,
            "POST",
            f"/api/v1/courses/{self.course.pk}/sessions",
            session_body(started_at="0001-01-01T00:00:00+14:00"),
        )
        body = self.assertError(resp, 422, "validation_error")
        self.assertIn("started_at", json.dumps(body))

    def test_referral_and_course_dates_in_year_1_are_422_and_not_stored(self) -> None:
        resp = self.api(
            self.owner,
            "POST",
            f"/api/v1/assessments/{self.course.assessment_id}/referrals",
            {"to": "GP", "reason": "red flag", "date": "0001-01-01"},
        )
        self.assertError(resp, 422, "validation_error")
        self.assertFalse(Referral.objects.exists())
        resp = self.api(
            self.owner,
            "POST",
            "/api/v1/courses",
            {
                "assessment": self.course.assessment_id,
                "protocol": self.course.protocol_id,
                "start_date": "0001-01-01",
            },
        )
        self.assertError(resp, 422, "validation_error")
        self.assertEqual(Course.objects.count(), 1)

    def test_the_models_refuse_the_same_values_in_full_clean(self) -> None:
        self.course.start_date = dt.date(1, 1, 1)
        with self.assertRaises(ValidationError) as caught:
            self.course.full_clean()
        self.assertIn("start_date", caught.exception.message_dict)
        patient = make_patient(self.clinic, "Bob", "Visser")
        patient.given_name = "\x07"
        with self.assertRaises(ValidationError) as caught:
            patient.full_clean()
        self.assertIn("given_name", caught.exception.message_dict)
        patient.given_name = "Bob"
        patient.notes = "two\nlines\tand a tab"
        patient.full_clean()


class TextAndJsonBoundsTests(AcuflowTestCase):
    def test_names_made_of_a_control_character_are_422(self) -> None:
        for name in ("\x07", "\x1b[2J", "Anna\nde Jong", "\x85"):
            with self.subTest(name=name):
                resp = self.api(
                    self.owner,
                    "POST",
                    "/api/v1/patients",
                    {
                        "given_name": name,
                        "family_name": "Visser",
                        "birth_date": "1980-01-01",
                        "sex": "female",
                        "language": "nl",
                    },
                )
                self.assertError(resp, 422, "validation_error")
        self.assertFalse(Patient.objects.filter(family_name="Visser").exists())

    def test_json_nested_100000_levels_is_422_on_the_api_and_the_draft(self) -> None:
        deep = '{"answers": ' + "[" * 100_000 + "]" * 100_000 + ', "instrument": "nrs"}'
        resp = self.api(
            self.owner, "POST", f"/api/v1/patients/{self.patient.pk}/responses", raw=deep
        )
        self.assertError(resp, 422, "validation_error")
        course = make_course(self.actor(self.owner), self.patient)
        client = self.client_for(self.owner)
        draft = '{"sites": ' + "[" * 100_000 + "]" * 100_000 + "}"
        resp = client.post(
            f"/charting/courses/{course.pk}/draft/", draft, content_type="application/json"
        )
        self.assertEqual(resp.status_code, 422, resp.content[:200])
        self.assertIn("error", resp.json())
        just_too_deep = {"sites": json.loads("[" * 40 + "]" * 40)}
        resp = client.post(
            f"/charting/courses/{course.pk}/draft/",
            json.dumps(just_too_deep),
            content_type="application/json",
        )
        self.assertEqual(resp.status_code, 422, resp.content[:200])

    def test_a_body_over_the_size_bound_is_413(self) -> None:
        body = json.dumps({"instrument": "nrs", "answers": {"x": "a" * 3_000_000}})
        resp = self.api(
            self.owner, "POST", f"/api/v1/patients/{self.patient.pk}/responses", raw=body
        )
        self.assertError(resp, 413, "body_too_large")

    def test_the_openapi_document_names_the_common_errors(self) -> None:
        doc = Client().get("/api/v1/openapi.json").json()
        operation = doc["paths"]["/api/v1/patients/{patient_id}/responses"]["post"]
        self.assertTrue({"400", "401", "404", "413", "422"} <= set(operation["responses"]))
        listing = doc["paths"]["/api/v1/patients"]["get"]
        offset = {p["name"]: p for p in listing["parameters"]}["offset"]["schema"]
        self.assertEqual(offset.get("maximum"), validators.OFFSET_MAX)
