from __future__ import annotations

import datetime as dt
from unittest import mock

from acuflow.core.api.answers import schema_answer
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.scheduling.api import SlotOut
from acuflow.scheduling.models import Appointment, Holiday, ScheduleException
from acuflow.scheduling.tests.helpers import AMS, at, next_weekday, weekday_hours


class SchedulingApiTestCase(AcuflowTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.acu = self.practitioner.practitioner
        self.ims_p = self.ims.practitioner
        weekday_hours(self.acu, self.ims_p, self.owner.practitioner)
        self.monday = next_weekday(0)

    def book(
        self,
        start: dt.datetime,
        *,
        user=None,
        type: str = "follow_up",
        practitioner=None,
        patient=None,
    ):  # type: ignore[no-untyped-def]
        return self.api(
            user or self.practitioner,
            "POST",
            "/api/v1/appointments",
            {
                "patient": (patient or self.patient).pk,
                "practitioner": (practitioner or self.acu).pk,
                "start": start.isoformat(),
                "type": type,
            },
        )


class AvailabilityTests(SchedulingApiTestCase):
    def test_it_lists_free_slots_inside_working_hours_on_the_grid(self) -> None:
        day = self.monday.isoformat()
        r = self.api(
            self.reception,
            "GET",
            "/api/v1/availability",
            {"practitioner": self.acu.pk, "from": day, "to": day, "type": "follow_up"},
        )
        self.assertEqual(r.status_code, 200, r.content)
        slots = r.json()
        self.assertEqual(len(slots), 31)  # 09:00 .. 16:30 every 15 minutes
        first = dt.datetime.fromisoformat(slots[0]["start"])
        last = dt.datetime.fromisoformat(slots[-1]["end"])
        self.assertEqual(first, at(self.monday, 9))
        self.assertEqual(last, at(self.monday, 17))
        self.assertEqual(slots[0]["start"][-6:], first.astimezone(AMS).isoformat()[-6:])

    def test_availability_answer_is_the_schema_answer_byte_for_byte(self) -> None:
        # Rendered without ninja's validation (core.api.answers): the bytes must be what
        # validating against list[SlotOut] would give, local offsets included.
        self.assertEqual(self.book(at(self.monday, 10)).status_code, 201)
        first, last = self.monday.isoformat(), (self.monday + dt.timedelta(days=2)).isoformat()
        query = {"practitioner": self.acu.pk, "from": first, "to": last, "type": "follow_up"}
        response = self.api(self.owner, "GET", "/api/v1/availability", query)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        slots = response.json()
        self.assertGreater(len(slots), 31)
        self.assertEqual(response.content.decode(), schema_answer(list[SlotOut], slots))

    def test_a_booked_slot_and_its_buffer_are_not_offered(self) -> None:
        self.assertEqual(self.book(at(self.monday, 10), type="initial_assessment").status_code, 201)
        day = self.monday.isoformat()
        slots = self.api(
            self.owner,
            "GET",
            "/api/v1/availability",
            {"practitioner": self.acu.pk, "from": day, "to": day, "type": "follow_up"},
        ).json()
        starts = {dt.datetime.fromisoformat(s["start"]) for s in slots}
        self.assertIn(at(self.monday, 9, 30), starts)  # ends 10:00 exactly
        for blocked in [at(self.monday, 9, 45), at(self.monday, 10), at(self.monday, 11)]:
            self.assertNotIn(blocked, starts)  # 60 minutes + 15 buffer
        self.assertIn(at(self.monday, 11, 15), starts)

    def test_which_statuses_hold_their_slot_in_availability_and_booking(self) -> None:
        # A cancellation, late or not, frees the slot for someone else; every other
        # status holds it (a no-show's slot is in the past: nobody can book it anyway).
        cases = [
            ("booked", False, "held"),
            ("arrived", False, "held"),
            ("in_treatment", False, "held"),
            ("done", False, "held"),
            ("no_show", False, "held"),
            ("cancelled", False, "free"),
            ("cancelled", True, "free"),  # a late cancellation
        ]
        other = make_patient(self.clinic, "Bram", "de Vries")
        day = self.monday.isoformat()
        for status, late, expected in cases:
            with self.subTest(status=status, late_cancel=late):
                Appointment.objects.all().delete()
                first = self.book(at(self.monday, 10))
                self.assertEqual(first.status_code, 201, first.content)
                Appointment.objects.filter(pk=first.json()["id"]).update(
                    status=status, late_cancel=late
                )
                slots = self.api(
                    self.reception,
                    "GET",
                    "/api/v1/availability",
                    {"practitioner": self.acu.pk, "from": day, "to": day, "type": "follow_up"},
                ).json()
                offered = at(self.monday, 10) in {
                    dt.datetime.fromisoformat(s["start"]) for s in slots
                }
                again = self.book(at(self.monday, 10), patient=other)
                if expected == "free":
                    self.assertTrue(offered)
                    self.assertEqual(again.status_code, 201, again.content)
                else:
                    self.assertFalse(offered)
                    self.assertEqual(again.status_code, 409, again.content)
                    self.assertEqual(again.json()["error"], "slot_taken")

    def test_holidays_and_time_off_remove_slots(self) -> None:
        Holiday.objects.create(clinic=self.clinic, date=self.monday, name="Closed")
        tuesday = self.monday + dt.timedelta(days=1)
        ScheduleException.objects.create(
            practitioner=self.acu, date=tuesday, kind="off", start=dt.time(12), end=dt.time(17)
        )
        r = self.api(
            self.owner,
            "GET",
            "/api/v1/availability",
            {
                "practitioner": self.acu.pk,
                "from": self.monday.isoformat(),
                "to": tuesday.isoformat(),
                "type": "follow_up",
            },
        )
        starts = [dt.datetime.fromisoformat(s["start"]) for s in r.json()]
        self.assertTrue(all(s.date() == tuesday for s in starts))
        self.assertEqual(max(starts), at(tuesday, 11, 30))

    def test_ims_slots_only_for_practitioners_qualified_for_ims(self) -> None:
        day = self.monday.isoformat()
        query = {"from": day, "to": day, "type": "ims"}
        self.assertEqual(
            self.api(
                self.owner, "GET", "/api/v1/availability", {**query, "practitioner": self.acu.pk}
            ).json(),
            [],
        )
        self.assertTrue(
            self.api(
                self.owner, "GET", "/api/v1/availability", {**query, "practitioner": self.ims_p.pk}
            ).json()
        )

    def test_bad_queries_are_422_not_500(self) -> None:
        base = {
            "practitioner": self.acu.pk,
            "from": "2030-01-07",
            "to": "2030-01-07",
            "type": "follow_up",
        }
        for change, code in [
            ({"type": "massage"}, "unknown_type"),
            ({"from": "2030-02-30"}, "validation_error"),
            ({"to": "yesterday"}, "validation_error"),
            ({"from": "2030-01-08", "to": "2030-01-07"}, "validation_error"),
            ({"to": "2031-01-01"}, "validation_error"),
        ]:
            r = self.api(self.owner, "GET", "/api/v1/availability", {**base, **change})
            self.assertError(r, 422, code)

    def test_another_clinics_practitioner_is_404(self) -> None:
        day = self.monday.isoformat()
        r = self.api(
            self.other,
            "GET",
            "/api/v1/availability",
            {"practitioner": self.acu.pk, "from": day, "to": day, "type": "follow_up"},
        )
        self.assertError(r, 404, "not_found")


class BookingTests(SchedulingApiTestCase):
    def test_booking_a_free_slot_gives_201_with_clinic_times(self) -> None:
        r = self.book(at(self.monday, 10))
        self.assertEqual(r.status_code, 201, r.content)
        body = r.json()
        self.assertEqual(dt.datetime.fromisoformat(body["start"]), at(self.monday, 10))
        self.assertEqual(dt.datetime.fromisoformat(body["end"]), at(self.monday, 10, 30))
        self.assertEqual(body["status"], "booked")
        self.assertEqual(body["type"], "follow_up")
        self.assertIsNotNone(body["room"])  # a free room of the location was assigned

    def test_a_booking_reads_the_clinic_and_its_settings_once(self) -> None:
        # The grid step and the reminder hours come from one read of the settings, and
        # the practitioner's clinic is the signed-in clinic, not a query of its own.
        self.book(at(self.monday, 9))  # warm-up: token, default types and settings exist
        with self.count_queries() as queries:
            r = self.book(at(self.monday, 10))
        self.assertEqual(r.status_code, 201, r.content)
        sql = [q["sql"] for q in queries.captured_queries]
        self.assertEqual(len([s for s in sql if 'FROM "scheduling_schedulesettings"' in s]), 1)
        self.assertEqual([s for s in sql if 'FROM "accounts_clinic"' in s], [])

    def test_changed_settings_apply_to_the_next_booking(self) -> None:
        from acuflow.scheduling import services

        services.schedule_settings_update(
            actor=self.actor(self.owner), data={"slot_step_minutes": 30}
        )
        self.assertError(self.book(at(self.monday, 10, 15)), 422, "off_grid")
        self.assertEqual(self.book(at(self.monday, 10, 30)).status_code, 201)

    def test_the_same_slot_twice_is_409_slot_taken(self) -> None:
        self.assertEqual(self.book(at(self.monday, 10)).status_code, 201)
        other = make_patient(self.clinic, "Bram", "Visser")
        self.assertError(self.book(at(self.monday, 10, 15), patient=other), 409, "slot_taken")
        self.assertEqual(Appointment.objects.count(), 1)

    def test_a_room_is_never_double_booked(self) -> None:
        room = self.room
        first = self.api(
            self.owner,
            "POST",
            "/api/v1/appointments",
            {
                "patient": self.patient.pk,
                "practitioner": self.acu.pk,
                "start": at(self.monday, 10).isoformat(),
                "type": "follow_up",
                "room": room.pk,
            },
        )
        self.assertEqual(first.status_code, 201, first.content)
        second = self.api(
            self.owner,
            "POST",
            "/api/v1/appointments",
            {
                "patient": self.patient.pk,
                "practitioner": self.ims_p.pk,
                "start": at(self.monday, 10).isoformat(),
                "type": "follow_up",
                "room": room.pk,
            },
        )
        self.assertError(second, 409, "slot_taken")
        # without a room given, the only room is busy: taken too
        self.assertError(self.book(at(self.monday, 10), practitioner=self.ims_p), 409, "slot_taken")

    def test_bad_bookings_are_422(self) -> None:
        cases = [
            (at(self.monday, 7), "follow_up", "outside_working_hours"),
            (at(self.monday, 16, 45), "follow_up", "outside_working_hours"),
            (at(self.monday + dt.timedelta(days=5), 10), "follow_up", "outside_working_hours"),
            (at(dt.date.today() - dt.timedelta(days=3), 10), "follow_up", "past_start"),
            (at(self.monday, 10), "massage", "unknown_type"),
            (at(self.monday, 10, 5), "follow_up", "off_grid"),
            (at(self.monday, 10), "ims", "not_qualified"),
            (at(dt.date.today() + dt.timedelta(days=3000), 10), "follow_up", "too_far_ahead"),
        ]
        for start, type, code in cases:
            self.assertError(self.book(start, type=type), 422, code)
        for raw in [
            '{"patient": 1, "practitioner": 1, "start": "2030-02-30T10:00:00+01:00", "type": "follow_up"}',
            '{"patient": 1, "practitioner": 1, "start": "2030-01-07T10:00:00+01:00", "type": "follow_up", "colour": "red"}',
        ]:
            self.assertError(self.api(self.owner, "POST", "/api/v1/appointments", raw=raw), 422)
        self.assertEqual(Appointment.objects.count(), 0)

    def test_a_time_without_offset_is_refused(self) -> None:
        # Which zone a wall clock means is a guess (the caller's, the clinic's, the
        # server's): an instant carries its offset, or the booking is a 422.
        r = self.api(
            self.owner,
            "POST",
            "/api/v1/appointments",
            {
                "patient": self.patient.pk,
                "practitioner": self.acu.pk,
                "start": f"{self.monday}T11:00:00",
                "type": "follow_up",
            },
        )
        body = self.assertError(r, 422, "validation_error")
        self.assertIn("start", body["fields"])
        self.assertFalse(Appointment.objects.exists())

    def test_another_clinics_patient_is_404(self) -> None:
        r = self.book(at(self.monday, 10), patient=self.other_patient)
        self.assertError(r, 404, "not_found")

    def test_reception_may_book_move_and_cancel(self) -> None:
        r = self.book(at(self.monday, 10), user=self.reception)
        self.assertEqual(r.status_code, 201)
        pk = r.json()["id"]
        moved = self.api(
            self.reception,
            "PATCH",
            f"/api/v1/appointments/{pk}",
            {"start": at(self.monday, 14).isoformat()},
        )
        self.assertEqual(moved.status_code, 200, moved.content)
        cancelled = self.api(self.reception, "DELETE", f"/api/v1/appointments/{pk}?reason=ill")
        self.assertEqual(cancelled.status_code, 200, cancelled.content)
        self.assertEqual(cancelled.json()["status"], "cancelled")


class ChangeTests(SchedulingApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.appointment_id = self.book(at(self.monday, 10)).json()["id"]

    def test_moving_to_a_taken_slot_is_409_and_changes_nothing(self) -> None:
        other = make_patient(self.clinic, "Bram", "Visser")
        self.assertEqual(self.book(at(self.monday, 11), patient=other).status_code, 201)
        r = self.api(
            self.owner,
            "PATCH",
            f"/api/v1/appointments/{self.appointment_id}",
            {"start": at(self.monday, 11).isoformat()},
        )
        self.assertError(r, 409, "slot_taken")
        self.assertEqual(Appointment.objects.get(pk=self.appointment_id).start, at(self.monday, 10))

    def test_moving_within_its_own_time_is_allowed(self) -> None:
        r = self.api(
            self.owner,
            "PATCH",
            f"/api/v1/appointments/{self.appointment_id}",
            {"start": at(self.monday, 10, 15).isoformat()},
        )
        self.assertEqual(r.status_code, 200, r.content)

    def test_moving_to_another_practitioner(self) -> None:
        r = self.api(
            self.owner,
            "PATCH",
            f"/api/v1/appointments/{self.appointment_id}",
            {"practitioner": self.ims_p.pk},
        )
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["practitioner"], self.ims_p.pk)

    def test_cancel_keeps_the_record_with_reason_and_late_flag(self) -> None:
        r = self.api(self.owner, "DELETE", f"/api/v1/appointments/{self.appointment_id}?reason=Flu")
        body = r.json()
        self.assertEqual(
            (body["status"], body["cancel_reason"], body["late_cancel"]),
            ("cancelled", "Flu", False),
        )
        # the slot is free again
        self.assertEqual(self.book(at(self.monday, 10)).status_code, 201)
        # cancelling twice is refused
        self.assertError(
            self.api(self.owner, "DELETE", f"/api/v1/appointments/{self.appointment_id}"), 422
        )

    def test_cancelling_within_24_hours_is_flagged_late(self) -> None:
        appointment = Appointment.objects.get(pk=self.appointment_id)
        with mock.patch(
            "django.utils.timezone.now", return_value=appointment.start - dt.timedelta(hours=3)
        ):
            r = self.api(
                self.owner, "DELETE", f"/api/v1/appointments/{self.appointment_id}?reason=Traffic"
            )
        self.assertTrue(r.json()["late_cancel"])

    def test_no_show_only_after_the_start(self) -> None:
        r = self.api(
            self.owner,
            "PATCH",
            f"/api/v1/appointments/{self.appointment_id}",
            {"status": "no_show"},
        )
        self.assertError(r, 422, "not_started")
        appointment = Appointment.objects.get(pk=self.appointment_id)
        with mock.patch(
            "django.utils.timezone.now", return_value=appointment.start + dt.timedelta(hours=1)
        ):
            r = self.api(
                self.owner,
                "PATCH",
                f"/api/v1/appointments/{self.appointment_id}",
                {"status": "no_show"},
            )
        self.assertEqual(r.json()["status"], "no_show")

    def test_list_by_period_and_practitioner(self) -> None:
        self.book(at(self.monday, 11), practitioner=self.ims_p)
        r = self.api(
            self.owner,
            "GET",
            "/api/v1/appointments",
            {"from": self.monday.isoformat(), "to": self.monday.isoformat()},
        )
        self.assertEqual(r.json()["count"], 2)
        r = self.api(
            self.owner,
            "GET",
            "/api/v1/appointments",
            {
                "from": self.monday.isoformat(),
                "to": self.monday.isoformat(),
                "practitioner": self.acu.pk,
            },
        )
        self.assertEqual([a["id"] for a in r.json()["items"]], [self.appointment_id])
        r = self.api(
            self.owner,
            "GET",
            "/api/v1/appointments",
            {
                "from": (self.monday + dt.timedelta(days=1)).isoformat(),
                "to": (self.monday + dt.timedelta(days=2)).isoformat(),
            },
        )
        self.assertEqual(r.json()["count"], 0)

    def test_list_has_constant_query_count(self) -> None:
        patients = [make_patient(self.clinic, f"P{i}", "Test") for i in range(50)]
        made = {"n": 0}

        def make_rows(n: int) -> None:
            for _ in range(n):
                i = made["n"]
                made["n"] += 1
                day = self.monday + dt.timedelta(days=7 * (i // 16 + 1))
                start = at(day, 9) + dt.timedelta(minutes=30 * (i % 16))
                from acuflow.scheduling import services
                from acuflow.scheduling.selectors import appointment_type_by_code

                services.appointment_book(
                    actor=self.actor(self.owner),
                    patient=patients[i],
                    practitioner=self.ims_p,
                    type=appointment_type_by_code(self.clinic, "follow_up"),
                    start=start,
                )

        query = {
            "from": self.monday.isoformat(),
            "to": (self.monday + dt.timedelta(days=34)).isoformat(),
        }
        self.assertConstantQueries(
            make_rows, lambda: self.api(self.owner, "GET", "/api/v1/appointments", query)
        )

    def test_the_practitioner_carries_its_calendar_url(self) -> None:
        r = self.api(self.practitioner, "GET", f"/api/v1/practitioners/{self.acu.pk}")
        url = r.json()["calendar_url"]
        self.assertIn(f"/calendar/practitioners/{self.acu.pk}/calendar.ics?token=", url)
        self.assertEqual(self.client.get(url).status_code, 200)
        # another practitioner of the clinic does not get someone else's secret
        self.assertIsNone(
            self.api(self.ims, "GET", f"/api/v1/practitioners/{self.acu.pk}").json()["calendar_url"]
        )


def last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() - 6) % 7)


def next_change(month: int) -> dt.date:
    """The next last-Sunday-of-`month` that is at least a week away."""
    year = dt.date.today().year
    while last_sunday(year, month) < dt.date.today() + dt.timedelta(days=7):
        year += 1
    return last_sunday(year, month)


class DaylightSavingWeekTests(SchedulingApiTestCase):
    def check_week(self, sunday: dt.date, offsets: tuple[int, int]) -> None:
        before, after = offsets
        monday_before = sunday - dt.timedelta(days=6)
        monday_after = sunday + dt.timedelta(days=1)
        r = self.api(
            self.owner,
            "GET",
            "/api/v1/availability",
            {
                "practitioner": self.acu.pk,
                "from": monday_before.isoformat(),
                "to": monday_after.isoformat(),
                "type": "follow_up",
            },
        )
        self.assertEqual(r.status_code, 200, r.content)
        starts = [dt.datetime.fromisoformat(s["start"]) for s in r.json()]
        firsts = {}
        for s in starts:
            firsts.setdefault(s.date(), s)
        # six working days shown (Mon-Fri before, Monday after), each from 09:00 local
        self.assertEqual(len(firsts), 6)
        for day, first in firsts.items():
            self.assertEqual(first.time(), dt.time(9), day)
            expected = before if day < sunday else after
            self.assertEqual(first.utcoffset(), dt.timedelta(hours=expected), day)
        # a weekly booking at 09:00 on both sides: both at 09:00 on the wall clock
        friday = self.book(at(sunday - dt.timedelta(days=2), 9)).json()
        monday = self.book(at(monday_after, 9)).json()
        self.assertEqual(friday["start"][11:16], "09:00")
        self.assertEqual(monday["start"][11:16], "09:00")
        self.assertEqual(
            dt.datetime.fromisoformat(monday["start"]) - dt.datetime.fromisoformat(friday["start"]),
            dt.timedelta(days=3, hours=before - after),
        )
        listed = self.api(
            self.owner,
            "GET",
            "/api/v1/appointments",
            {"from": monday_before.isoformat(), "to": monday_after.isoformat()},
        ).json()
        self.assertEqual([a["start"][11:16] for a in listed["items"]], ["09:00", "09:00"])

    def test_the_march_change_week(self) -> None:
        self.check_week(next_change(3), (1, 2))

    def test_the_october_change_week(self) -> None:
        self.check_week(next_change(10), (2, 1))


class LocalTimeTests(SchedulingApiTestCase):
    """A query time without offset is the clinic's wall clock; on the nights the clocks
    change, a time that does not exist or exists twice is refused, never moved. A body's
    instant needs its offset, so it cannot fall in a gap or an overlap."""

    def post(self, start: str):  # type: ignore[no-untyped-def]
        return self.api(
            self.practitioner,
            "POST",
            "/api/v1/appointments",
            {
                "patient": self.patient.pk,
                "practitioner": self.acu.pk,
                "start": start,
                "type": "follow_up",
            },
        )

    def test_a_booking_in_the_spring_gap_or_autumn_overlap_without_offset_is_422(self) -> None:
        for start in ("2027-03-28T02:30", "2027-10-31T02:30"):
            with self.subTest(start=start):
                body = self.assertError(self.post(start), 422, "validation_error")
                self.assertEqual(list(body["fields"]), ["start"])
        self.assertFalse(Appointment.objects.exists())

    def test_moving_into_the_gap_without_offset_is_422_and_the_appointment_stays(self) -> None:
        appointment_id = self.book(at(self.monday, 10)).json()["id"]
        r = self.api(
            self.owner,
            "PATCH",
            f"/api/v1/appointments/{appointment_id}",
            {"start": "2027-03-28T02:15"},
        )
        self.assertError(r, 422, "validation_error")
        self.assertEqual(Appointment.objects.get(pk=appointment_id).start, at(self.monday, 10))

    def test_a_range_ending_in_the_overlap_is_422(self) -> None:
        r = self.api(
            self.owner,
            "GET",
            "/api/v1/appointments",
            {"from": "2027-10-30", "to": "2027-10-31T02:30"},
        )
        self.assertError(r, 422, "ambiguous_local_time")

    def test_the_same_wall_clock_with_an_offset_is_an_instant_and_accepted(self) -> None:
        r = self.api(
            self.owner,
            "GET",
            "/api/v1/appointments",
            {"from": "2027-10-30", "to": "2027-10-31T02:30+01:00"},
        )
        self.assertEqual(r.status_code, 200, r.content)

    def test_the_openapi_document_lists_the_new_answers(self) -> None:
        schema = self.api(self.owner, "GET", "/api/v1/openapi.json").json()
        post = schema["paths"]["/api/v1/appointments"]["post"]["responses"]
        self.assertIn("422", post)
        for status in ("409", "500", "503"):
            self.assertEqual(
                post[status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorOut",
            )
        get = schema["paths"]["/api/v1/appointments"]["get"]["responses"]
        self.assertIn("503", get)
        self.assertNotIn("409", get)
