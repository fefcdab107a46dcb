from __future__ import annotations

import datetime as dt
import json
from unittest import mock

from django.core.cache import cache
from django.db import connection
from icalendar import Calendar

from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.outcomes import services as outcome_services
from acuflow.outcomes.tests.factories import make_course, make_session
from acuflow.patients.models import Patient
from acuflow.scheduling import services
from acuflow.scheduling.models import Appointment, BookingRequest
from acuflow.scheduling.selectors import appointment_type_by_code, feed_for
from acuflow.scheduling.tests.helpers import AMS, at, next_weekday, weekday_hours


class PagesTestCase(AcuflowTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.acu = self.practitioner.practitioner
        weekday_hours(self.acu, self.ims.practitioner)
        self.monday = next_weekday(0)
        self.type = appointment_type_by_code(self.clinic, "follow_up")

    def book(self, start: dt.datetime, patient=None, practitioner=None):  # type: ignore[no-untyped-def]
        return services.appointment_book(
            actor=self.actor(self.owner),
            patient=patient or self.patient,
            practitioner=practitioner or self.acu,
            type=self.type,
            start=start,
        )


class CalendarPageTests(PagesTestCase):
    def test_week_view_shows_the_appointment_at_its_local_time(self) -> None:
        self.book(at(self.monday, 10))
        r = self.client_for(self.reception).get(
            f"/calendar/?practitioner={self.acu.pk}&date={self.monday}"
        )
        self.assertContains(r, self.patient.full_name)
        self.assertContains(r, "<strong>10:00</strong>", html=False)
        self.assertContains(r, 'draggable="true"')

    def test_day_view_per_location_has_a_column_per_practitioner(self) -> None:
        self.book(at(self.monday, 10))
        location = self.clinic.locations.first()
        r = self.client_for(self.owner).get(
            f"/calendar/?location={location.pk}&view=day&date={self.monday}"
        )
        self.assertContains(r, self.practitioner.full_name)
        self.assertContains(r, self.ims.full_name)
        self.assertContains(r, self.patient.full_name)

    def test_htmx_request_gets_only_the_grid(self) -> None:
        r = self.client_for(self.owner).get(
            f"/calendar/?date={self.monday}", HTTP_HX_REQUEST="true"
        )
        self.assertNotContains(r, "<html")
        self.assertContains(r, 'class="cal"')

    def test_calendar_has_constant_query_count(self) -> None:
        patients = [make_patient(self.clinic, f"P{i}", "Test") for i in range(50)]
        made = {"n": 0}

        def make_rows(n: int) -> None:
            for _ in range(n):
                i = made["n"]
                made["n"] += 1
                day = self.monday + dt.timedelta(days=i // 16)
                self.book(at(day, 9) + dt.timedelta(minutes=30 * (i % 16)), patient=patients[i])

        client = self.client_for(self.owner)
        location = self.clinic.locations.first()
        url = f"/calendar/?location={location.pk}&date={self.monday}"
        self.assertConstantQueries(make_rows, lambda: client.get(url))
        self.assertConstantQueries(
            lambda n: None,
            lambda: client.get(f"/calendar/?practitioner={self.acu.pk}&date={self.monday}"),
        )

    def test_the_calendar_reads_the_clinic_closures_once(self) -> None:
        # One read serves the working windows (a closure closes them) and the closed
        # days' names; the blocks are read in one query without the practitioner's user.
        self.book(at(self.monday, 10))
        client = self.client_for(self.owner)
        url = f"/calendar/?practitioner={self.acu.pk}&date={self.monday}"
        client.get(url)
        with self.count_queries() as queries:
            r = client.get(url)
        self.assertContains(r, "<strong>10:00</strong>")
        sql = [q["sql"] for q in queries.captured_queries]
        self.assertEqual(len([s for s in sql if 'FROM "scheduling_holiday"' in s]), 1)
        blocks = [s for s in sql if 'FROM "scheduling_appointment"' in s]
        self.assertEqual(len(blocks), 1)
        self.assertNotIn('"accounts_user"', blocks[0])

    def test_drag_to_move_posts_the_wall_clock_time(self) -> None:
        appointment = self.book(at(self.monday, 10))
        tuesday = self.monday + dt.timedelta(days=1)
        r = self.client_for(self.reception).post(
            f"/calendar/appointments/{appointment.pk}/move/?practitioner={self.acu.pk}&date={self.monday}",
            {"start": f"{tuesday}T14:30", "practitioner": self.acu.pk},
            HTTP_HX_REQUEST="true",
        )
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["HX-Trigger"], '{"calendarError": ""}')
        appointment.refresh_from_db()
        self.assertEqual(appointment.start, at(tuesday, 14, 30))

    def test_a_refused_move_reports_why_and_changes_nothing(self) -> None:
        first = self.book(at(self.monday, 10))
        self.book(at(self.monday, 11), patient=make_patient(self.clinic, "Bram", "Visser"))
        r = self.client_for(self.owner).post(
            f"/calendar/appointments/{first.pk}/move/",
            {"start": f"{self.monday}T11:00"},
            HTTP_HX_REQUEST="true",
        )
        self.assertTrue(json.loads(r["HX-Trigger"])["calendarError"])
        first.refresh_from_db()
        self.assertEqual(first.start, at(self.monday, 10))

    def test_a_move_into_the_autumn_overlap_is_refused_naming_the_zone(self) -> None:
        first = self.book(at(self.monday, 10))
        r = self.client_for(self.owner).post(
            f"/calendar/appointments/{first.pk}/move/",
            {"start": "2027-10-31T02:30"},
            HTTP_HX_REQUEST="true",
        )
        error = json.loads(r["HX-Trigger"])["calendarError"]
        self.assertIn("Europe/Amsterdam", error)
        self.assertIn("02:30", error)
        first.refresh_from_db()
        self.assertEqual(first.start, at(self.monday, 10))

    def test_moving_one_course_session_leaves_the_others(self) -> None:
        a = self.book(at(self.monday, 10))
        b = self.book(at(self.monday + dt.timedelta(days=7), 10))
        Appointment.objects.filter(pk__in=[a.pk, b.pk]).update(course_session=1)
        self.client_for(self.owner).post(
            f"/calendar/appointments/{a.pk}/move/", {"start": f"{self.monday}T15:00"}
        )
        a.refresh_from_db()
        b.refresh_from_db()
        self.assertEqual(a.start, at(self.monday, 15))
        self.assertEqual(b.start, at(self.monday + dt.timedelta(days=7), 10))

    def test_cancel_and_no_show_from_the_appointment_page(self) -> None:
        appointment = self.book(at(self.monday, 10))
        client = self.client_for(self.reception)
        page = client.get(f"/calendar/appointments/{appointment.pk}/")
        self.assertContains(page, f"/calendar/appointments/{appointment.pk}/cancel/")
        client.post(
            f"/calendar/appointments/{appointment.pk}/cancel/",
            {"reason": "Ill", "late_cancel": "yes"},
        )
        appointment.refresh_from_db()
        self.assertEqual((appointment.status, appointment.late_cancel), ("cancelled", True))

    def test_book_page_books_a_chosen_slot(self) -> None:
        client = self.client_for(self.reception)
        slots = client.get(
            "/calendar/slots/",
            {"type": self.type.pk, "practitioner": self.acu.pk, "date": self.monday.isoformat()},
        )
        self.assertContains(slots, 'name="slot"')
        r = client.post(
            "/calendar/new/",
            {
                "patient": self.patient.pk,
                "type": self.type.pk,
                "practitioner": self.acu.pk,
                "date": self.monday.isoformat(),
                "slot": at(self.monday, 13).isoformat(),
            },
        )
        appointment = Appointment.objects.get()
        self.assertRedirects(r, f"/calendar/appointments/{appointment.pk}/")
        self.assertEqual(appointment.start, at(self.monday, 13))

    def test_patient_page_lists_appointments(self) -> None:
        self.book(at(self.monday, 10))
        r = self.client_for(self.reception).get(f"/patients/{self.patient.pk}/")
        self.assertContains(r, f"/calendar/new/?patient={self.patient.pk}")
        self.assertContains(r, "10:00")

    def test_times_show_in_the_clinics_zone_not_the_servers(self) -> None:
        # TIME_ZONE is Europe/Amsterdam; a clinic in New York must see its own times on
        # the patient page and in the calendar blocks.
        from zoneinfo import ZoneInfo

        appointment = self.book(at(self.monday, 10))
        self.clinic.timezone = "America/New_York"
        self.clinic.save(update_fields=["timezone"])
        local = appointment.start.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
        self.assertNotEqual(local, "10:00")
        page = self.client_for(self.owner).get(f"/patients/{self.patient.pk}/")
        self.assertContains(page, f" {local}</a>")
        self.assertNotContains(page, " 10:00</a>")
        week = self.client_for(self.owner).get(
            f"/calendar/?view=week&practitioner={self.acu.pk}&date={self.monday}"
        )
        self.assertContains(week, f"<strong>{local}</strong>")
        self.assertNotContains(week, "<strong>10:00</strong>")
        detail = self.client_for(self.owner).get(f"/calendar/appointments/{appointment.pk}/")
        self.assertContains(detail, f" {local}–")
        self.assertNotContains(detail, " 10:00–")


class FeedTests(PagesTestCase):
    def test_the_feed_is_valid_icalendar_with_the_appointments(self) -> None:
        first = self.book(at(self.monday, 10))
        self.book(at(self.monday, 11), patient=make_patient(self.clinic, "Bram", "Visser"))
        cancelled = self.book(
            at(self.monday, 12), patient=make_patient(self.clinic, "Kees", "Smit")
        )
        services.appointment_cancel(actor=self.actor(self.owner), appointment=cancelled, reason="x")
        token = feed_for(self.acu).token
        r = self.client.get(f"/calendar/practitioners/{self.acu.pk}/calendar.ics?token={token}")
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r["Content-Type"].startswith("text/calendar"))
        calendar = Calendar.from_ical(r.content)
        events = calendar.walk("VEVENT")
        self.assertEqual(len(events), 2)
        self.assertEqual(events[0].decoded("DTSTART"), first.start)
        self.assertEqual(events[0].decoded("DTSTART").astimezone(AMS).hour, 10)
        self.assertEqual(str(events[0]["SUMMARY"]), "Follow-up treatment (A. d.)")
        self.assertNotIn("de Jong", r.content.decode())  # initials only

    def test_a_wrong_or_missing_token_is_refused(self) -> None:
        feed_for(self.acu)
        for query in [
            "",
            "?token=",
            "?token=guess",
            f"?token={feed_for(self.ims.practitioner).token}",
        ]:
            r = self.client.get(f"/calendar/practitioners/{self.acu.pk}/calendar.ics{query}")
            self.assertEqual(r.status_code, 404, query)


class OnlineBookingTests(PagesTestCase):
    url = "/en/book/test-nl/"

    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def form(self, **changes: str) -> dict[str, str]:
        from acuflow.scheduling.public import _shown_token

        with mock.patch(
            "django.utils.timezone.now",
            return_value=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30),
        ):
            shown = _shown_token()
        data = {
            "type": str(self.type.pk),
            "practitioner": "",
            "date": self.monday.isoformat(),
            "slot": f"{at(self.monday, 10).isoformat()}|{self.acu.pk}",
            "given_name": "Nina",
            "family_name": "Nieuw",
            "birth_date": "1985-04-03",
            "sex": "female",
            "email": "nina@patients.example",
            "phone": "+31 6 5555 1234",
            "complaint": "Low back pain",
            "onset": "chronic",
            "website": "",
            "shown": shown,
        }
        for key in [
            "bladder_bowel",
            "leg_weakness",
            "cancer_weight",
            "fever",
            "injury",
            "night_pain",
        ]:
            data[f"rf_{key}"] = "no"
        data.update(changes)
        return data

    def test_the_page_offers_types_and_slots(self) -> None:
        page = self.client.get(self.url)
        self.assertContains(page, "Follow-up treatment")
        self.assertContains(page, "https://wa.me/31612345678")
        slots = self.client.get(
            f"{self.url}slots/", {"type": self.type.pk, "date": self.monday.isoformat()}
        )
        self.assertContains(slots, f"{at(self.monday, 9).astimezone(dt.UTC).isoformat()}|")

    def test_slots_are_labelled_in_the_clinics_zone(self) -> None:
        # Working hours 09:00-17:00 are the clinic's local hours; in New York the first
        # slot reads 09:00 (in Amsterdam, the server's TIME_ZONE, it is 15:00).
        self.clinic.timezone = "America/New_York"
        self.clinic.save(update_fields=["timezone"])
        slots = self.client.get(
            f"{self.url}slots/", {"type": self.type.pk, "date": self.monday.isoformat()}
        )
        labels = slots.content.decode().split("required> ")[1:]
        self.assertEqual(labels[0][:5], "09:00")

    def test_a_new_patient_books_a_free_slot(self) -> None:
        r = self.client.post(self.url, self.form())
        self.assertEqual(r.status_code, 302, r.content[:2000])
        page = self.client.get(r["Location"])
        self.assertContains(page, "Your appointment is booked")
        patient = Patient.objects.get(email="nina@patients.example")
        appointment = Appointment.objects.get(patient=patient)
        self.assertEqual((appointment.start, appointment.source), (at(self.monday, 10), "online"))
        intake = BookingRequest.objects.get(patient=patient)
        self.assertEqual((intake.appointment_id, intake.needs_staff), (appointment.pk, False))

    def test_any_red_flag_yes_makes_it_a_request_for_staff(self) -> None:
        r = self.client.post(self.url, self.form(rf_leg_weakness="yes"))
        page = self.client.get(r["Location"])
        self.assertContains(page, "we would like to talk to you")
        self.assertFalse(Appointment.objects.exists())
        request = BookingRequest.objects.get()
        self.assertTrue(request.needs_staff)
        staff = self.client_for(self.reception).get("/calendar/requests/")
        self.assertContains(staff, "Nina Nieuw")
        self.assertNotContains(staff, "Low back pain")  # clinical answers: not for reception
        self.assertContains(
            self.client_for(self.practitioner).get("/calendar/requests/"), "Low back pain"
        )

    def test_red_flag_answers_show_as_the_screens_red_flags_not_codes(self) -> None:
        self.client.post(self.url, self.form(rf_bladder_bowel="yes", rf_leg_weakness="yes"))
        page = self.client_for(self.practitioner).get("/calendar/requests/")
        text = page.content.decode()
        self.assertNotIn("bladder_bowel", text)
        self.assertNotIn("leg_weakness", text)
        self.assertEqual(text.count('class="badge danger"'), 1)  # both ask about cauda equina

    def test_every_red_flag_question_must_be_answered(self) -> None:
        data = self.form()
        del data["rf_fever"]
        self.assertEqual(self.client.post(self.url, data).status_code, 422)
        self.assertFalse(Patient.objects.filter(email="nina@patients.example").exists())

    def test_a_taken_slot_is_refused_with_a_message(self) -> None:
        self.book(at(self.monday, 10))
        r = self.client.post(self.url, self.form())
        self.assertContains(r, "Someone else just booked that time", status_code=422)
        self.assertFalse(Patient.objects.filter(email="nina@patients.example").exists())

    def test_the_honeypot_books_nothing(self) -> None:
        r = self.client.post(self.url, self.form(website="http://spam.example"))
        self.assertEqual(r.status_code, 200)
        self.assertFalse(Appointment.objects.exists())

    def test_a_form_sent_too_fast_or_with_a_forged_time_is_refused(self) -> None:
        from acuflow.scheduling.public import _shown_token

        for shown in [_shown_token(), "12345:forged"]:
            r = self.client.post(self.url, self.form(shown=shown))
            self.assertEqual(r.status_code, 422)
        self.assertFalse(Appointment.objects.exists())

    def test_submissions_are_rate_limited_per_address(self) -> None:
        for _ in range(5):
            self.client.post(self.url, self.form(website="bot"))
        self.assertEqual(self.client.post(self.url, self.form()).status_code, 429)
        self.assertFalse(Appointment.objects.exists())

    def test_past_and_far_dates_have_no_slots(self) -> None:
        for day in [
            dt.date.today() - dt.timedelta(days=7),
            dt.date.today() + dt.timedelta(days=400),
        ]:
            r = self.client.get(
                f"{self.url}slots/", {"type": self.type.pk, "date": day.isoformat()}
            )
            self.assertNotContains(r, 'name="slot"')

    def test_unknown_clinic_is_404(self) -> None:
        self.assertEqual(self.client.get("/en/book/no-such-clinic/").status_code, 404)


class PatientPageQueryTests(PagesTestCase):
    """The patient page with something in every section: a pinned number of queries
    (each section reads only its columns: a deferred column read per row would show here)
    and the same number with many rows."""

    # session, user, BEGIN, patient, consents, identifiers, the sections (assessments,
    # courses, appointments, sessions and their count, questionnaires), merges, and the
    # audit rows (chain head, insert, head update, COMMIT); on PostgreSQL the insert
    # moves the head in its own statement
    QUERIES = 16 if connection.vendor == "postgresql" else 17

    def test_patient_page_queries_are_pinned_with_rows_in_every_section(self) -> None:
        actor = self.actor(self.owner)
        course = make_course(actor, self.patient)
        made = {"n": 0}

        def make_rows(n: int) -> None:
            for _ in range(n):
                i = made["n"]
                made["n"] += 1
                self.book(at(self.monday, 9) + dt.timedelta(days=7 * (i // 8), hours=i % 8))
                session = make_session(course, days_ago=i + 1, before=6, after=4)
                outcome_services.response_record(
                    actor=actor,
                    patient=self.patient,
                    instrument="nrs",
                    course=course,
                    answers={"usual": 4},
                    session=session,
                )

        client = self.client_for(self.owner)
        url = f"/patients/{self.patient.pk}/"
        self.assertConstantQueries(make_rows, lambda: client.get(url))
        with self.assertNumQueries(self.QUERIES):
            page = client.get(url)
        self.assertContains(page, 'id="sessions"')
        self.assertContains(page, 'id="assessments"')
        self.assertContains(page, "NRS")
        self.assertEqual(page.content.count(b'href="/calendar/appointments/'), 20)
