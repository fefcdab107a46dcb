"""The trail is complete: each read path that shows identifiable patient data writes
its rows (searches record the query and the patients shown, calendars the appointments
shown), refused attempts are security events with target and reason, and
X-On-Behalf-Of only names a delegating member of the same clinic."""

from __future__ import annotations

import datetime as dt

from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from acuflow.audit.models import AuditEvent, SecurityEvent
from acuflow.charting import services as charting
from acuflow.charting.tests.factories import make_course
from acuflow.core.testing import PASSWORD, AcuflowTestCase, make_patient
from acuflow.scheduling.models import Appointment
from acuflow.scheduling.selectors import appointment_type_by_code


class ReadPathTests(AcuflowTestCase):
    def appointment(self) -> Appointment:
        start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
        return Appointment.objects.create(
            clinic=self.clinic,
            patient=self.patient,
            practitioner=self.practitioner.practitioner,
            type=appointment_type_by_code(self.clinic, "follow_up"),
            start=start,
            end=start + dt.timedelta(minutes=30),
            busy_until=start + dt.timedelta(minutes=30),
        )

    def rows(self, object_type: str) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(object_type=object_type).order_by("id"))

    def test_the_search_page_records_the_query_and_each_patient_shown(self) -> None:
        second = make_patient(self.clinic, "Anna", self.patient.family_name)
        client = self.client_for(self.reception)
        client.get(reverse("patients:list"), {"q": self.patient.family_name})
        rows = self.rows("patients.search")
        self.assertEqual({r.patient_id for r in rows}, {self.patient.pk, second.pk})
        self.assertEqual(rows[0].detail["q"], self.patient.family_name)

    def test_the_search_api_records_the_query_and_each_patient_shown(self) -> None:
        self.api(self.practitioner, "GET", f"/api/v1/patients?q={self.patient.family_name}")
        rows = self.rows("patients.search")
        self.assertEqual([r.patient_id for r in rows], [self.patient.pk])
        self.assertEqual((rows[0].detail["q"], rows[0].channel), (self.patient.family_name, "api"))

    def test_a_search_that_finds_nobody_is_still_recorded(self) -> None:
        self.api(self.practitioner, "GET", "/api/v1/patients?q=zzzznobody")
        rows = self.rows("patients.search")
        self.assertEqual([(r.patient_id, r.detail["q"]) for r in rows], [(None, "zzzznobody")])

    def test_the_calendar_records_each_appointment_shown(self) -> None:
        appointment = self.appointment()
        day = timezone.localdate(appointment.start).isoformat()
        client = self.client_for(self.reception)
        client.get(reverse("scheduling:calendar"), {"view": "day", "date": day})
        rows = self.rows("scheduling.calendar")
        self.assertEqual(
            [(r.patient_id, r.object_id) for r in rows], [(self.patient.pk, str(appointment.pk))]
        )

    def test_the_appointment_list_api_records_each_appointment(self) -> None:
        appointment = self.appointment()
        start = (appointment.start - dt.timedelta(days=1)).isoformat()
        end = (appointment.start + dt.timedelta(days=1)).isoformat()
        response = self.client.get(
            "/api/v1/appointments",
            {"from": start, "to": end},
            HTTP_AUTHORIZATION=f"Bearer {self.token_for(self.reception)}",
        )
        self.assertEqual(response.status_code, 200, response.content)
        rows = self.rows("scheduling.calendar")
        self.assertEqual([r.object_id for r in rows], [str(appointment.pk)])

    def test_the_consent_page_records_a_read(self) -> None:
        self.client_for(self.practitioner).get(reverse("patients:consent", args=[self.patient.pk]))
        self.assertEqual([r.patient_id for r in self.rows("patients.consent")], [self.patient.pk])

    def test_the_course_booking_page_records_a_read(self) -> None:
        course = make_course(self.actor(self.owner), self.patient)
        AuditEvent.objects.none()
        before = AuditEvent.objects.filter(object_id=str(course.pk), action="read").count()
        self.client_for(self.reception).get(reverse("scheduling:course_book", args=[course.pk]))
        after = AuditEvent.objects.filter(object_id=str(course.pk), action="read").count()
        self.assertEqual(after, before + 1)

    def test_reading_a_charting_draft_records_it(self) -> None:
        course = make_course(self.actor(self.owner), self.patient)
        draft = charting.draft_save(
            actor=self.actor(self.practitioner), course=course, data={"soap": {"s": "pain"}}
        )
        self.client_for(self.practitioner).get(reverse("charting:draft", args=[course.pk]))
        rows = self.rows("charting.draft")
        self.assertEqual(
            [(r.patient_id, r.object_id) for r in rows], [(self.patient.pk, str(draft.pk))]
        )


class RefusalTests(AcuflowTestCase):
    def test_a_404_for_another_clinics_patient_is_a_security_event_on_that_patient(self) -> None:
        response = self.api(self.other, "GET", f"/api/v1/patients/{self.patient.pk}")
        self.assertEqual(response.status_code, 404)
        event = SecurityEvent.objects.get()
        self.assertEqual(
            (event.kind, event.reason, event.target_type, event.target_id, event.patient_id),
            (
                "access_refused",
                "not_found",
                "patients.patient",
                str(self.patient.pk),
                self.patient.pk,
            ),
        )
        self.assertEqual(event.clinic, self.other.membership.clinic)
        trail = self.api(self.owner, "GET", f"/api/v1/patients/{self.patient.pk}/audit").json()
        self.assertEqual([r["id"] for r in trail["refused"]], [event.pk])
        listed = self.api(self.owner, "GET", "/api/v1/security-events").json()
        self.assertIn(event.pk, [e["id"] for e in listed["items"]])

    def test_a_page_404_for_another_clinics_patient_is_recorded(self) -> None:
        response = self.client_for(self.other).get(
            reverse("patients:detail", args=[self.patient.pk])
        )
        self.assertEqual(response.status_code, 404)
        self.assertTrue(SecurityEvent.objects.filter(patient=self.patient, channel="web").exists())

    def test_reception_refused_clinical_content_is_recorded(self) -> None:
        course = make_course(self.actor(self.owner), self.patient)
        response = self.api(self.reception, "GET", f"/api/v1/courses/{course.pk}")
        self.assertEqual(response.status_code, 403)
        event = SecurityEvent.objects.get()
        self.assertTrue(event.reason.startswith("forbidden"))
        self.assertEqual(event.patient_id, self.patient.pk)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_failed_sign_ins_and_the_lockout_are_recorded(self) -> None:
        client = Client()
        for _ in range(4):
            client.post(reverse("accounts:login"), {"email": self.owner.email, "password": "no"})
        kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))
        self.assertIn("sign_in_failed", kinds)
        self.assertIn("lockout", kinds)
        event = SecurityEvent.objects.filter(kind="sign_in_failed").first()
        assert event is not None
        self.assertEqual((event.clinic, event.actor_label), (self.clinic, self.owner.email))
        self.assertNotEqual(PASSWORD, "no")

    def test_security_events_are_for_owners_and_filter_by_time(self) -> None:
        self.api(self.other, "GET", f"/api/v1/patients/{self.patient.pk}")
        self.assertEqual(
            self.api(self.practitioner, "GET", "/api/v1/security-events").status_code, 403
        )
        future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
        response = self.client.get(
            "/api/v1/security-events",
            {"from": future},
            HTTP_AUTHORIZATION=f"Bearer {self.token_for(self.owner)}",
        )
        self.assertEqual(response.json()["count"], 0)


class OnBehalfOfTests(AcuflowTestCase):
    def get(self, header: str) -> object:
        return self.client.get(
            f"/api/v1/patients/{self.patient.pk}",
            HTTP_AUTHORIZATION=f"Bearer {self.token_for(self.reception)}",
            HTTP_X_ON_BEHALF_OF=header,
        )

    def test_a_delegating_colleague_is_recorded(self) -> None:
        self.assertEqual(self.get(self.practitioner.email).status_code, 200)
        event = AuditEvent.objects.get(patient=self.patient, action="read")
        self.assertEqual(event.on_behalf_of, f"{self.practitioner.email} (practitioner)")

    def test_anyone_else_is_a_400(self) -> None:
        for header in ("made up", self.other.email, self.reception.email):
            self.assertError(self.get(header), 400, "invalid_on_behalf_of")
        self.assertFalse(AuditEvent.objects.filter(patient=self.patient).exists())
