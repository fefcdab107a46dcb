"""`acuflow worker`: runs background tasks (Django's tasks framework, database queue).

Each pass: queue again reminders whose worker died, expire waitlist offers, then run
every task that is due. `--once` does one pass and exits (cron, tests)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from acuflow.scheduling.reminders import STALE_AFTER, reminders_requeue
from acuflow.scheduling.services import waitlist_expire


class Command(BaseCommand):
    help = "Run the background worker (appointment reminders, waitlist offers)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between passes (default 5)"
        )
        parser.add_argument(
            "--stale-after",
            type=float,
            default=STALE_AFTER.total_seconds(),
            help="seconds after which a due reminder whose task did not finish is queued again",
        )
        parser.add_argument("--worker-id", default="", help="unique id (default: random)")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = options["worker_id"] or get_random_string(24)
        stale_after = dt.timedelta(seconds=max(0.0, options["stale_after"]))
        if options["verbosity"] > 1:
            self.stdout.write(f"worker {worker_id} started")
        while True:
            close_old_connections()
            reminders_requeue(stale_after=stale_after)
            waitlist_expire()
            Worker(
                queue_names=["*"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
            if options["once"]:
                return
            time.sleep(max(0.1, options["interval"]))
