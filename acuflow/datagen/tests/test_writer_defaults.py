"""COPY does not apply Django's implicit defaults: the writer must send them."""

from __future__ import annotations

from acuflow.core.testing import AcuflowTestCase
from acuflow.datagen.writer import BulkWriter
from acuflow.patients.models import Patient


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
