"""The appointment's day: the today page and API, the status steps, sessions charted
for an appointment, and the dashboard's count."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acuflow.audit.models import AuditEvent
from acuflow.charting import services as charting
from acuflow.charting.models import Session
from acuflow.charting.tests.factories import make_course
from acuflow.core.errors import DomainError
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.protocols.models import PlannedSession
from acuflow.scheduling import selectors
from acuflow.scheduling.models import Appointment, AppointmentType, Holiday


def within_the_clinic_day(tc: AcuflowTestCase) -> None:
    """Run the rest of the test at a time of the clinic's day with room for the
    appointments these tests make around now (from two hours before to two and a half
    after): between 21:00 and 02:30 in the clinic's zone the clock moves, ticking, to
    21:00 or 02:30 of the same local day until the test ends. At 23:40 an appointment
    "30 minutes from now" is tomorrow, and the today list rightly leaves it out."""
    local = timezone.now().astimezone(selectors.clinic_zone(tc.clinic))
    minutes = local.hour * 60 + local.minute
    if 150 <= minutes <= 21 * 60:
        return
    hour, minute = (2, 30) if minutes < 150 else (21, 0)
    traveller = time_machine.travel(
        local.replace(hour=hour, minute=minute, second=0, microsecond=0), tick=True
    )
    traveller.start()
    tc.addCleanup(traveller.stop)


def appointment_today(
    tc: AcuflowTestCase,
    *,
    minutes_from_now: int = -10,
    type_code: str = "follow_up",
    patient=None,  # type: ignore[no-untyped-def]
    practitioner=None,  # type: ignore[no-untyped-def]
    course=None,  # type: ignore[no-untyped-def]
) -> Appointment:
    """An appointment of the clinic's today that started (or starts) around now, written
    straight to the table: booking refuses a start in the past."""
    kind: AppointmentType = selectors.appointment_types(tc.clinic).get(code=type_code)
    start = timezone.now() + dt.timedelta(minutes=minutes_from_now)
    end = start + dt.timedelta(minutes=kind.duration_minutes)
    return Appointment.objects.create(
        clinic=tc.clinic,
        patient=patient or tc.patient,
        practitioner=practitioner or tc.owner.practitioner,
        location=tc.clinic.locations.first(),
        type=kind,
        start=start,
        end=end,
        busy_until=end,
        course=course,
    )


class TodayTestCase(AcuflowTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.course = make_course(cls.actor(cls, cls.owner), cls.patient)  # type: ignore[arg-type]

    def setUp(self) -> None:
        super().setUp()
        within_the_clinic_day(self)

    def status(self, appointment: Appointment, status: str, user=None):  # type: ignore[no-untyped-def]
        return self.api(
            user or self.owner,
            "POST",
            f"/api/v1/appointments/{appointment.pk}/status",
            {"status": status},
        )

    def chart(self, appointment: Appointment | None, **extra):  # type: ignore[no-untyped-def]
        fields = {
            "actor": self.actor(self.owner),
            "course": self.course,
            "started_at": timezone.now(),
            "sites": [{"point": "BL40"}],
            "needles_in": 2,
            "needles_out": 2,
            "appointment_id": appointment.pk if appointment else None,
        }
        fields.update(extra)
        return charting.session_create(**fields)


class StatusFlowTests(TodayTestCase):
    def test_it_goes_booked_arrived_in_treatment_done_once_charted(self) -> None:
        appointment = appointment_today(self)
        for step in ("arrived", "in_treatment"):
            r = self.status(appointment, step)
            self.assertEqual((r.status_code, r.json()["status"]), (200, step), r.content)
        # A treatment is done only once its session is charted.
        self.assertError(self.status(appointment, "done"), 409, "session_required")
        session = self.chart(appointment)
        self.assertEqual(session.appointment_ref, appointment.pk)
        r = self.status(appointment, "done")
        self.assertEqual((r.status_code, r.json()["status"]), (200, "done"), r.content)
        self.assertEqual(
            AuditEvent.objects.filter(object_type="scheduling.appointment").count() >= 3, True
        )

    def test_an_initial_assessment_is_done_without_a_session(self) -> None:
        appointment = appointment_today(self, type_code="initial_assessment")
        r = self.status(appointment, "done")
        self.assertEqual(r.status_code, 200, r.content)

    def test_steps_that_cannot_follow_are_refused(self) -> None:
        appointment = appointment_today(self)
        self.assertEqual(self.status(appointment, "no_show").status_code, 200)
        self.assertError(self.status(appointment, "in_treatment"), 409, "invalid_transition")
        self.assertEqual(self.status(appointment, "booked").json()["status"], "booked")
        self.assertError(self.status(appointment, "cancelled"), 422)
        self.assertError(self.status(appointment, "finished"), 422)

    def test_arriving_before_the_day_is_refused(self) -> None:
        appointment = appointment_today(self, minutes_from_now=3 * 24 * 60)
        self.assertError(self.status(appointment, "arrived"), 422, "not_today")
        self.assertError(self.status(appointment, "no_show"), 422, "not_started")

    def test_a_late_cancellation_frees_the_slot_and_shows_as_such_today(self) -> None:
        appointment = appointment_today(self)
        r = self.status(appointment, "late_cancelled")
        self.assertEqual(r.status_code, 200, r.content)
        appointment.refresh_from_db()
        self.assertEqual((appointment.status, appointment.late_cancel), ("cancelled", True))
        today = self.api(self.owner, "GET", "/api/v1/today").json()
        self.assertEqual([i["day_status"] for i in today["items"]], ["late_cancelled"])

    def test_another_clinic_gets_404(self) -> None:
        appointment = appointment_today(self)
        self.assertError(self.status(appointment, "arrived", user=self.other), 404)
        self.assertEqual(Appointment.objects.get(pk=appointment.pk).status, "booked")


class ChartingAnAppointmentTests(TodayTestCase):
    def test_a_session_is_for_the_same_patient_on_the_same_day(self) -> None:
        someone_else = make_patient(self.clinic, "Bram", "de Vries")
        theirs = appointment_today(self, patient=someone_else)
        with self.assertRaises(DomainError) as caught:
            self.chart(theirs)
        self.assertEqual(caught.exception.code, "appointment_other_patient")
        tomorrow = appointment_today(self, minutes_from_now=26 * 60)
        with self.assertRaises(DomainError) as caught:
            self.chart(tomorrow)
        self.assertEqual(caught.exception.code, "appointment_other_day")
        self.assertFalse(Session.objects.exists())

    def test_the_api_refuses_another_patients_or_another_clinics_appointment(self) -> None:
        theirs = appointment_today(self, patient=make_patient(self.clinic, "Bram", "de Vries"))
        elsewhere = Appointment.objects.create(
            clinic=self.other_clinic,
            patient=self.other_patient,
            practitioner=self.other.practitioner,
            type=selectors.appointment_types(self.other_clinic).get(code="follow_up"),
            start=timezone.now(),
            end=timezone.now() + dt.timedelta(minutes=30),
            busy_until=timezone.now() + dt.timedelta(minutes=30),
        )
        for appointment, status, code in (
            (theirs, 422, "appointment_other_patient"),
            (elsewhere, 404, "not_found"),
        ):
            with self.subTest(code=code):
                r = self.api(
                    self.owner,
                    "POST",
                    f"/api/v1/courses/{self.course.pk}/sessions",
                    {
                        "started_at": timezone.now().isoformat(),
                        "sites": [{"point": "BL40"}],
                        "needles_in": 2,
                        "needles_out": 2,
                        "appointment_id": appointment.pk,
                    },
                )
                self.assertError(r, status, code)
        self.assertFalse(Session.objects.exists())

    def test_a_cancelled_appointment_or_one_charted_already_is_refused(self) -> None:
        appointment = appointment_today(self)
        self.chart(appointment)
        r = self.api(
            self.owner,
            "POST",
            f"/api/v1/courses/{self.course.pk}/sessions",
            {
                "started_at": timezone.now().isoformat(),
                "sites": [{"point": "BL40"}],
                "needles_in": 2,
                "needles_out": 2,
                "appointment_id": appointment.pk,
            },
        )
        self.assertError(r, 409, "appointment_charted")
        missed = appointment_today(self, minutes_from_now=-120)
        self.status(missed, "no_show")
        with self.assertRaises(DomainError) as caught:
            self.chart(missed)
        self.assertEqual(caught.exception.code, "appointment_not_chartable")

    def test_an_appointment_of_another_clinic_is_not_found(self) -> None:
        theirs = Appointment.objects.create(
            clinic=self.other_clinic,
            patient=self.other_patient,
            practitioner=self.other.practitioner,
            type=selectors.appointment_types(self.other_clinic).get(code="follow_up"),
            start=timezone.now(),
            end=timezone.now() + dt.timedelta(minutes=30),
            busy_until=timezone.now() + dt.timedelta(minutes=30),
        )
        with self.assertRaises(DomainError) as caught:
            self.chart(theirs)
        self.assertEqual(caught.exception.code, "not_found")

    def test_without_an_appointment_a_reason_is_asked(self) -> None:
        with self.assertRaises(DomainError) as caught:
            self.chart(None)
        self.assertEqual(
            (caught.exception.code, caught.exception.field),
            ("unbooked_reason_required", "unbooked_reason"),
        )
        self.assertEqual(self.chart(None, unbooked_reason="walk-in").unbooked_reason, "walk-in")

    def test_the_today_chart_link_opens_the_screen_for_the_appointment(self) -> None:
        appointment = appointment_today(self)
        client = self.client_for(self.owner)
        r = client.get(f"/calendar/appointments/{appointment.pk}/chart/")
        self.assertRedirects(
            r,
            f"/charting/courses/{self.course.pk}/chart/?appointment={appointment.pk}",
            fetch_redirect_response=False,
        )
        page = client.get(r["Location"])
        self.assertEqual(page.context["state"]["appointment_id"], appointment.pk)
        self.assertContains(page, 'id="chart-appointment"')
        self.assertEqual(
            self.client_for(self.reception)
            .get(f"/calendar/appointments/{appointment.pk}/chart/")
            .status_code,
            403,
        )


class TodayListTests(TodayTestCase):
    def test_the_api_lists_the_day_in_order_with_the_charted_session(self) -> None:
        later = appointment_today(self, minutes_from_now=60)
        now = appointment_today(self, minutes_from_now=-40)
        session = self.chart(now)
        appointment_today(self, practitioner=self.practitioner.practitioner, minutes_from_now=0)
        r = self.api(
            self.owner, "GET", "/api/v1/today", {"practitioner": self.owner.practitioner.pk}
        )
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual([i["id"] for i in body["items"]], [now.pk, later.pk])
        self.assertEqual(body["items"][0]["session_id"], session.pk)
        self.assertIsNone(body["items"][1]["session_id"])
        everyone = self.api(self.owner, "GET", "/api/v1/today").json()
        self.assertEqual(everyone["count"], 3)
        # Reception sees the day, not the clinical record behind it.
        desk = self.api(self.reception, "GET", "/api/v1/today").json()
        self.assertEqual({i["session_id"] for i in desk["items"]}, {None})

    def test_bad_filters_are_4xx(self) -> None:
        self.assertError(self.api(self.owner, "GET", "/api/v1/today", {"date": "27-11"}), 422)
        self.assertError(
            self.api(self.owner, "GET", "/api/v1/today", {"location": 999999}),
            422,
            "unknown_location",
        )
        self.assertEqual(
            self.api(self.owner, "GET", "/api/v1/today", {"practitioner": 999999}).status_code,
            404,
        )

    def test_the_page_shows_the_steps_and_a_chart_link(self) -> None:
        appointment = appointment_today(self)
        client = self.client_for(self.owner)
        page = client.get("/calendar/today/")
        self.assertContains(page, f'id="appointment-{appointment.pk}"')
        self.assertContains(page, f"/calendar/appointments/{appointment.pk}/chart/")
        r = client.post(
            f"/calendar/appointments/{appointment.pk}/status/",
            {"status": "arrived", "next": "/calendar/today/"},
        )
        self.assertRedirects(r, "/calendar/today/", fetch_redirect_response=False)
        self.assertEqual(Appointment.objects.get(pk=appointment.pk).status, "arrived")
        # An address elsewhere is not followed.
        r = client.post(
            f"/calendar/appointments/{appointment.pk}/status/",
            {"status": "booked", "next": "https://evil.example/"},
        )
        self.assertRedirects(
            r, f"/calendar/appointments/{appointment.pk}/", fetch_redirect_response=False
        )

    def test_the_page_reads_a_constant_number_of_queries(self) -> None:
        client = self.client_for(self.owner)
        appointment_today(self)

        def queries() -> int:
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(client.get("/calendar/today/").status_code, 200)
            return len(ctx.captured_queries)

        queries()  # the first request of a session also saves the session
        one = queries()
        for minutes in (30, 60, 90):
            self.chart(appointment_today(self, minutes_from_now=minutes))
        self.assertEqual(queries(), one)

    def test_the_dashboard_counts_my_appointments_today(self) -> None:
        appointment_today(self)
        appointment_today(self, minutes_from_now=30)
        # another patient (a patient is in one appointment at a time)
        other = make_patient(self.clinic, "Noor", "Visser")
        appointment_today(self, practitioner=self.practitioner.practitioner, patient=other)
        page = self.client_for(self.owner).get("/")
        self.assertContains(page, 'id="dashboard-today"')
        self.assertContains(page, '<p class="big"><a href="/calendar/today/">2</a></p>', html=False)


class HolidayTests(AcuflowTestCase):
    def test_public_holidays_and_the_clinics_closures_are_listed(self) -> None:
        Holiday.objects.create(clinic=self.clinic, date=dt.date(2026, 12, 24), name="Team day")
        r = self.api(
            self.owner, "GET", "/api/v1/holidays", {"from": "2026-12-20", "to": "2027-01-02"}
        )
        self.assertEqual(r.status_code, 200, r.content)
        days = {d["date"]: d["name"] for d in r.json()}
        self.assertEqual(
            sorted(days), ["2026-12-24", "2026-12-25", "2026-12-26", "2027-01-01"], days
        )
        self.assertEqual(days["2026-12-24"], "Team day")
        self.assertError(
            self.api(self.owner, "GET", "/api/v1/holidays", {"from": "2026-12-20", "to": "x"}),
            422,
        )

    def test_a_course_plan_skips_christmas_and_new_year(self) -> None:
        course = make_course(self.actor(self.owner), self.patient, start_date=dt.date(2026, 12, 18))
        dates = list(
            PlannedSession.objects.filter(course=course)
            .order_by("number")
            .values_list("date", flat=True)
        )
        self.assertTrue(dates, "a plan")
        for closed in (dt.date(2026, 12, 25), dt.date(2026, 12, 26), dt.date(2027, 1, 1)):
            self.assertNotIn(closed, dates)
        self.assertEqual(len(dates), len(set(dates)))

    def test_the_calendar_shows_the_holiday(self) -> None:
        self.owner.language = "en"
        self.owner.save(update_fields=["language"])
        page = self.client_for(self.owner).get("/calendar/?view=week&date=2026-12-25")
        self.assertContains(page, 'class="cal-closed"')
        self.assertContains(page, "Christmas")
