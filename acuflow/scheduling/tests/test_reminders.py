"""Reminders: queued with the booking, sent by `acuflow worker` with an .ics attachment,
retried on SMTP failure, and sent exactly once even when a worker dies mid-run."""

from __future__ import annotations

import datetime as dt
import smtplib
from unittest import mock

from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.patients.models import Consent
from acuflow.scheduling import services
from acuflow.scheduling.models import Reminder
from acuflow.scheduling.reminders import reminder_send
from acuflow.scheduling.selectors import appointment_type_by_code
from acuflow.scheduling.tests.helpers import at, next_weekday, weekday_hours


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing on the way catches it."""


def run_worker(**options: object) -> None:
    # The worker closes stale connections between passes; inside a TestCase that would
    # close the test's own transaction (the subprocess test in test_postgres runs it real).
    with (
        mock.patch("acuflow.scheduling.management.commands.worker.close_old_connections"),
        mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"),
    ):
        call_command("worker", "--once", **options)


class ReminderTests(AcuflowTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.acu = self.practitioner.practitioner
        weekday_hours(self.acu)
        self.monday = next_weekday(0)
        self.type = appointment_type_by_code(self.clinic, "follow_up")

    def book(self, hour: int, patient=None):  # type: ignore[no-untyped-def]
        return services.appointment_book(
            actor=self.actor(self.reception),
            patient=patient or self.patient,
            practitioner=self.acu,
            type=self.type,
            start=at(self.monday, hour),
        )

    def make_due(self) -> None:
        """Travel to the reminder time: due rows and their queued tasks."""
        past = timezone.now() - dt.timedelta(minutes=1)
        Reminder.objects.update(due_at=past, next_attempt_at=past)
        DBTaskResult.objects.filter(status="READY").update(run_after=past)

    def test_booking_queues_one_email_reminder_24_hours_before(self) -> None:
        appointment = self.book(10)
        reminder = Reminder.objects.get()
        self.assertEqual(reminder.channel, "email")
        self.assertEqual(reminder.due_at, appointment.start - dt.timedelta(hours=24))
        task = DBTaskResult.objects.get(id=reminder.task_id)
        self.assertEqual((task.status, task.run_after), ("READY", reminder.due_at))

    def test_not_due_yet_nothing_is_sent(self) -> None:
        self.book(10)
        run_worker()
        self.assertEqual(len(mail.outbox), 0)
        self.assertEqual(Reminder.objects.get().status, "pending")

    def test_the_worker_sends_it_once_with_an_ics_of_the_appointment(self) -> None:
        appointment = self.book(10)
        self.make_due()
        run_worker()
        run_worker(stale_after=0)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, [self.patient.email])
        self.assertIn(self.clinic.name, message.subject)
        self.assertIn("https://wa.me/31612345678", message.body)  # click-to-chat link
        (name, content, mimetype) = message.attachments[0]
        self.assertEqual(name, "appointment.ics")
        self.assertTrue(mimetype.startswith("text/calendar"))
        event = Calendar.from_ical(content).walk("VEVENT")[0]
        self.assertEqual(event.decoded("DTSTART"), appointment.start)
        self.assertEqual(event.decoded("DTEND"), appointment.end)
        reminder = Reminder.objects.get()
        self.assertEqual((reminder.status, reminder.attempts), ("sent", 1))

    def test_an_smtp_failure_is_retried_later_then_sent(self) -> None:
        self.book(10)
        self.make_due()
        with mock.patch(
            "django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPServerDisconnected("gone")
        ):
            run_worker()
        reminder = Reminder.objects.get()
        self.assertEqual((reminder.status, reminder.attempts), ("pending", 1))
        self.assertIn("SMTPServerDisconnected", reminder.last_error)
        self.assertGreater(reminder.next_attempt_at, timezone.now())
        retry = DBTaskResult.objects.get(id=reminder.task_id)
        self.assertEqual(retry.run_after, reminder.next_attempt_at)
        run_worker()  # not yet: backoff
        self.assertEqual(len(mail.outbox), 0)
        self.make_due()
        run_worker()
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(Reminder.objects.get().status, "sent")

    def test_it_gives_up_after_the_last_attempt(self) -> None:
        self.book(10)
        with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("refused")):
            for _ in range(6):
                self.make_due()
                run_worker()
        reminder = Reminder.objects.get()
        self.assertEqual((reminder.status, reminder.attempts), ("failed", 6))

    def test_a_worker_killed_mid_send_leaves_no_trace_and_the_next_worker_sends_once(self) -> None:
        patients = [make_patient(self.clinic, f"P{i}", "Test") for i in range(3)]
        for hour, patient in zip((10, 11, 12), patients, strict=True):
            self.book(hour, patient)
        self.make_due()
        real_send = mail.EmailMessage.send
        calls = {"n": 0}

        def dies_on_the_second(message, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 2:
                raise WorkerKilled()  # the connection drops before the hand-over
            return real_send(message, *args, **kwargs)

        with mock.patch("django.core.mail.EmailMessage.send", dies_on_the_second):
            run_worker()
        self.assertEqual(len(mail.outbox), 2)
        states = sorted(Reminder.objects.values_list("status", flat=True))
        self.assertEqual(states, ["pending", "sent", "sent"])  # the killed one rolled back
        self.assertEqual(DBTaskResult.objects.filter(status="FAILED").count(), 1)

        run_worker(stale_after=0)  # the next worker finds it and sends it
        run_worker(stale_after=0)  # and nothing more
        self.assertEqual(len(mail.outbox), 3)
        self.assertEqual(sorted(m.to[0] for m in mail.outbox), sorted(p.email for p in patients))
        self.assertEqual(set(Reminder.objects.values_list("status", flat=True)), {"sent"})

    def test_a_second_task_for_a_sent_reminder_sends_nothing(self) -> None:
        self.book(10)
        self.make_due()
        reminder = Reminder.objects.get()
        self.assertEqual(reminder_send(reminder_id=reminder.pk), "sent")
        self.assertEqual(reminder_send(reminder_id=reminder.pk), "skipped")
        self.assertEqual(len(mail.outbox), 1)

    def test_cancelled_and_moved_appointments(self) -> None:
        cancelled = self.book(10)
        moved = self.book(11, make_patient(self.clinic, "Bram", "Visser"))
        services.appointment_cancel(
            actor=self.actor(self.owner), appointment=cancelled, reason="ill"
        )
        services.appointment_move(
            actor=self.actor(self.owner),
            appointment=moved,
            start=at(self.monday + dt.timedelta(days=1), 11),
        )
        pending = Reminder.objects.filter(status="pending").get()
        self.assertEqual(pending.appointment_id, moved.pk)
        self.assertEqual(
            pending.due_at, at(self.monday + dt.timedelta(days=1), 11) - dt.timedelta(hours=24)
        )
        self.make_due()
        run_worker(stale_after=0)
        self.assertEqual([m.to[0] for m in mail.outbox], ["bram.visser@patients.example"])

    def test_no_reminder_for_a_patient_who_said_no(self) -> None:
        Consent.objects.create(patient=self.patient, kind="reminders", given=False)
        self.book(10)
        self.assertFalse(Reminder.objects.exists())
