from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve acuflow with the production server (gunicorn, whitenoise, DEBUG off)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3"))
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DEBUG:
            raise CommandError("`acuflow serve` is the production server: unset DEBUG.")
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535")
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"acuflow serving on http://{bind}/  (Ctrl-C to stop)")
        self.stdout.flush()
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "acuflow.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--timeout",
            "60",
        ]
        if os.environ.get("ACCESS_LOG"):
            # Without the flag gunicorn keeps no access log at all; a log to /dev/null
            # still formatted a line on every request.
            argv += ["--access-logfile", "-"]
        os.execv(sys.executable, argv)
