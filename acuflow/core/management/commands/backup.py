"""acuflow backup PATH [--verify]: a backup of the database while it is in use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from acuflow.core.backup import BackupError, backup, verify


class Command(BaseCommand):
    help = (
        "Write a backup of the database to PATH (SQLite: online backup; PostgreSQL: "
        "pg_dump custom format). --verify compares row counts and checksums per table."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--verify", action="store_true", help="compare every table with the backup"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            backup(path)
            self.stdout.write(f"backup written to {path}")
            if options["verify"]:
                report_verification(self, verify(path))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc


def report_verification(command: BaseCommand, problems: list[str]) -> None:
    if problems:
        for problem in problems:
            command.stderr.write(problem)
        raise CommandError(f"the backup differs from the database in {len(problems)} table(s)")
    command.stdout.write("verified: every table has the same rows and checksum")
