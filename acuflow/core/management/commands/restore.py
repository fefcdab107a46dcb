"""acuflow restore PATH [--verify]: replace the database's contents with a backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from acuflow.core.backup import BackupError, restore, verify
from acuflow.core.management.commands.backup import report_verification


class Command(BaseCommand):
    help = (
        "Replace the database's contents with the backup at PATH. Stop `acuflow serve` and "
        "`acuflow worker` first. --verify compares every table with the backup afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--verify", action="store_true")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask before replacing the data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not options["yes"]:
            raise CommandError("a restore replaces every row of the database: run again with --yes")
        try:
            restore(path)
            self.stdout.write(f"restored from {path}")
            if options["verify"]:
                report_verification(self, verify(path))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
