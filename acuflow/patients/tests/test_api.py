from __future__ import annotations

from acuflow.audit.models import AuditEvent
from acuflow.core.api.answers import schema_answer
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.patients.api import PatientList, PatientOut
from acuflow.patients.models import GeneralPractitioner, Patient
from acuflow.patients.tests.numbers import valid_number

NEW = {
    "given_name": "Femke",
    "family_name": "Mulder",
    "birth_date": "1981-03-02",
    "sex": "female",
    "language": "nl",
}


class PatientApiTests(AcuflowTestCase):
    def test_it_creates_a_patient(self) -> None:
        response = self.api(
            self.practitioner, "POST", "/api/v1/patients", {**NEW, "phone": "+31 6 5555 1234"}
        )
        self.assertEqual(response.status_code, 201, response.content)
        patient = Patient.objects.get(pk=response.json()["id"])
        self.assertEqual((patient.clinic, patient.phone_digits), (self.clinic, "31655551234"))
        self.assertTrue(
            AuditEvent.objects.filter(patient=patient, action="create", channel="api").exists()
        )

    def test_it_searches_by_name_birth_date_and_phone(self) -> None:
        make_patient(
            self.clinic,
            "Bram",
            "Visser",
            birth_date="1990-01-31",
            phone="+31 6 9876 0001",
            phone_digits="31698760001",
        )
        for q in ("bram", "viss", "1990-01-31", "31-01-1990", "98760001"):
            body = self.api(self.owner, "GET", "/api/v1/patients", {"q": q}).json()
            self.assertEqual([p["family_name"] for p in body["items"]], ["Visser"], q)
            self.assertEqual(body["count"], 1)

    def test_search_answer_is_the_schema_answer_byte_for_byte(self) -> None:
        # The search is rendered without ninja's validation (core.api.answers): its
        # bytes must be what validating against PatientList would give, for clinical
        # staff (notes) and reception (no notes), with identifiers masked.
        gp = GeneralPractitioner.objects.create(clinic=self.clinic, name="Dr. \u00c5se")
        body = {
            **NEW,
            "family_name": "Schemat\u00e9",
            "notes": 'Line one\nline "two"',
            "identifiers": [
                {"system": "no-fnr", "value": valid_number("no-fnr", 1)},
                {"system": "bsn", "value": valid_number("bsn", 2)},
            ],
            "insurer": "Zorg & Co",
            "gp": gp.pk,
        }
        self.assertEqual(self.api(self.owner, "POST", "/api/v1/patients", body).status_code, 201)
        make_patient(self.clinic, "Ola", "Schemat\u00e9")
        for user in (self.practitioner, self.reception):
            response = self.api(user, "GET", "/api/v1/patients", {"q": "schemat"})
            self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
            answer = response.json()
            self.assertEqual(answer["count"], 2)
            items = {item["given_name"]: item for item in answer["items"]}
            self.assertEqual(len(items["Femke"]["identifiers"]), 2)
            self.assertEqual(items["Femke"]["gp"], gp.pk)
            self.assertEqual(items["Femke"]["notes"] is None, user == self.reception)
            self.assertEqual(response.content.decode(), schema_answer(PatientList, answer))

    def test_patient_answer_is_the_schema_answer_byte_for_byte(self) -> None:
        # One patient is rendered without ninja's validation too (core.api.answers).
        gp = GeneralPractitioner.objects.create(clinic=self.clinic, name="Dr. \u00c5se")
        body = {
            **NEW,
            "family_name": "\u00d8ne",
            "notes": 'Line one\nline "two"',
            "identifiers": [{"system": "bsn", "value": valid_number("bsn", 3)}],
            "gp": gp.pk,
        }
        created = self.api(self.owner, "POST", "/api/v1/patients", body)
        self.assertEqual(created.status_code, 201, created.content)
        url = f"/api/v1/patients/{created.json()['id']}"
        for user in (self.practitioner, self.reception):
            response = self.api(user, "GET", url)
            self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
            answer = response.json()
            self.assertEqual(answer, {**created.json(), "notes": answer["notes"]})
            self.assertEqual(answer["notes"] is None, user == self.reception)
            self.assertEqual(len(answer["identifiers"]), 1)
            self.assertEqual(response.content.decode(), schema_answer(PatientOut, answer))
        # An id past the key column's range is not found (the compiled lookup would
        # send it to the database as it is).
        for far in (2**63, -(2**63) - 1, 17913207494263504896):
            self.assertError(self.api(self.owner, "GET", f"/api/v1/patients/{far}"), 404)

    def test_it_pages_with_limit_and_offset(self) -> None:
        for i in range(5):
            make_patient(self.clinic, f"P{i}", "Paged")
        body = self.api(
            self.owner, "GET", "/api/v1/patients", {"q": "paged", "limit": 2, "offset": 2}
        ).json()
        self.assertEqual(body["count"], 5)
        self.assertEqual([p["given_name"] for p in body["items"]], ["P2", "P3"])
        # Past the end: no rows, and the total still counted.
        past = self.api(self.owner, "GET", "/api/v1/patients", {"q": "paged", "offset": 9})
        self.assertEqual(past.json(), {"items": [], "count": 5})
        none = self.api(self.owner, "GET", "/api/v1/patients", {"q": "nobody-at-all"})
        self.assertEqual(none.json(), {"items": [], "count": 0})
        self.assertError(
            self.api(self.owner, "GET", "/api/v1/patients", {"limit": 0}), 422, "validation_error"
        )
        self.assertError(self.api(self.owner, "GET", "/api/v1/patients", {"limit": 1001}), 422)

    def test_it_patches_a_patient(self) -> None:
        response = self.api(
            self.practitioner,
            "PATCH",
            f"/api/v1/patients/{self.patient.pk}",
            {"phone": "+31 20 555 0000"},
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.patient.refresh_from_db()
        self.assertEqual(self.patient.phone_digits, "31205550000")
        self.assertTrue(AuditEvent.objects.filter(patient=self.patient, action="update").exists())

    def test_reception_sees_demographics_but_not_notes(self) -> None:
        self.patient.notes = "clinical"
        self.patient.save()
        body = self.api(self.reception, "GET", f"/api/v1/patients/{self.patient.pk}").json()
        self.assertIsNone(body["notes"])
        self.assertEqual(
            self.api(self.owner, "GET", f"/api/v1/patients/{self.patient.pk}").json()["notes"],
            "clinical",
        )
        self.assertError(
            self.api(
                self.reception, "PATCH", f"/api/v1/patients/{self.patient.pk}", {"notes": "x"}
            ),
            403,
        )

    def test_an_unknown_language_is_refused_with_422_on_create_and_change(self) -> None:
        body = self.assertError(
            self.api(self.owner, "POST", "/api/v1/patients", {**NEW, "language": "xx"}),
            422,
            "validation_error",
        )
        self.assertIn("language", body["fields"])
        patch = self.api(
            self.owner, "PATCH", f"/api/v1/patients/{self.patient.pk}", {"language": "xx"}
        )
        self.assertError(patch, 422, "validation_error")
        self.patient.refresh_from_db()
        self.assertEqual(self.patient.language, "nl")
        ok = self.api(
            self.owner, "PATCH", f"/api/v1/patients/{self.patient.pk}", {"language": "es"}
        )
        self.assertEqual(ok.status_code, 200, ok.content)
        schema = self.client.get("/api/v1/openapi.json").json()["components"]["schemas"]
        self.assertEqual(
            schema["PatientCreateIn"]["properties"]["language"]["enum"], ["nl", "nb", "en", "es"]
        )

    def test_bad_input_gets_clear_errors_and_writes_nothing(self) -> None:
        before = Patient.objects.count()
        cases = [
            (None, "{not json", 400),
            ({**NEW, "birth_date": "2021-02-30"}, None, 422),
            ({**NEW, "birth_date": "2999-01-01"}, None, 422),
            ({**NEW, "sex": "x"}, None, 422),
            ({**NEW, "language": "fr"}, None, 422),
            ({**NEW, "unknown": 1}, None, 422),
            ({**NEW, "given_name": "x" * 101}, None, 422),
            ({**NEW, "given_name": 5}, None, 422),
            ({**NEW, "email": "not-an-email"}, None, 422),
            ({**NEW, "phone": "call me"}, None, 422),
            ({k: v for k, v in NEW.items() if k != "family_name"}, None, 422),
            ([1, 2], None, 422),
        ]
        for data, raw, status in cases:
            response = self.api(self.owner, "POST", "/api/v1/patients", data, raw=raw)
            body = self.assertError(response, status)
            self.assertTrue(body["detail"], data)
        self.assertEqual(Patient.objects.count(), before)
        self.assertError(
            self.api(
                self.owner, "PATCH", f"/api/v1/patients/{self.patient.pk}", {"family_name": None}
            ),
            422,
        )
        self.assertError(self.api(self.owner, "GET", "/api/v1/patients/abc"), 422)

    def test_unauthenticated_calls_are_401(self) -> None:
        self.assertError(self.api(None, "GET", "/api/v1/patients"), 401, "unauthorized")
        response = self.client.get("/api/v1/patients", HTTP_AUTHORIZATION="Bearer nope")
        self.assertError(response, 401)

    def test_audit_log_is_for_the_owner_only(self) -> None:
        self.api(self.practitioner, "GET", f"/api/v1/patients/{self.patient.pk}")
        body = self.api(self.owner, "GET", f"/api/v1/patients/{self.patient.pk}/audit").json()
        self.assertGreaterEqual(body["count"], 1)
        event = body["items"][-1]
        self.assertEqual(event["user"], "acupuncturist@nl.example")
        self.assertEqual(event["action"], "read")
        self.assertEqual(event["client_address"], "127.0.0.1")
        self.assertError(
            self.api(self.practitioner, "GET", f"/api/v1/patients/{self.patient.pk}/audit"), 403
        )

    def test_openapi_document_lists_the_endpoints(self) -> None:
        doc = self.client.get("/api/v1/openapi.json").json()
        for path in (
            "/api/v1/patients",
            "/api/v1/patients/{patient_id}",
            "/api/v1/clinic",
            "/api/v1/practitioners",
            "/api/v1/patients/{patient_id}/audit",
        ):
            self.assertIn(path, doc["paths"])

    def test_patient_list_queries_do_not_grow(self) -> None:
        def rows(n: int) -> None:
            for i in range(n):
                make_patient(self.clinic, f"Q{i}", "Budget")

        self.assertConstantQueries(
            rows, lambda: self.api(self.owner, "GET", "/api/v1/patients", {"limit": 100})
        )


class ClinicApiTests(AcuflowTestCase):
    def test_clinic_and_practitioners(self) -> None:
        clinic = self.api(self.reception, "GET", "/api/v1/clinic").json()
        self.assertEqual(
            (clinic["slug"], clinic["country"], clinic["language"]), ("test-nl", "NL", "nl")
        )
        body = self.api(self.reception, "GET", "/api/v1/practitioners").json()
        self.assertEqual(body["count"], 3)
        ims = next(p for p in body["items"] if p["email"] == "ims@nl.example")
        self.assertIn("ims", ims["modalities"])
        self.assertTrue(ims["registration"]["valid"])
        one = self.api(self.reception, "GET", f"/api/v1/practitioners/{ims['id']}").json()
        self.assertEqual(one["name"], "Sanne Ims")
