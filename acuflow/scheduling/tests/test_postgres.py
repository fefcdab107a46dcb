"""On PostgreSQL: racing bookings of one slot, the exclusion constraints themselves,
and the worker process under faults (killed mid-batch 20+ times, a silent mail server,
a database outage)."""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import unittest

from django.db import IntegrityError, connection, transaction
from django.test import Client, TransactionTestCase
from django.utils import timezone

from acuflow.accounts.models import ApiToken
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.scheduling import services
from acuflow.scheduling.channels import message_id
from acuflow.scheduling.models import Appointment, Reminder
from acuflow.scheduling.selectors import appointment_type_by_code
from acuflow.scheduling.tests.faults import SmtpSink, TcpProxy, silent_server
from acuflow.scheduling.tests.helpers import at, next_weekday, weekday_hours

postgres_only = unittest.skipUnless(connection.vendor == "postgresql", "needs PostgreSQL")


class PostgresTestCase(TransactionTestCase):
    def setUp(self) -> None:
        AcuflowTestCase.setUpTestData.__func__(self)  # type: ignore[attr-defined]
        self.acu = self.practitioner.practitioner  # type: ignore[attr-defined]
        weekday_hours(self.acu)
        self.monday = next_weekday(0)
        self.type = appointment_type_by_code(self.clinic, "follow_up")  # type: ignore[attr-defined]

    def actor(self, user):  # type: ignore[no-untyped-def]
        return AcuflowTestCase.actor(self, user)  # type: ignore[arg-type]


@postgres_only
class ConcurrentBookingTests(PostgresTestCase):
    attempts = 8

    def test_racing_bookings_of_one_slot_give_one_201_and_409_for_the_rest(self) -> None:
        token = ApiToken.create_for(self.owner)[1]  # type: ignore[attr-defined]
        patients = [make_patient(self.clinic, f"R{i}", "Race") for i in range(self.attempts)]  # type: ignore[attr-defined]
        start = at(self.monday, 10).isoformat()
        barrier = threading.Barrier(self.attempts)
        results: list[tuple[int, dict]] = []
        lock = threading.Lock()

        def attempt(patient_id: int) -> None:
            try:
                client = Client()
                barrier.wait(timeout=30)
                response = client.post(
                    "/api/v1/appointments",
                    json.dumps(
                        {
                            "patient": patient_id,
                            "practitioner": self.acu.pk,
                            "start": start,
                            "type": "follow_up",
                        }
                    ),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {token}",
                )
                with lock:
                    results.append((response.status_code, response.json()))
            finally:
                connection.close()

        threads = [threading.Thread(target=attempt, args=(p.pk,)) for p in patients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        statuses = sorted(status for status, _body in results)
        self.assertEqual(statuses, [201] + [409] * (self.attempts - 1), results)
        self.assertTrue(
            all(body["error"] == "slot_taken" for status, body in results if status == 409)
        )
        self.assertEqual(Appointment.objects.count(), 1)

    def test_the_database_refuses_an_overlap_that_skips_the_service(self) -> None:
        first = services.appointment_book(
            actor=self.actor(self.owner),  # type: ignore[attr-defined]
            patient=self.patient,  # type: ignore[attr-defined]
            practitioner=self.acu,
            type=self.type,
            start=at(self.monday, 10),
        )
        clone = Appointment(
            clinic=first.clinic,
            patient=first.patient,
            practitioner=first.practitioner,
            type=first.type,
            start=first.start + dt.timedelta(minutes=10),
            end=first.end + dt.timedelta(minutes=10),
            busy_until=first.end + dt.timedelta(minutes=10),
        )
        with self.assertRaises(IntegrityError), transaction.atomic():
            clone.save()
        room_clash = Appointment(
            clinic=first.clinic,
            patient=first.patient,
            practitioner=self.ims.practitioner,  # type: ignore[attr-defined]
            room=first.room,
            type=first.type,
            start=first.start,
            end=first.end,
            busy_until=first.end,
        )
        with self.assertRaises(IntegrityError), transaction.atomic():
            room_clash.save()
        # a cancelled appointment does not hold its time
        Appointment.objects.filter(pk=first.pk).update(status="cancelled")
        clone.save()


@postgres_only
class WorkerFaultTests(PostgresTestCase):
    """The real `acuflow worker` process against a local SMTP sink: killed mid-batch,
    facing a mail server that never answers, and cut off from the database."""

    kills = 22

    def worker(
        self, *args: str, smtp_port: int, db_port: int | None = None, timeout: int = 10
    ) -> subprocess.Popen:
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        host = "127.0.0.1" if db_port else (db["HOST"] or "127.0.0.1")
        port = db_port or db["PORT"] or 5432
        env = {
            **os.environ,
            "DATABASE_URL": f"postgresql://{auth}@{host}:{port}/{db['NAME']}",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_TIMEOUT": str(timeout),
            "LOG_LEVEL": "INFO",
        }
        return subprocess.Popen(
            [sys.executable, "-m", "acuflow.cli", "worker", "--lease", "0", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def due_reminders(self, n: int) -> list[Reminder]:
        days = [self.monday + dt.timedelta(days=d) for d in range(5)]
        slots = [(day, hour) for day in days for hour in range(9, 17)][:n]
        for i, (day, hour) in enumerate(slots):
            services.appointment_book(
                actor=self.actor(self.reception),  # type: ignore[attr-defined]
                patient=make_patient(self.clinic, f"K{i}", "Kill"),  # type: ignore[attr-defined]
                practitioner=self.acu,
                type=self.type,
                start=at(day, hour),
            )
        past = timezone.now() - dt.timedelta(minutes=1)
        Reminder.objects.update(due_at=past, next_attempt_at=past)
        return list(Reminder.objects.all())

    def test_killed_mid_batch_again_and_again_every_reminder_arrives_once(self) -> None:
        reminders = self.due_reminders(30)
        sink = SmtpSink(delay=0.15)
        self.addCleanup(sink.close)
        rng = random.Random(17)
        for kill in range(self.kills):
            worker = self.worker(smtp_port=sink.port)
            # mid-batch: wait for a new message to reach the sink, then kill at once (the
            # sink holds its 250: handed over, not yet known as sent) or a moment later
            if not sink.wait_for(sink.distinct() + 1, timeout=60):
                worker.kill()
                self.fail(f"kill {kill}: no message arrived: {worker.communicate()[0]}")
            if kill % 2:
                time.sleep(rng.uniform(0, 0.3))
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        # then one worker that is left alone finishes the batch
        last = self.worker("--once", smtp_port=sink.port)
        output = last.communicate(timeout=180)[0]
        self.assertEqual(last.returncode, 0, output)

        keys = {message_id(r.key): r.pk for r in Reminder.objects.all()}
        self.assertEqual(set(Reminder.objects.values_list("status", flat=True)), {"sent"})
        delivered = collections.Counter(mid for mid, _rcpt in sink.messages)
        missing = [pk for mid, pk in keys.items() if mid not in delivered]
        # a duplicate is the same reminder arriving under a second identity; a hand-over
        # repeated under the same Message-ID is one message to the mail store
        duplicates = [mid for mid in delivered if mid not in keys]
        self.assertEqual((len(missing), len(duplicates)), (0, 0), (missing, duplicates))
        self.assertEqual(len(keys), len(reminders))
        per_recipient = collections.defaultdict(set)
        for mid, rcpt in sink.messages:
            per_recipient[rcpt].add(mid)
        self.assertEqual(len(per_recipient), len(reminders))
        self.assertTrue(all(len(ids) == 1 for ids in per_recipient.values()), per_recipient)
        # repeated hand-overs happen only for a message a killed worker had in hand
        self.assertLessEqual(sum(delivered.values()) - len(keys), self.kills)

    def test_a_mail_server_that_never_answers_does_not_hang_the_worker(self) -> None:
        self.due_reminders(1)
        server = silent_server()
        self.addCleanup(server.close)
        started = time.monotonic()
        worker = self.worker("--once", smtp_port=server.getsockname()[1], timeout=2)
        output = worker.communicate(timeout=60)[0]
        self.assertEqual(worker.returncode, 0, output)
        self.assertLess(time.monotonic() - started, 30)
        reminder = Reminder.objects.get()
        self.assertEqual((reminder.status, reminder.attempts), ("pending", 1), output)
        self.assertIn("timed out", reminder.last_error)

    def test_the_worker_reconnects_when_the_database_returns_and_stops_on_sigterm(self) -> None:
        db = connection.settings_dict
        proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
        self.addCleanup(proxy.close)
        sink = SmtpSink()
        self.addCleanup(sink.close)
        worker = self.worker(
            "--interval", "0.2", "--max-backoff", "1", smtp_port=sink.port, db_port=proxy.port
        )
        self.addCleanup(lambda: worker.poll() is None and worker.kill())
        lines: list[str] = []
        threading.Thread(
            target=lambda: lines.extend(iter(worker.stdout.readline, "")),
            daemon=True,  # type: ignore[union-attr]
        ).start()

        def wait_for_line(text: str, timeout: float = 60) -> None:
            deadline = time.monotonic() + timeout
            while not any(text in line for line in list(lines)):
                if worker.poll() is not None or time.monotonic() > deadline:
                    self.fail(f"no {text!r} in the worker's log: {''.join(lines)}")
                time.sleep(0.1)

        wait_for_line("started")
        time.sleep(1)
        proxy.cut()  # the database goes away
        wait_for_line("database error")
        self.due_reminders(1)  # booked meanwhile (the test reaches the database directly)
        time.sleep(2)
        self.assertIsNone(worker.poll(), "the worker exited while the database was down")
        proxy.restore()
        self.assertTrue(sink.wait_for(1, timeout=60), "".join(lines))
        wait_for_line("database back")
        worker.send_signal(signal.SIGTERM)
        self.assertEqual(worker.wait(timeout=30), 0, "".join(lines))
        self.assertEqual(Reminder.objects.get().status, "sent")
