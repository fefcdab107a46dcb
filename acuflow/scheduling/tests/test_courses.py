"""Booking a whole course: every planned session at the cadence in one step, the
nearest free slot where the cadence slot is taken; occurrences stay independent."""

from __future__ import annotations

import datetime as dt

from acuflow.charting.tests.factories import make_course
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.scheduling import courses, services
from acuflow.scheduling.models import Appointment
from acuflow.scheduling.selectors import appointment_type_by_code
from acuflow.scheduling.tests.helpers import AMS, at, next_weekday, weekday_hours


class CourseBookingTests(AcuflowTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.owner_p = self.owner.practitioner
        weekday_hours(self.owner_p)
        self.monday = next_weekday(0)
        self.course = make_course(self.actor(self.owner), self.patient, start_date=self.monday)
        self.dates = [p.date for p in self.course.planned_sessions.all()]
        self.type = appointment_type_by_code(self.clinic, "follow_up")

    def book_course(self):  # type: ignore[no-untyped-def]
        course = courses.course_get_for_actor(
            actor=self.actor(self.reception), course_id=self.course.pk
        )
        return courses.course_book(
            actor=self.actor(self.reception), course=course, at_time=dt.time(10), type=self.type
        )

    def test_all_planned_sessions_are_booked_at_the_cadence_at_the_same_wall_clock_time(
        self,
    ) -> None:
        self.assertGreaterEqual(len(self.dates), 3)
        results = self.book_course()
        booked = list(Appointment.objects.filter(course=self.course).order_by("course_session"))
        self.assertEqual(len(booked), len(self.dates))
        self.assertEqual([a.course_session for a in booked], [p.number for p in results])
        for appointment, day in zip(booked, self.dates, strict=True):
            local = appointment.start.astimezone(AMS)
            self.assertEqual((local.date(), local.time()), (day, dt.time(10)))
            self.assertEqual(appointment.source, "course")
        self.assertEqual({p.status for p in results}, {"free"})

    def test_a_taken_cadence_slot_gets_the_nearest_free_time(self) -> None:
        second = self.dates[1]
        services.appointment_book(
            actor=self.actor(self.owner),
            patient=make_patient(self.clinic, "Bram", "Visser"),
            practitioner=self.owner_p,
            type=self.type,
            start=at(second, 10),
        )
        plan = courses.course_plan(
            actor=self.actor(self.owner), course=self.course, at_time=dt.time(10), type=self.type
        )
        self.assertEqual(plan[1].status, "moved")
        self.assertEqual(plan[1].start, at(second, 9, 30))  # as near as 10:30, and earlier
        self.assertFalse(
            Appointment.objects.filter(course=self.course).exists()
        )  # a plan writes nothing
        self.book_course()
        starts = [
            a.start
            for a in Appointment.objects.filter(course=self.course).order_by("course_session")
        ]
        self.assertEqual(starts[1], at(second, 9, 30))
        self.assertEqual(starts[0], at(self.dates[0], 10))

    def test_a_closed_course_is_not_booked_even_when_read_before_it_closed(self) -> None:
        from acuflow.protocols.services import course_close

        # Read while active (a preview on another screen), closed meanwhile, then booked.
        stale = courses.course_get_for_actor(
            actor=self.actor(self.reception), course_id=self.course.pk
        )
        course_close(actor=self.actor(self.owner), course=self.course, state="completed")
        with self.assertRaises(services.SchedulingError) as caught:
            courses.course_book(
                actor=self.actor(self.reception), course=stale, at_time=dt.time(10), type=self.type
            )
        self.assertEqual(caught.exception.code, "course_closed")
        self.assertFalse(Appointment.objects.filter(course=self.course).exists())

    def test_the_booking_page_of_a_closed_course_says_so_and_offers_no_booking(self) -> None:
        from acuflow.protocols.services import course_close

        url = f"/calendar/courses/{self.course.pk}/book/"
        client = self.client_for(self.reception)
        booking_form = '<form method="post">'  # the sign-out form has an action
        self.assertContains(client.get(url, {"time": "10:00", "type": self.type.pk}), booking_form)
        course_close(actor=self.actor(self.owner), course=self.course, state="stopped")
        page = client.get(url, {"time": "10:00", "type": self.type.pk})
        self.assertContains(page, 'id="course-closed"')
        self.assertNotContains(page, booking_form)
        posted = client.post(url, {"time": "10:00", "type": self.type.pk})
        self.assertContains(posted, 'id="course-closed"')
        self.assertFalse(Appointment.objects.filter(course=self.course).exists())

    def test_moving_or_cancelling_one_session_leaves_the_others(self) -> None:
        self.book_course()
        booked = list(Appointment.objects.filter(course=self.course).order_by("course_session"))
        before = {a.pk: a.start for a in booked}
        services.appointment_move(
            actor=self.actor(self.owner), appointment=booked[0], start=at(self.dates[0], 15)
        )
        services.appointment_cancel(
            actor=self.actor(self.owner), appointment=booked[1], reason="holiday"
        )
        after = {a.pk: (a.start, a.status) for a in Appointment.objects.filter(course=self.course)}
        for a in booked[2:]:
            self.assertEqual(after[a.pk], (before[a.pk], "booked"))
        self.assertEqual(after[booked[0].pk][0], at(self.dates[0], 15))
        # booking the course again fills the cancelled session only
        results = self.book_course()
        self.assertEqual([p.status for p in results].count("booked"), len(self.dates) - 1)
        self.assertEqual(
            Appointment.objects.filter(course=self.course).active().count(), len(self.dates)
        )

    def test_the_page_previews_then_books_and_is_404_for_another_clinic(self) -> None:
        client = self.client_for(self.reception)
        url = f"/calendar/courses/{self.course.pk}/book/"
        preview = client.get(url, {"time": "10:00", "type": self.type.pk})
        self.assertContains(preview, '<form method="post">', html=False)
        self.assertFalse(Appointment.objects.exists())
        client.post(url, {"time": "10:00", "type": self.type.pk})
        self.assertEqual(Appointment.objects.filter(course=self.course).count(), len(self.dates))
        self.assertEqual(self.client_for(self.other).get(url).status_code, 404)
        patient_page = client.get(f"/patients/{self.patient.pk}/")
        self.assertContains(patient_page, url)

    def test_a_time_of_day_the_clock_change_skips_on_a_planned_date_is_a_form_error(
        self,
    ) -> None:
        # The last Sunday of March 2027: 02:30 does not exist in Amsterdam.
        self.course.planned_sessions.filter(number=1).update(date=dt.date(2027, 3, 28))
        client = self.client_for(self.reception)
        url = f"/calendar/courses/{self.course.pk}/book/"
        for answer in (
            client.get(url, {"time": "02:30", "type": self.type.pk}),
            client.post(url, {"time": "02:30", "type": self.type.pk}),
        ):
            errors = answer.context["form"].errors["time"]
            self.assertIn("Europe/Amsterdam", errors[0])
        self.assertFalse(Appointment.objects.exists())
