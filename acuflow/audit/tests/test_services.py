"""audit_record writes one row per access; audit_batch writes a page's rows in one
INSERT inside the page's transaction, and none of them when it fails."""

from __future__ import annotations

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from acuflow.audit.models import Action, AuditEvent
from acuflow.audit.services import audit_batch, audit_record
from acuflow.core.testing import AcuflowTestCase


class AuditBatchTests(AcuflowTestCase):
    def record(self, object_type: str) -> None:
        audit_record(
            actor=self.actor(self.owner),
            action=Action.READ,
            patient=self.patient,
            object_type=object_type,
        )

    def test_rows_of_a_batch_are_written_in_one_insert_at_its_end(self) -> None:
        with transaction.atomic(), audit_batch():
            with CaptureQueriesContext(connection) as queries:
                for kind in ("a", "b", "c"):
                    self.record(kind)
            self.assertEqual(len(queries), 0)  # nothing written yet
            self.assertFalse(AuditEvent.objects.exists())
        rows = list(AuditEvent.objects.order_by("id").values_list("object_type", "patient"))
        self.assertEqual(
            rows, [("a", self.patient.pk), ("b", self.patient.pk), ("c", self.patient.pk)]
        )

    def test_a_failure_inside_the_batch_writes_none_of_its_rows(self) -> None:
        with self.assertRaises(ZeroDivisionError):
            with transaction.atomic(), audit_batch():
                self.record("a")
                1 / 0  # noqa: B018
        self.assertFalse(AuditEvent.objects.exists())
        self.record("after")  # no batch left active: written at once
        self.assertEqual(AuditEvent.objects.get().object_type, "after")

    def test_a_nested_batch_joins_the_outer_one(self) -> None:
        with transaction.atomic(), audit_batch():
            self.record("outer")
            with audit_batch():
                self.record("inner")
            self.assertFalse(AuditEvent.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), 2)

    def test_a_batch_outside_a_transaction_is_refused(self) -> None:
        # The rows must commit with what they record: a batch needs the transaction.
        # (The test itself runs in one, so autocommit is simulated.)
        from unittest import mock

        from django.db import connections

        with mock.patch.object(connections["default"], "in_atomic_block", False):
            with self.assertRaises(RuntimeError), audit_batch():
                pass
