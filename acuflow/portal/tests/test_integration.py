"""The portal parts that come from other apps: appointments (scheduling), questionnaires
and the progress chart (outcomes), home care (charting) and reports."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.core import mail
from django.test import Client
from django.utils import timezone

from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase
from acuflow.portal.tests.test_portal import link_from_mail


class PortalPartsTests(AcuflowTestCase):
    def setUp(self) -> None:
        self.portal = Client()
        self.portal.post("/en/portal/link/", {"email": self.patient.email})
        self.portal.post(link_from_mail().split("testserver", 1)[1])
        mail.outbox.clear()

    def book(self, start: dt.datetime):  # type: ignore[no-untyped-def]
        from acuflow.scheduling.selectors import appointment_type_by_code
        from acuflow.scheduling.services import appointment_book
        from acuflow.scheduling.tests.helpers import weekday_hours

        practitioner = self.practitioner.practitioner
        if not practitioner.working_hours.exists():
            weekday_hours(practitioner)
        return appointment_book(
            actor=self.actor(self.reception),
            patient=self.patient,
            practitioner=practitioner,
            type=appointment_type_by_code(self.clinic, "follow_up"),
            start=start,
        )

    def test_upcoming_appointment_can_be_cancelled_inside_the_policy(self) -> None:
        if not apps.is_installed("acuflow.scheduling"):
            self.skipTest("scheduling app not installed")
        from acuflow.scheduling.tests.helpers import at, next_weekday

        appointment = self.book(at(next_weekday(1), 10))
        home = self.portal.get("/en/portal/")
        self.assertContains(home, "Cancel this appointment")
        response = self.portal.post(
            f"/en/portal/appointments/{appointment.pk}/cancel/", {"reason": "ill"}
        )
        self.assertRedirects(response, "/en/portal/", fetch_redirect_response=False)
        appointment.refresh_from_db()
        self.assertEqual(appointment.status, "cancelled")
        self.assertFalse(appointment.late_cancel)
        event = AuditEvent.objects.filter(
            object_type="scheduling.appointment", action="update"
        ).latest("id")
        self.assertEqual((event.channel, event.user), ("portal", None))

    def test_appointment_inside_the_late_window_cannot_be_changed_online(self) -> None:
        if not apps.is_installed("acuflow.scheduling"):
            self.skipTest("scheduling app not installed")
        from acuflow.scheduling.models import Appointment
        from acuflow.scheduling.tests.helpers import at, next_weekday

        appointment = self.book(at(next_weekday(1, weeks=2), 10))
        Appointment.objects.filter(pk=appointment.pk).update(
            start=timezone.now() + dt.timedelta(hours=2), end=timezone.now() + dt.timedelta(hours=3)
        )
        self.assertContains(self.portal.get("/en/portal/"), "please call the clinic")
        self.assertEqual(
            self.portal.post(f"/en/portal/appointments/{appointment.pk}/cancel/").status_code, 409
        )

    def test_reschedule_moves_to_a_free_time(self) -> None:
        if not apps.is_installed("acuflow.scheduling"):
            self.skipTest("scheduling app not installed")
        from acuflow.scheduling.tests.helpers import at, next_weekday

        appointment = self.book(at(next_weekday(1), 10))
        page = self.portal.get(f"/en/portal/appointments/{appointment.pk}/reschedule/")
        slots = page.context["slots"]
        self.assertTrue(slots)
        target = slots[3].start
        response = self.portal.post(
            f"/en/portal/appointments/{appointment.pk}/reschedule/", {"start": target.isoformat()}
        )
        self.assertRedirects(response, "/en/portal/", fetch_redirect_response=False)
        appointment.refresh_from_db()
        self.assertEqual(appointment.start, target)
        bad = self.portal.post(
            f"/en/portal/appointments/{appointment.pk}/reschedule/",
            {"start": "2000-01-01T00:00:00+00:00"},
        )
        self.assertEqual(bad.status_code, 409)

    def test_another_patients_appointment_is_404(self) -> None:
        if not apps.is_installed("acuflow.scheduling"):
            self.skipTest("scheduling app not installed")
        from acuflow.core.testing import make_patient
        from acuflow.scheduling.selectors import appointment_type_by_code
        from acuflow.scheduling.services import appointment_book
        from acuflow.scheduling.tests.helpers import at, next_weekday, weekday_hours

        other = make_patient(self.clinic, "Bob", "Else")
        weekday_hours(self.practitioner.practitioner)
        appointment = appointment_book(
            actor=self.actor(self.reception),
            patient=other,
            practitioner=self.practitioner.practitioner,
            type=appointment_type_by_code(self.clinic, "follow_up"),
            start=at(next_weekday(2), 11),
        )
        self.assertEqual(
            self.portal.post(f"/en/portal/appointments/{appointment.pk}/cancel/").status_code, 404
        )

    def test_questionnaire_due_chart_home_care_and_report(self) -> None:
        needed = ["acuflow.outcomes", "acuflow.protocols", "acuflow.charting", "acuflow.reports"]
        if not all(apps.is_installed(a) for a in needed):
            self.skipTest("outcomes, protocols, charting or reports not installed")
        from acuflow.charting.models import Session
        from acuflow.outcomes.links import make_response_link
        from acuflow.outcomes.tests.factories import make_course, make_session

        actor = self.actor(self.practitioner)
        course = make_course(actor, self.patient)
        session = make_session(course, days_ago=3, before=7, after=5)
        Session.objects.filter(pk=session.pk).update(
            home_care=[{"point": "LI4", "duration_minutes": 2, "frequency": "twice a day"}]
        )
        make_response_link(patient=self.patient, instrument="nrs", course=course, actor=actor)
        home = self.portal.get("/en/portal/")
        self.assertContains(home, "Questionnaires to fill in")
        self.assertContains(home, "/en/questionnaire/")
        self.assertContains(home, "<svg")
        self.assertContains(home, "LI4")
        self.assertContains(home, "twice a day")
        pdf = self.portal.get(f"/en/portal/reports/{course.pk}/progress.pdf")
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(
            AuditEvent.objects.filter(
                action="export", channel="portal", patient=self.patient
            ).exists()
        )

    def test_home_page_queries_do_not_grow_with_appointments(self) -> None:
        if not apps.is_installed("acuflow.scheduling"):
            self.skipTest("scheduling app not installed")
        from acuflow.scheduling.tests.helpers import at, next_weekday

        day = iter(range(1, 200))

        def rows(n: int) -> None:
            for _ in range(n):
                d = next(day)
                self.book(at(next_weekday(d % 5, weeks=1 + d // 5), 9 + d % 7))

        self.assertConstantQueries(rows, lambda: self.portal.get("/en/portal/"))
