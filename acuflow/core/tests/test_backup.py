"""acuflow backup / restore / --verify: a round trip on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TransactionTestCase

from acuflow.core import backup
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.patients.models import Patient


class BackupRoundTripTests(TransactionTestCase):
    """Runs on whichever database the suite runs on (SQLite, PostgreSQL in CI)."""

    def setUp(self) -> None:
        AcuflowTestCase.setUpTestData.__func__(self)  # type: ignore[attr-defined]
        self.dir = Path(tempfile.mkdtemp())
        self.path = self.dir / "acuflow.backup"

    def run_command(self, *args: str) -> str:
        out = io.StringIO()
        call_command(*args, stdout=out, stderr=io.StringIO())
        return out.getvalue()

    def test_backup_restore_verify(self) -> None:
        kept = make_patient(self.clinic, "Sanne", "de Wit")  # type: ignore[attr-defined]
        out = self.run_command("backup", str(self.path), "--verify")
        self.assertIn("verified", out)
        self.assertEqual(self.path.stat().st_mode & 0o777, 0o600)
        # the data changes after the backup: verification names the table
        Patient.objects.filter(pk=kept.pk).delete()
        problems = backup.verify(self.path)
        self.assertTrue(any(p.startswith("patients_patient:") for p in problems), problems)
        with self.assertRaises(CommandError):
            self.run_command("restore", str(self.path))  # without --yes nothing happens
        self.assertFalse(Patient.objects.filter(pk=kept.pk).exists())
        out = self.run_command("restore", str(self.path), "--yes", "--verify")
        self.assertIn("verified", out)
        self.assertTrue(Patient.objects.filter(pk=kept.pk).exists())
        self.assertEqual(backup.verify(self.path), [])

    def test_a_changed_row_with_the_same_count_is_found(self) -> None:
        patient = make_patient(self.clinic, "Ola", "Nordmann")  # type: ignore[attr-defined]
        backup.backup(self.path)
        Patient.objects.filter(pk=patient.pk).update(given_name="Kari")
        problems = backup.verify(self.path)
        self.assertIn("patients_patient: same row count", " ".join(problems))

    def test_a_file_that_is_no_backup_is_refused(self) -> None:
        junk = self.dir / "junk"
        junk.write_bytes(b"not a backup at all")
        with self.assertRaises(CommandError):
            self.run_command("restore", str(junk), "--yes")
        self.assertTrue(Patient.objects.exists() or connection.vendor)
