"""Patient identity (issue 15 item 5): national identifiers validated per country,
stored compact, shown masked and revealed only with an audit row; insurer, policy
number and the GP as a record of its own."""

from __future__ import annotations

import datetime as dt

from django.test import SimpleTestCase

from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.patients import identifiers as ids
from acuflow.patients.models import GeneralPractitioner, PatientIdentifier
from acuflow.patients.tests.numbers import valid_number

SYSTEMS = ["bsn", "no-fnr", "es-dni", "es-nie", "us-ssn"]


def broken(value: str, system: str = "") -> str:
    """The same number with its last character changed: the check digit fails. A US
    SSN has no check digit: area 666 is never issued."""
    if system == "us-ssn":
        return "666" + value[3:]
    last = value[-1]
    if last.isdigit():
        return value[:-1] + str((int(last) + 1) % 10)
    return value[:-1] + ("A" if last != "A" else "B")


class IdentifierRulesTests(SimpleTestCase):
    def test_it_accepts_a_valid_number_of_every_system_in_its_compact_form(self) -> None:
        for system in SYSTEMS:
            with self.subTest(system=system):
                value = valid_number(system)
                self.assertEqual(ids.normalise(system, value), value.upper())

    def test_it_strips_the_usual_separators(self) -> None:
        bsn = valid_number("bsn")
        self.assertEqual(ids.normalise("bsn", f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}"), bsn)
        ssn = valid_number("us-ssn")
        self.assertEqual(ids.normalise("us-ssn", f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}"), ssn)
        dni = valid_number("es-dni")
        self.assertEqual(ids.normalise("es-dni", f"{dni[:8]}-{dni[8].lower()}"), dni)

    def test_it_refuses_a_wrong_check_digit_of_every_system(self) -> None:
        for system in SYSTEMS:
            with self.subTest(system=system), self.assertRaises(ids.InvalidIdentifier):
                ids.normalise(system, broken(valid_number(system), system))

    def test_it_refuses_unknown_systems_control_characters_and_overlong_input(self) -> None:
        for system, value in [
            ("nl-bsn", valid_number("bsn")),
            ("bsn", valid_number("bsn") + "\x00"),
            ("bsn", "1" * 40),
            ("bsn", ""),
            ("no-fnr", "31029912345"),  # 31 February
        ]:
            with self.subTest(value=value), self.assertRaises(ids.InvalidIdentifier):
                ids.normalise(system, value)

    def test_masks_show_only_the_last_four(self) -> None:
        self.assertEqual(ids.mask("123456782"), "•••••6782")
        self.assertEqual(ids.mask("1234"), "•••••")


class IdentifierApiTests(AcuflowTestCase):
    def create(self, user=None, **extra):  # type: ignore[no-untyped-def]
        body = {
            "given_name": "Bram",
            "family_name": "Visser",
            "birth_date": "1980-02-03",
            "sex": "male",
            "language": "nl",
            **extra,
        }
        return self.api(user or self.owner, "POST", "/api/v1/patients", body)

    def test_each_system_is_stored_compact_and_answered_masked(self) -> None:
        for n, system in enumerate(SYSTEMS):
            with self.subTest(system=system):
                value = valid_number(system, n)
                spaced = " ".join([value[:3], value[3:]])
                r = self.create(
                    given_name=f"P{n}",
                    birth_date=f"198{n}-01-01",
                    identifiers=[{"system": system, "value": spaced}],
                )
                self.assertEqual(r.status_code, 201, r.content)
                self.assertEqual(
                    r.json()["identifiers"], [{"system": system, "value": ids.mask(value)}]
                )
                self.assertNotIn(value, r.content.decode())
                row = PatientIdentifier.objects.get(patient_id=r.json()["id"])
                self.assertEqual(row.value, value)

    def test_an_invalid_number_is_422_invalid_identifier_and_nothing_is_saved(self) -> None:
        for system in SYSTEMS:
            with self.subTest(system=system):
                r = self.create(
                    identifiers=[{"system": system, "value": broken(valid_number(system), system)}]
                )
                body = self.assertError(r, 422, "invalid_identifier")
                self.assertIn("identifiers", body["fields"])
        self.assertFalse(PatientIdentifier.objects.exists())
        self.assertEqual(self.clinic.patients.filter(family_name="Visser").count(), 0)

    def test_an_unknown_system_or_control_characters_are_422(self) -> None:
        self.assertError(self.create(identifiers=[{"system": "nl", "value": "1"}]), 422)
        self.assertError(self.create(insurer="Zilveren\x00Kruis"), 422)
        self.assertError(self.create(policy_number="12\n34"), 422)
        self.assertError(self.create(insurer="x" * 101), 422)

    def test_a_number_is_unique_in_the_clinic_but_not_across_clinics(self) -> None:
        value = valid_number("bsn")
        first = self.create(identifiers=[{"system": "bsn", "value": value}])
        self.assertEqual(first.status_code, 201, first.content)
        second = self.create(
            given_name="Other",
            family_name="Person",
            birth_date="1990-01-01",
            identifiers=[{"system": "bsn", "value": value}],
            confirm_new=True,
        )
        self.assertError(second, 409, "identifier_in_use")
        elsewhere = self.api(
            self.other,
            "POST",
            "/api/v1/patients",
            {
                "given_name": "Kari",
                "family_name": "Berg",
                "birth_date": "1980-02-03",
                "sex": "female",
                "language": "nb",
                "identifiers": [{"system": "bsn", "value": value}],
            },
        )
        self.assertEqual(elsewhere.status_code, 201, elsewhere.content)

    def test_patch_replaces_the_identifiers_and_refuses_an_invalid_one(self) -> None:
        url = f"/api/v1/patients/{self.patient.pk}"
        value = valid_number("no-fnr")
        r = self.api(
            self.owner, "PATCH", url, {"identifiers": [{"system": "no-fnr", "value": value}]}
        )
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["identifiers"][0]["value"], ids.mask(value))
        r = self.api(self.owner, "PATCH", url, {"identifiers": [{"system": "bsn", "value": "123"}]})
        self.assertError(r, 422, "invalid_identifier")
        self.assertEqual(list(self.patient.identifiers.values_list("value", flat=True)), [value])
        r = self.api(self.owner, "PATCH", url, {"identifiers": []})
        self.assertEqual(r.json()["identifiers"], [])

    def test_reveal_shows_the_full_number_and_writes_its_own_audit_event(self) -> None:
        value = valid_number("es-nie")
        PatientIdentifier.objects.create(
            clinic=self.clinic, patient=self.patient, system="es-nie", value=value
        )
        url = f"/api/v1/patients/{self.patient.pk}/identifiers"
        masked = self.api(self.reception, "GET", url).json()
        self.assertEqual(masked["items"][0]["value"], ids.mask(value))
        self.assertFalse(AuditEvent.objects.filter(object_type="patients.identifier.full").exists())
        full = self.api(self.reception, "GET", url + "?reveal=true").json()
        self.assertEqual(full["items"][0]["value"], value)
        event = AuditEvent.objects.get(object_type="patients.identifier.full")
        self.assertEqual((event.patient_id, event.user_id), (self.patient.pk, self.reception.pk))
        self.assertError(self.api(self.other, "GET", url + "?reveal=true"), 404, "not_found")

    def test_the_patient_list_shows_masked_numbers_in_constant_queries(self) -> None:
        def make_rows(n: int) -> None:
            for i in range(n):
                p = make_patient(self.clinic, f"G{i}", f"Many{PatientIdentifier.objects.count()}")
                PatientIdentifier.objects.create(
                    clinic=self.clinic,
                    patient=p,
                    system="es-dni",
                    value=valid_number("es-dni", PatientIdentifier.objects.count()),
                )

        self.assertConstantQueries(
            make_rows, lambda: self.api(self.owner, "GET", "/api/v1/patients?limit=100")
        )
        body = self.api(self.owner, "GET", "/api/v1/patients?limit=100").json()
        shown = [i["value"] for p in body["items"] for i in p["identifiers"]]
        self.assertTrue(shown and all(v.startswith(ids.MASK) for v in shown))


class InsurerAndGpTests(AcuflowTestCase):
    def gp(self, user=None, **extra):  # type: ignore[no-untyped-def]
        body = {"name": "Dr. M. Bakker", "practice": "Huisartsenpraktijk Centrum", **extra}
        return self.api(user or self.reception, "POST", "/api/v1/gps", body)

    def test_a_gp_is_created_listed_with_search_and_shared_by_patients(self) -> None:
        r = self.gp(agb_code="01234567", phone="+31 30 765 4321", language="nl")
        self.assertEqual(r.status_code, 201, r.content)
        gp_id = r.json()["id"]
        self.gp(name="Dr. K. Hansen", practice="Legesenter", her_id="123456")
        found = self.api(self.reception, "GET", "/api/v1/gps?q=bakker").json()
        self.assertEqual([g["id"] for g in found["items"]], [gp_id])
        self.assertEqual(self.api(self.owner, "GET", "/api/v1/gps?q=01234567").json()["count"], 1)
        for patient in (self.patient, make_patient(self.clinic, "Bram", "Visser")):
            r = self.api(
                self.owner,
                "PATCH",
                f"/api/v1/patients/{patient.pk}",
                {"gp": gp_id, "insurer": "Zilveren Kruis", "policy_number": "ZK-123456"},
            )
            self.assertEqual(r.status_code, 200, r.content)
            self.assertEqual(
                (r.json()["gp"], r.json()["insurer"], r.json()["policy_number"]),
                (gp_id, "Zilveren Kruis", "ZK-123456"),
            )
        self.assertEqual(GeneralPractitioner.objects.get(pk=gp_id).patients.count(), 2)
        r = self.api(self.owner, "PATCH", f"/api/v1/patients/{self.patient.pk}", {"gp": None})
        self.assertIsNone(r.json()["gp"])

    def test_gp_fields_are_validated(self) -> None:
        for extra in [
            {"agb_code": "1234"},
            {"agb_code": "1234567a"},
            {"her_id": "1234567890"},
            {"name": ""},
            {"name": "x" * 201},
            {"practice": "a\x1bb"},
            {"email": "not-an-email"},
            {"language": "de"},
            {"phone": "call me"},
        ]:
            with self.subTest(extra=extra):
                self.assertError(self.gp(**extra), 422)
        self.assertFalse(GeneralPractitioner.objects.exists())

    def test_another_clinics_gp_can_neither_be_read_nor_given_to_a_patient(self) -> None:
        theirs = GeneralPractitioner.objects.create(clinic=self.other_clinic, name="Dr. Lie")
        self.assertError(self.api(self.owner, "GET", f"/api/v1/gps/{theirs.pk}"), 404)
        self.assertEqual(self.api(self.owner, "GET", "/api/v1/gps").json()["count"], 0)
        r = self.api(self.owner, "PATCH", f"/api/v1/patients/{self.patient.pk}", {"gp": theirs.pk})
        self.assertError(r, 422, "unknown_gp")
        r = self.api(
            self.owner,
            "POST",
            "/api/v1/patients",
            {
                "given_name": "Bram",
                "family_name": "Visser",
                "birth_date": "1980-02-03",
                "sex": "male",
                "language": "nl",
                "gp": theirs.pk,
            },
        )
        self.assertError(r, 422, "unknown_gp")


class IdentityPageTests(AcuflowTestCase):
    def test_the_record_shows_the_number_masked_and_in_full_only_after_show(self) -> None:
        value = valid_number("bsn")
        PatientIdentifier.objects.create(
            clinic=self.clinic, patient=self.patient, system="bsn", value=value
        )
        client = self.client_for(self.reception)
        page = client.get(f"/patients/{self.patient.pk}/")
        self.assertContains(page, ids.mask(value))
        self.assertNotContains(page, value)
        self.assertFalse(AuditEvent.objects.filter(object_type="patients.identifier.full").exists())
        shown = client.post(f"/patients/{self.patient.pk}/identifiers/", HTTP_HX_REQUEST="true")
        self.assertContains(shown, value)
        self.assertEqual(
            AuditEvent.objects.filter(
                object_type="patients.identifier.full", patient=self.patient, user=self.reception
            ).count(),
            1,
        )

    def test_the_form_saves_an_identifier_insurer_and_gp_and_refuses_a_bad_number(self) -> None:
        gp = GeneralPractitioner.objects.create(clinic=self.clinic, name="Dr. Bakker")
        theirs = GeneralPractitioner.objects.create(clinic=self.other_clinic, name="Dr. Lie")
        client = self.client_for(self.owner)
        form = {
            "given_name": "Anna",
            "family_name": "de Jong",
            "birth_date": "1970-05-17",
            "sex": "female",
            "language": "nl",
            "insurer": "VGZ",
            "policy_number": "123-456",
            "gp": gp.pk,
            "identifier_system": "bsn",
            "identifier_value": "123456789",  # fails the 11-test
        }
        r = client.post(f"/patients/{self.patient.pk}/edit/", form)
        self.assertEqual(r.status_code, 200)
        self.assertIn("identifier_value", r.context["form"].errors)
        self.assertFalse(self.patient.identifiers.exists())
        r = client.post(f"/patients/{self.patient.pk}/edit/", {**form, "gp": theirs.pk})
        self.assertEqual(r.status_code, 200)  # not in the choices
        value = valid_number("bsn")
        r = client.post(f"/patients/{self.patient.pk}/edit/", {**form, "identifier_value": value})
        self.assertEqual(r.status_code, 302)
        self.patient.refresh_from_db()
        self.assertEqual((self.patient.insurer, self.patient.gp_id), ("VGZ", gp.pk))
        self.assertEqual(self.patient.identifiers.get().value, value)

    def test_a_gp_is_added_from_the_patient_form_and_it_returns_there(self) -> None:
        client = self.client_for(self.reception)
        r = client.post(
            "/patients/gps/new/?next=/patients/new/",
            {"name": "Dr. Hansen", "her_id": "12345", "language": "nb"},
        )
        self.assertRedirects(r, "/patients/new/", fetch_redirect_response=False)
        self.assertEqual(GeneralPractitioner.objects.get(clinic=self.clinic).her_id, "12345")
        r = client.post("/patients/gps/new/?next=https://evil.example/", {"name": "Dr. X"})
        self.assertEqual(r["Location"], "/patients/")
        r = client.post("/patients/gps/new/", {"name": "Dr. Y", "agb_code": "12"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(GeneralPractitioner.objects.filter(clinic=self.clinic).count(), 2)

    def test_the_merge_page_is_for_owners_and_merges_a_candidate(self) -> None:
        duplicate = make_patient(self.clinic, "Anna", "Jong")
        url = f"/patients/{self.patient.pk}/merge/"
        self.assertEqual(self.client_for(self.practitioner).get(url).status_code, 403)
        client = self.client_for(self.owner)
        page = client.get(url)
        self.assertContains(page, f'value="{duplicate.pk}"')
        typo = make_patient(self.clinic, "Anna", "de Jong", birth_date=dt.date(1970, 7, 15))
        self.assertNotContains(page, f'value="{typo.pk}"')
        searched = client.get(url, {"q": "de jong"})
        self.assertContains(searched, f'value="{typo.pk}"')
        self.assertNotContains(searched, f'value="{self.patient.pk}"')
        r = client.post(url, {"duplicate": duplicate.pk})
        self.assertRedirects(r, f"/patients/{self.patient.pk}/", fetch_redirect_response=False)
        duplicate.refresh_from_db()
        self.assertEqual(duplicate.merged_into_id, self.patient.pk)
        record = client.get(f"/patients/{self.patient.pk}/")
        self.assertContains(record, "/patients/merges/")
        merge_id = record.context["merges"][0].pk
        r = client.post(f"/patients/merges/{merge_id}/undo/")
        duplicate.refresh_from_db()
        self.assertIsNone(duplicate.merged_into_id)
