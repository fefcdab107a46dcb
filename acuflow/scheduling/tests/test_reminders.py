"""Reminders: put in the outbox with the booking, sent by `acuflow worker` with an .ics
attachment, retried on SMTP failure, and sent once under one key even when a worker
dies mid-run; the worker outlives a database outage and stops cleanly on SIGTERM."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import signal
import smtplib
import socket
import time
from unittest import mock

from django.core import mail
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from acuflow import settings as acuflow_settings
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.patients.models import Consent
from acuflow.scheduling import services
from acuflow.scheduling.channels import message_id
from acuflow.scheduling.management.commands.worker import Command
from acuflow.scheduling.models import Reminder
from acuflow.scheduling.reminders import reminder_send, reminders_send_due
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


def run_worker_forever() -> None:
    """Without --once: the worker runs until it is told to stop."""
    with (
        mock.patch("acuflow.scheduling.management.commands.worker.close_old_connections"),
        mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"),
    ):
        call_command("worker", "--interval", "0.1")


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

    def test_booking_puts_one_email_reminder_24_hours_before_in_the_outbox(self) -> None:
        appointment = self.book(10)
        reminder = Reminder.objects.get()
        self.assertEqual((reminder.channel, reminder.status), ("email", "pending"))
        self.assertEqual(reminder.due_at, appointment.start - dt.timedelta(hours=24))
        self.assertEqual(reminder.next_attempt_at, reminder.due_at)

    def test_not_due_yet_nothing_is_sent(self) -> None:
        self.book(10)
        run_worker()
        self.assertEqual(len(mail.outbox), 0)
        self.assertEqual(Reminder.objects.get().status, "pending")

    def test_the_worker_sends_it_once_with_an_ics_of_the_appointment(self) -> None:
        appointment = self.book(10)
        self.make_due()
        run_worker()
        run_worker(lease=0)
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
        self.assertEqual(message.extra_headers["Message-ID"], message_id(reminder.key))

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

    def test_a_worker_killed_before_the_hand_over_leaves_it_sending_and_the_next_sends_it(
        self,
    ) -> None:
        patients = [make_patient(self.clinic, f"P{i}", "Test") for i in range(3)]
        for hour, patient in zip((10, 11, 12), patients, strict=True):
            self.book(hour, patient)
        self.make_due()
        real_send = mail.EmailMessage.send
        calls = {"n": 0}

        def dies_on_the_second(message, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 2:
                raise WorkerKilled()  # the process ends before the hand-over
            return real_send(message, *args, **kwargs)

        with (
            mock.patch("django.core.mail.EmailMessage.send", dies_on_the_second),
            self.assertRaises(WorkerKilled),
        ):
            run_worker()
        self.assertEqual(len(mail.outbox), 1)
        states = sorted(Reminder.objects.values_list("status", flat=True))
        self.assertEqual(states, ["pending", "sending", "sent"])

        run_worker()  # within the lease nobody touches the claimed one
        self.assertEqual(Reminder.objects.filter(status="sending").count(), 1)
        run_worker(lease=0)  # after it: handed over again, with its key
        run_worker(lease=0)  # and nothing more
        self.assertEqual(len(mail.outbox), 3)
        self.assertEqual(sorted(m.to[0] for m in mail.outbox), sorted(p.email for p in patients))
        self.assertEqual(set(Reminder.objects.values_list("status", flat=True)), {"sent"})
        keys = {message_id(r.key) for r in Reminder.objects.all()}
        self.assertEqual({m.extra_headers["Message-ID"] for m in mail.outbox}, keys)

    def test_a_crash_after_the_hand_over_is_resolved_by_the_key_not_a_new_message(self) -> None:
        self.book(10)
        self.make_due()
        with (
            mock.patch("acuflow.scheduling.reminders.reminder_sent", side_effect=WorkerKilled()),
            self.assertRaises(WorkerKilled),
        ):
            run_worker()
        self.assertEqual(len(mail.outbox), 1)  # it arrived; recording it did not happen
        self.assertEqual(Reminder.objects.get().status, "sending")
        run_worker(lease=0)
        reminder = Reminder.objects.get()
        self.assertEqual((reminder.status, reminder.attempts), ("sent", 2))
        # handed over twice, but as ONE message: the receiving store keeps one per Message-ID
        self.assertEqual(
            [m.extra_headers["Message-ID"] for m in mail.outbox], [message_id(reminder.key)] * 2
        )

    def test_stopping_is_checked_between_messages(self) -> None:
        for hour in (10, 11, 12):
            self.book(hour, make_patient(self.clinic, f"S{hour}", "Stop"))
        self.make_due()
        outcomes = reminders_send_due(stopping=lambda: len(mail.outbox) >= 1)
        self.assertEqual(dict(outcomes), {"sent": 1})
        self.assertEqual(
            sorted(Reminder.objects.values_list("status", flat=True)),
            ["pending", "pending", "sent"],
        )

    def test_sigterm_stops_the_worker_after_the_current_message(self) -> None:
        for hour in (10, 11):
            self.book(hour, make_patient(self.clinic, f"T{hour}", "Term"))
        self.make_due()
        real_send = mail.EmailMessage.send

        def term_during_send(message, *args, **kwargs):  # type: ignore[no-untyped-def]
            os.kill(os.getpid(), signal.SIGTERM)  # arrives in the middle of the hand-over
            return real_send(message, *args, **kwargs)

        with mock.patch("django.core.mail.EmailMessage.send", term_during_send):
            run_worker_forever()
        self.assertEqual(len(mail.outbox), 1)  # the message in hand was finished ...
        self.assertEqual(
            sorted(Reminder.objects.values_list("status", flat=True)), ["pending", "sent"]
        )  # ... and no other was claimed
        self.assertIs(signal.getsignal(signal.SIGTERM), signal.SIG_DFL)

    def test_the_worker_waits_out_a_database_outage_and_carries_on(self) -> None:
        self.book(10)
        self.make_due()
        real_pass = Command.one_pass
        calls = {"n": 0}

        def flaky(command, lease):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] <= 3:
                raise OperationalError("connection refused")
            real_pass(command, lease)
            command.stop.set()

        waits: list[float] = []
        with (
            mock.patch.object(Command, "one_pass", flaky),
            mock.patch.object(Command, "forget_connections") as forget,
            mock.patch("threading.Event.wait", side_effect=lambda t=None: waits.append(t)),
            self.assertLogs("acuflow.worker", "WARNING") as logs,
        ):
            run_worker_forever()
        self.assertEqual(waits[:3], [1.0, 2.0, 4.0])  # back-off, not exit
        self.assertEqual(forget.call_count, 3)
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("database back after 3 failed tries", logs.output[-1])

    def test_a_mail_server_that_never_answers_does_not_hang_the_send(self) -> None:
        self.book(10)
        self.make_due()
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()  # accepts connections, never says a word
            host, port = silent.getsockname()
            mailers = {
                "default": {
                    "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                    "OPTIONS": {"host": host, "port": port, "timeout": 1},
                }
            }
            with self.settings(MAILERS=mailers):
                started = time.monotonic()
                outcome = reminder_send(reminder_id=Reminder.objects.get().pk)
                took = time.monotonic() - started
        self.assertEqual(outcome, "retry")
        self.assertLess(took, 5)
        reminder = Reminder.objects.get()
        self.assertEqual(reminder.status, "pending")
        self.assertIn("timed out", reminder.last_error)

    def test_the_smtp_timeout_comes_from_email_timeout(self) -> None:
        with mock.patch.dict(os.environ, {"EMAIL_TIMEOUT": "7"}):
            importlib.reload(acuflow_settings)
            try:
                options = acuflow_settings._email_settings("smtp://mail.example:25")["OPTIONS"]
            finally:
                os.environ.pop("EMAIL_TIMEOUT")
                importlib.reload(acuflow_settings)
        self.assertEqual(options["timeout"], 7)  # type: ignore[index]

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
        run_worker()
        self.assertEqual([m.to[0] for m in mail.outbox], ["bram.visser@patients.example"])

    def test_no_reminder_for_a_patient_who_said_no(self) -> None:
        Consent.objects.create(patient=self.patient, kind="reminders", given=False)
        self.book(10)
        self.assertFalse(Reminder.objects.exists())
