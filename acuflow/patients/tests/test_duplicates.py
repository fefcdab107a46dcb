"""One patient, one record (issue 15 item 5): the duplicate warning on create and the
owners' merge with its 30-day undo."""

from __future__ import annotations

import datetime as dt
import unittest

from django.db import connection
from django.test import SimpleTestCase
from django.utils import timezone

from acuflow.accounts.models import Room
from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.patients.models import Consent, Patient, PatientIdentifier, PatientMerge
from acuflow.patients.selectors import names_similar
from acuflow.patients.tests.numbers import valid_number
from acuflow.portal.services import patients_with_email
from acuflow.scheduling.models import Appointment
from acuflow.scheduling.selectors import appointment_type_by_code


class NameSimilarityTests(SimpleTestCase):
    def test_similar_names_are_the_same_person(self) -> None:
        for other in [
            ("Anna", "de Jong"),
            ("anna", "DE JONG"),
            ("Anna", "Jong"),  # the prefix left out
            ("Ana", "de Jong"),  # a typo
            ("Änna", "de Jong"),  # an accent
            ("de Jong", "Anna"),  # given and family name swapped
        ]:
            with self.subTest(other=other):
                self.assertTrue(names_similar(("Anna", "de Jong"), other))

    def test_different_names_are_not(self) -> None:
        for other in [("Bram", "de Jong"), ("Anna", "Jansen"), ("Kari", "Nordmann")]:
            with self.subTest(other=other):
                self.assertFalse(names_similar(("Anna", "de Jong"), other))


class DuplicateWarningTests(AcuflowTestCase):
    # self.patient is Anna de Jong, born 1970-05-17
    def body(self, **extra):  # type: ignore[no-untyped-def]
        return {
            "given_name": "Anna",
            "family_name": "de Jong",
            "birth_date": "1970-05-17",
            "sex": "female",
            "language": "nl",
            **extra,
        }

    def test_an_exact_duplicate_is_409_with_the_existing_record_as_candidate(self) -> None:
        r = self.api(self.reception, "POST", "/api/v1/patients", self.body())
        body = self.assertError(r, 409, "possible_duplicate")
        self.assertEqual([c["id"] for c in body["candidates"]], [self.patient.pk])
        self.assertEqual(Patient.objects.filter(clinic=self.clinic).count(), 1)

    def test_confirm_new_creates_it_anyway(self) -> None:
        r = self.api(self.reception, "POST", "/api/v1/patients", self.body(confirm_new=True))
        self.assertEqual(r.status_code, 201, r.content)

    def test_a_swapped_or_misspelt_name_with_the_same_birth_date_is_a_candidate(self) -> None:
        for given, family in [("de Jong", "Anna"), ("Ana", "Jong")]:
            with self.subTest(given=given):
                r = self.api(
                    self.owner,
                    "POST",
                    "/api/v1/patients",
                    self.body(given_name=given, family_name=family),
                )
                self.assertError(r, 409, "possible_duplicate")

    def test_another_birth_date_or_name_is_no_duplicate(self) -> None:
        for extra in [{"birth_date": "1971-05-17"}, {"given_name": "Bram"}]:
            with self.subTest(extra=extra):
                r = self.api(self.owner, "POST", "/api/v1/patients", self.body(**extra))
                self.assertEqual(r.status_code, 201, r.content)

    def test_the_same_identifier_is_a_candidate_whatever_the_name(self) -> None:
        value = valid_number("bsn")
        PatientIdentifier.objects.create(
            clinic=self.clinic, patient=self.patient, system="bsn", value=value
        )
        r = self.api(
            self.owner,
            "POST",
            "/api/v1/patients",
            self.body(
                given_name="Someone",
                family_name="Else",
                birth_date="1990-01-01",
                identifiers=[{"system": "bsn", "value": value}],
            ),
        )
        body = self.assertError(r, 409, "possible_duplicate")
        self.assertEqual([c["id"] for c in body["candidates"]], [self.patient.pk])

    def test_another_clinics_patient_is_never_a_candidate(self) -> None:
        r = self.api(
            self.other,
            "GET",
            "/api/v1/patients/duplicates",
            {"given_name": "Anna", "family_name": "de Jong", "birth_date": "1970-05-17"},
        )
        self.assertEqual(r.json(), {"items": [], "count": 0})

    def test_the_duplicates_endpoint_lists_candidates_and_refuses_bad_queries(self) -> None:
        url = "/api/v1/patients/duplicates"
        r = self.api(
            self.reception,
            "GET",
            url,
            {"given_name": "anna", "family_name": "Jong", "birth_date": "1970-05-17"},
        )
        self.assertEqual([p["id"] for p in r.json()["items"]], [self.patient.pk])
        self.assertError(self.api(self.owner, "GET", url, {"given_name": "Anna"}), 422)
        self.assertError(
            self.api(
                self.owner,
                "GET",
                url,
                {"given_name": "Anna", "family_name": "Jong", "birth_date": "17-05-1970x"},
            ),
            422,
        )

    def test_the_new_patient_page_warns_and_creates_only_when_confirmed(self) -> None:
        client = self.client_for(self.reception)
        form = {
            "given_name": "Anna",
            "family_name": "de Jong",
            "birth_date": "1970-05-17",
            "sex": "female",
            "language": "nl",
        }
        r = client.post("/patients/new/", form)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, f'href="/patients/{self.patient.pk}/"')
        self.assertContains(r, 'name="confirm_new"')
        self.assertEqual(Patient.objects.filter(clinic=self.clinic).count(), 1)
        r = client.post("/patients/new/", {**form, "confirm_new": "1"})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(Patient.objects.filter(clinic=self.clinic).count(), 2)


class MergeTests(AcuflowTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.duplicate = make_patient(self.clinic, "Anna", "Jong")
        Consent.objects.create(patient=self.duplicate, kind="treatment", given=True)
        start = timezone.now() + dt.timedelta(days=3)
        self.appointment = Appointment.objects.create(
            clinic=self.clinic,
            patient=self.duplicate,
            practitioner=self.practitioner.practitioner,
            type=appointment_type_by_code(self.clinic, "follow_up"),
            start=start,
            end=start + dt.timedelta(minutes=30),
            busy_until=start + dt.timedelta(minutes=30),
        )
        self.bsn = valid_number("bsn")
        PatientIdentifier.objects.create(
            clinic=self.clinic, patient=self.duplicate, system="bsn", value=self.bsn
        )
        self.read = AuditEvent.objects.create(
            clinic=self.clinic, patient=self.duplicate, action="read", actor_label="x"
        )

    def merge(self, user=None, duplicate=None):  # type: ignore[no-untyped-def]
        return self.api(
            user or self.owner,
            "POST",
            f"/api/v1/patients/{self.patient.pk}/merge",
            {"duplicate": (duplicate or self.duplicate).pk},
        )

    def test_a_merge_moves_every_related_row_and_hides_the_duplicate(self) -> None:
        r = self.merge()
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual(r.json()["moved"]["patients.consent.patient"], 1)
        self.assertEqual(self.patient.consents.count(), 1)
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.patient_id, self.patient.pk)
        self.assertEqual(list(self.patient.identifiers.values_list("value", flat=True)), [self.bsn])
        self.duplicate.refresh_from_db()
        self.assertEqual(self.duplicate.merged_into_id, self.patient.pk)
        listed = self.api(self.owner, "GET", "/api/v1/patients?q=jong").json()
        self.assertEqual([p["id"] for p in listed["items"]], [self.patient.pk])
        # the audit trail stays as written, and the merge is in both records' trails
        self.read.refresh_from_db()
        self.assertEqual(self.read.patient_id, self.duplicate.pk)
        merge_events = AuditEvent.objects.filter(object_type="patients.patientmerge")
        self.assertEqual(
            sorted(merge_events.values_list("patient_id", flat=True)),
            sorted([self.patient.pk, self.duplicate.pk]),
        )

    def test_a_merged_duplicate_is_in_no_picker_and_signs_in_to_no_portal(self) -> None:
        Patient.objects.filter(pk__in=[self.patient.pk, self.duplicate.pk]).update(
            email="anna@nl.example"
        )
        self.assertEqual(
            sorted(p.pk for p in patients_with_email("anna@nl.example")),
            sorted([self.patient.pk, self.duplicate.pk]),
        )
        page = self.client_for(self.reception).get("/calendar/new/?q=jong")
        self.assertContains(page, f"patient={self.duplicate.pk}")
        self.assertEqual(self.merge().status_code, 201)
        # the booking page's patient picker and the portal's sign-in by email
        page = self.client_for(self.reception).get("/calendar/new/?q=jong")
        self.assertContains(page, f"patient={self.patient.pk}")
        self.assertNotContains(page, f"patient={self.duplicate.pk}")
        self.assertEqual([p.pk for p in patients_with_email("anna@nl.example")], [self.patient.pk])

    def test_a_row_the_kept_record_already_has_one_of_stays_with_the_duplicate(self) -> None:
        mine = valid_number("bsn", 5)
        PatientIdentifier.objects.create(
            clinic=self.clinic, patient=self.patient, system="bsn", value=mine
        )
        self.assertEqual(self.merge().status_code, 201)
        self.assertEqual(list(self.patient.identifiers.values_list("value", flat=True)), [mine])
        self.assertEqual(
            list(self.duplicate.identifiers.values_list("value", flat=True)), [self.bsn]
        )

    def test_undo_puts_back_what_moved_and_keeps_what_was_added_since(self) -> None:
        merge_id = self.merge().json()["id"]
        added = Consent.objects.create(patient=self.patient, kind="reminders", given=True)
        r = self.api(self.owner, "POST", f"/api/v1/patient-merges/{merge_id}/undo")
        self.assertEqual(r.status_code, 200, r.content)
        self.assertIsNotNone(r.json()["undone_at"])
        self.assertEqual(
            list(self.duplicate.consents.values_list("kind", flat=True)), ["treatment"]
        )
        self.assertEqual(list(self.patient.consents.all()), [added])
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.patient_id, self.duplicate.pk)
        self.assertEqual(self.duplicate.identifiers.get().value, self.bsn)
        self.duplicate.refresh_from_db()
        self.assertIsNone(self.duplicate.merged_into_id)
        again = self.api(self.owner, "POST", f"/api/v1/patient-merges/{merge_id}/undo")
        self.assertError(again, 409, "merge_undone")

    def test_undo_is_refused_after_30_days(self) -> None:
        merge_id = self.merge().json()["id"]
        PatientMerge.objects.filter(pk=merge_id).update(
            merged_at=timezone.now() - dt.timedelta(days=31)
        )
        r = self.api(self.owner, "POST", f"/api/v1/patient-merges/{merge_id}/undo")
        self.assertError(r, 409, "undo_expired")
        self.duplicate.refresh_from_db()
        self.assertEqual(self.duplicate.merged_into_id, self.patient.pk)

    def test_only_owners_merge_and_undo(self) -> None:
        for user in (self.practitioner, self.reception):
            self.assertError(self.merge(user), 403, "forbidden")
        self.assertEqual(PatientMerge.objects.count(), 0)
        merge_id = self.merge().json()["id"]
        r = self.api(self.practitioner, "POST", f"/api/v1/patient-merges/{merge_id}/undo")
        self.assertError(r, 403, "forbidden")

    def test_bad_merges_are_refused(self) -> None:
        self.assertError(self.merge(duplicate=self.patient), 422, "merge_same")
        self.assertError(self.merge(duplicate=self.other_patient), 404, "not_found")
        self.assertEqual(self.merge().status_code, 201)
        self.assertError(self.merge(), 409, "already_merged")
        self.assertError(
            self.api(self.owner, "POST", f"/api/v1/patients/{self.patient.pk}/merge", {}), 422
        )

    @unittest.skipUnless(connection.vendor == "postgresql", "needs PostgreSQL")
    def test_an_appointment_at_the_time_of_the_kept_ones_stays_with_the_duplicate(self) -> None:
        # PostgreSQL refuses one patient in two appointments at once: the merge moves
        # everything else and leaves that appointment with the duplicate.
        room = Room.objects.create(location=self.room.location, name="Room 2")
        Appointment.objects.filter(pk=self.appointment.pk).update(room=room)
        Appointment.objects.create(
            clinic=self.clinic,
            patient=self.patient,
            practitioner=self.ims.practitioner,
            type=self.appointment.type,
            start=self.appointment.start,
            end=self.appointment.end,
            busy_until=self.appointment.busy_until,
        )
        r = self.merge()
        self.assertEqual(r.status_code, 201, r.content)
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.patient_id, self.duplicate.pk)
        self.assertEqual(self.patient.consents.count(), 1)
        self.assertNotIn("scheduling.appointment.patient", r.json()["moved"])
