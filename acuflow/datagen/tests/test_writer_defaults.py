"""COPY does not apply Django's implicit defaults: the writer must send them."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from acuflow.core.testing import AcuflowTestCase
from acuflow.datagen.writer import BulkWriter
from acuflow.patients.models import Consent, Patient
from acuflow.protocols.models import CourseObservation
from acuflow.scheduling.models import Appointment


class WriterDefaultsTests(AcuflowTestCase):
    def test_a_blank_text_field_without_default_is_sent_as_empty_text(self) -> None:
        # Patient.notes is TextField(blank=True) without a default: Django saves "", and a
        # COPY that left the column out would write NULL into a NOT NULL column.
        field = Patient._meta.get_field("notes")
        self.assertFalse(field.has_default())
        self.assertFalse(field.null)
        table = BulkWriter(copy=True).table(Patient)
        table._prepare(["id", "clinic_id", "given_name", "family_name"])
        self.assertIn("notes", table.columns)
        self.assertNotIn("id", table.columns[4:])
        table.add(id=1, clinic_id=1, given_name="A", family_name="B")
        row = dict(zip(table.columns, table.rows[0], strict=True))
        self.assertEqual(row["notes"], "")


class ForeignKeysAtTheEndTests(AcuflowTestCase):
    """Where the load switches the per-row foreign key triggers off (PostgreSQL, a role
    that may), finish() must still refuse a dangling reference."""

    def test_a_dangling_key_fails_the_load(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("the per-row checks are only switched off on PostgreSQL")
        writer = BulkWriter()
        if not writer.start():
            self.skipTest("this role may not switch the foreign key triggers off")
        table = writer.table(Consent)
        table.add(id=table.next_id(), patient_id=self.patient.pk + 10_000, kind="treatment")
        with self.assertRaisesMessage(ValueError, "patients.Consent.patient"):
            writer.finish()
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            self.assertEqual(cursor.fetchone()[0], "origin")  # the session is itself again

    def test_good_rows_pass(self) -> None:
        writer = BulkWriter()
        writer.start()
        table = writer.table(Consent)
        table.add(id=table.next_id(), patient_id=self.patient.pk, kind="treatment")
        writer.finish()
        self.assertEqual(Consent.objects.filter(patient=self.patient, kind="treatment").count(), 1)


class IndexesAfterTheLoadTests(AcuflowTestCase):
    """Where the load drops the secondary indexes (PostgreSQL, a role that may, outside
    a transaction), they come back as they were, and a constraint the rows break still
    fails the load."""

    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("indexes are only dropped on PostgreSQL")
        self.writer = BulkWriter()
        if not self.writer.start():
            self.skipTest("this role may not switch the foreign key triggers off")
        with connection.cursor() as cursor:
            # CREATE INDEX refuses a table with pending trigger events (the fixtures').
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.table = self.writer.table(CourseObservation)

    def definitions(self) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
                [CourseObservation._meta.db_table],
            )
            return cursor.fetchall()

    def observe(self, ref: int) -> None:
        at = timezone.now()
        self.table.add(
            id=self.table.next_id(), course_id=1, source="session", ref=ref, at=at, nrs=3
        )

    def test_they_come_back_as_they_were(self) -> None:
        before = self.definitions()
        self.writer.drop_indexes()
        self.assertEqual(
            [name for name, _ in self.definitions()], ["protocols_courseobservation_pkey"]
        )
        self.observe(7)
        self.observe(8)
        self.writer.flush()
        self.writer.build_indexes()
        self.assertEqual(self.definitions(), before)

    def test_exclusion_constraints_stay_during_the_load(self) -> None:
        """No double booking is checked row by row as the rows arrive (see the module
        docstring of writer.py); only the unique constraints and plain indexes go."""
        self.writer.table(Appointment)

        def constraints() -> dict[str, str]:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT conname, contype FROM pg_constraint WHERE conrelid = %s::regclass"
                    " AND contype IN ('u', 'x')",
                    [Appointment._meta.db_table],
                )
                return dict(cursor.fetchall())

        before = constraints()
        self.assertIn("scheduling_no_patient_overlap", before)
        self.writer.drop_indexes()
        after = constraints()
        self.assertEqual(after, {k: v for k, v in before.items() if v == "x"})
        self.assertEqual(len(after), 3)
        self.writer.build_indexes()
        self.assertEqual(constraints(), before)

    def test_rows_that_break_a_constraint_fail_the_build(self) -> None:
        self.writer.drop_indexes()
        self.observe(7)
        self.observe(7)  # the same session reported twice: course_observation_once
        self.writer.flush()
        with self.assertRaises(IntegrityError), transaction.atomic():
            self.writer.build_indexes()
