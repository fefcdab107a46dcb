"""On PostgreSQL: racing bookings of one slot, the exclusion constraints themselves,
and a worker process killed (SIGKILL) in the middle of sending a reminder."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.test import Client, TransactionTestCase
from django.utils import timezone

from acuflow.accounts.models import ApiToken
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.scheduling import services
from acuflow.scheduling.models import Appointment, Reminder
from acuflow.scheduling.selectors import appointment_type_by_code
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
class WorkerKilledTests(PostgresTestCase):
    def worker(self, mailbox: Path, *, hang_on: str = "") -> subprocess.Popen:
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        env = {
            **os.environ,
            "DATABASE_URL": f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "DJANGO_SETTINGS_MODULE": "acuflow.scheduling.tests.crash_settings",
            "ACUFLOW_TEST_MAILBOX": str(mailbox),
            "ACUFLOW_TEST_HANG_ON": hang_on,
        }
        return subprocess.Popen(
            [sys.executable, "-m", "acuflow.cli", "worker", "--once", "--stale-after", "0"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def test_a_reminder_is_sent_exactly_once_when_the_worker_is_killed_mid_send(self) -> None:
        patients = [make_patient(self.clinic, f"K{i}", "Kill") for i in range(3)]  # type: ignore[attr-defined]
        for hour, patient in zip((10, 11, 12), patients, strict=True):
            services.appointment_book(
                actor=self.actor(self.reception),  # type: ignore[attr-defined]
                patient=patient,
                practitioner=self.acu,
                type=self.type,
                start=at(self.monday, hour),
            )
        past = timezone.now() - dt.timedelta(minutes=1)
        Reminder.objects.update(due_at=past, next_attempt_at=past)
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.update(run_after=past)
        with tempfile.TemporaryDirectory() as tmp:
            mailbox = Path(tmp) / "mailbox.txt"
            first = self.worker(mailbox, hang_on="2")
            deadline = time.monotonic() + 90
            while not mailbox.with_suffix(".hanging").exists():
                if first.poll() is not None or time.monotonic() > deadline:
                    self.fail(f"worker did not reach the second send: {first.stdout.read()!r}")  # type: ignore[union-attr]
                time.sleep(0.1)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            self.assertEqual(mailbox.read_text().splitlines(), [patients[0].email])
            # the killed worker's transaction is gone: nothing was marked sent for it
            for _ in range(50):
                if Reminder.objects.filter(status="pending").count() == 2:
                    break
                time.sleep(0.1)
            self.assertEqual(
                sorted(Reminder.objects.values_list("status", flat=True)),
                ["pending", "pending", "sent"],
            )

            for _ in range(2):  # a new worker, then another one: nothing more to send
                again = self.worker(mailbox)
                output = again.communicate(timeout=120)[0]
                self.assertEqual(again.returncode, 0, output)
            sent = mailbox.read_text().splitlines()
            self.assertEqual(sorted(sent), sorted(p.email for p in patients))
            self.assertEqual(set(Reminder.objects.values_list("status", flat=True)), {"sent"})
