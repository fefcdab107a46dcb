"""`acuflow worker`: sends the outbox's reminders, expires waitlist offers and runs
queued background tasks (Django's tasks framework, database queue).

It keeps running through trouble: when the database does not answer it logs that,
waits (1 s, 2 s, 4 s ... up to `--max-backoff`) and tries again, so it is back at work
as soon as the database is. SIGTERM and SIGINT stop it after the message it is handing
over (which EMAIL_TIMEOUT bounds), before claiming another. `--once` does one pass and exits (cron, tests)."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from acuflow.scheduling.reminders import LEASE, reminders_send_due
from acuflow.scheduling.services import waitlist_expire

log = logging.getLogger("acuflow.worker")


def backoff_seconds(failures: int, *, cap: float) -> float:
    """Wait after the `failures`-th database failure in a row: 1, 2, 4 ... cap."""
    return float(min(cap, 2 ** max(0, failures - 1)))


class Command(BaseCommand):
    help = "Run the background worker (appointment reminders, waitlist offers)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between passes (default 5)"
        )
        parser.add_argument(
            "--lease",
            type=float,
            default=LEASE.total_seconds(),
            help="seconds after which a message claimed by a worker that never recorded "
            "the outcome is handed over again, with the same key",
        )
        parser.add_argument(
            "--max-backoff",
            type=float,
            default=60.0,
            help="longest wait between tries while the database is down (seconds)",
        )
        parser.add_argument("--worker-id", default="", help="unique id (default: random)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.worker_id = options["worker_id"] or get_random_string(24)
        self.stop = threading.Event()
        lease = dt.timedelta(seconds=max(0.0, options["lease"]))
        previous = {
            sig: signal.signal(sig, self.on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        log.info("worker %s started", self.worker_id)
        failures = 0
        try:
            while not self.stop.is_set():
                try:
                    self.one_pass(lease)
                except DatabaseError as exc:
                    failures += 1
                    wait = backoff_seconds(failures, cap=options["max_backoff"])
                    log.warning(
                        "worker %s: database error (%s: %s); try %s again in %.0f s",
                        self.worker_id,
                        type(exc).__name__,
                        str(exc).strip()[:200],
                        failures,
                        wait,
                    )
                    self.forget_connections()
                    self.stop.wait(wait)
                    continue
                if failures:
                    log.warning(
                        "worker %s: database back after %s failed tries", self.worker_id, failures
                    )
                    failures = 0
                if options["once"]:
                    break
                self.stop.wait(max(0.1, options["interval"]))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("worker %s stopped", self.worker_id)

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        log.warning(
            "worker %s: %s received; stopping after the current message",
            self.worker_id,
            signal.Signals(signum).name,
        )
        self.stop.set()

    def one_pass(self, lease: dt.timedelta) -> None:
        close_old_connections()
        outcomes = reminders_send_due(lease=lease, stopping=self.stop.is_set)
        if outcomes:
            log.info("worker %s: reminders %s", self.worker_id, dict(outcomes))
        if self.stop.is_set():
            return
        waitlist_expire()
        Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        ).run()

    def forget_connections(self) -> None:
        """Drop every connection: a broken one would fail again; the next query opens a
        new one (that is the reconnect)."""
        for conn in connections.all(initialized_only=True):
            try:
                conn.close()
            except DatabaseError:
                conn.connection = None
