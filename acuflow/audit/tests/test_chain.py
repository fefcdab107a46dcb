"""The audit trail is tamper-evident: every row is chained to the previous row of its
clinic, `acuflow audit verify` names the first row changed behind the application's
back, and on PostgreSQL the table refuses UPDATE and DELETE."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import threading
import time
import unittest
from io import StringIO
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test import TransactionTestCase

from acuflow.audit.chain import link_rows, row_hash, verify_clinic
from acuflow.audit.models import Action, AuditEvent, ChainHead, SecurityEvent
from acuflow.audit.services import audit_batch, audit_record, security_event
from acuflow.core.testing import AcuflowTestCase, make_patient

postgres_only = unittest.skipUnless(connection.vendor == "postgresql", "needs PostgreSQL")


def _trigger_sql(model: type, name: str) -> tuple[str, str]:
    """(DROP, CREATE) statements of a model's pgtrigger trigger."""
    trigger = next(t for t in model._meta.triggers if t.name == name)  # type: ignore[attr-defined]
    compiled = trigger.compile(model)
    return compiled.uninstall_sql, compiled.install_sql


class ChainTests(AcuflowTestCase):
    def write(self, n: int, *, batch: bool = False, user=None) -> None:  # type: ignore[no-untyped-def]
        actor = self.actor(user or self.owner)
        with transaction.atomic():
            if batch:
                with audit_batch():
                    for i in range(n):
                        audit_record(
                            actor=actor, action=Action.READ, patient=self.patient, object_id=str(i)
                        )
            else:
                for i in range(n):
                    audit_record(
                        actor=actor, action=Action.READ, patient=self.patient, object_id=str(i)
                    )

    def verify(self) -> str:
        out, err = StringIO(), StringIO()
        try:
            call_command("audit", "verify", stdout=out, stderr=err)
        except CommandError:
            return err.getvalue()
        return ""

    def test_single_and_batched_rows_form_one_chain_per_clinic(self) -> None:
        self.write(3)
        self.write(4, batch=True)
        other_patient = make_patient(self.other.membership.clinic, "Olav", "Other")
        audit_record(actor=self.actor(self.other), action=Action.READ, patient=other_patient)
        rows = list(AuditEvent.objects.filter(clinic=self.clinic).order_by("id"))
        self.assertEqual(len(rows), 7)
        self.assertEqual(len({r.hash for r in rows}), 7)
        self.assertTrue(all(len(r.hash) == 64 for r in rows))
        head = ChainHead.objects.get(clinic=self.clinic)
        self.assertEqual((head.last_hash, head.length), (rows[-1].hash, 7))
        self.assertIsNone(verify_clinic(self.clinic.pk))
        self.assertEqual(self.verify(), "")

    def test_one_row_is_chained_as_python_hashes_it(self) -> None:
        """On PostgreSQL a single row is hashed in the server (chain._pg_insert_one);
        the hash must be row_hash's, whatever the text, between rows chained in Python."""
        actor = self.actor(self.owner)
        self.write(2, batch=True)
        detail = {"q": 'Ærø – 東京 "quoted" \\ back\ttab', "n": [1, True, None, 2.5], "e": {}}
        audit_record(
            actor=actor,
            action=Action.READ,
            patient=self.patient,
            object_type="patients.patient",
            object_id="å-1",
            detail=detail,
        )
        self.write(2, batch=True)
        rows = list(AuditEvent.objects.filter(clinic=self.clinic).order_by("id").values())
        self.assertEqual(len(rows), 5)
        prev = ""
        for row in rows:
            self.assertEqual(row["hash"], row_hash(prev, row))
            prev = row["hash"]
        self.assertEqual(rows[2]["detail"], detail)
        self.assertEqual(ChainHead.objects.get(clinic=self.clinic).length, 5)
        self.assertIsNone(verify_clinic(self.clinic.pk))

    def test_verify_names_the_first_row_changed_behind_its_back(self) -> None:
        self.write(5)
        rows = list(AuditEvent.objects.filter(clinic=self.clinic).order_by("id"))
        with self.edits_allowed():
            AuditEvent.objects.filter(pk=rows[2].pk).update(actor_label="someone else")
        broken = verify_clinic(self.clinic.pk)
        assert broken is not None
        self.assertEqual(broken.event_id, rows[2].pk)
        self.assertIn(f"row {rows[2].pk}", self.verify())

    def test_verify_notices_a_row_removed_from_the_end(self) -> None:
        self.write(3)
        last = AuditEvent.objects.filter(clinic=self.clinic).order_by("-id").first()
        with self.edits_allowed():
            AuditEvent.objects.filter(pk=last.pk).delete()  # type: ignore[union-attr]
        broken = verify_clinic(self.clinic.pk)
        assert broken is not None
        self.assertIsNone(broken.event_id)

    def edits_allowed(self):  # type: ignore[no-untyped-def]
        """Drop the append-only trigger (PostgreSQL) for the block and restore it."""
        test = self

        class _Ctx:
            def __enter__(self) -> None:
                if connection.vendor == "postgresql":
                    drop, self.create = _trigger_sql(AuditEvent, "audit_event_append_only")
                    with connection.cursor() as cursor:
                        cursor.execute(drop)

            def __exit__(self, *exc: object) -> None:
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute(self.create)
                    test.assertAppendOnly()

        return _Ctx()

    def assertAppendOnly(self) -> None:
        row = AuditEvent.objects.first()
        assert row is not None
        with self.assertRaises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=row.pk).update(action="update")

    @postgres_only
    def test_update_and_delete_of_audit_rows_fail_on_postgresql(self) -> None:
        self.write(2)
        row = AuditEvent.objects.first()
        assert row is not None
        with self.assertRaises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=row.pk).update(actor_label="x")
        with self.assertRaises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=row.pk).delete()
        event = security_event(kind="lockout", reason="test")
        with self.assertRaises(DatabaseError), transaction.atomic():
            SecurityEvent.objects.filter(pk=event.pk).update(reason="nothing happened")
        with self.assertRaises(DatabaseError), transaction.atomic():
            SecurityEvent.objects.filter(pk=event.pk).delete()

    def test_export_writes_the_clinics_trail_for_the_days_asked(self) -> None:
        self.write(2)
        audit_record(
            actor=self.actor(self.other),
            action=Action.READ,
            patient=make_patient(self.other.membership.clinic, "Olav", "Other"),
        )
        today = AuditEvent.objects.first().at.date().isoformat()  # type: ignore[union-attr]
        out = StringIO()
        call_command(
            "audit", "export", "--clinic", self.clinic.slug, "--from", "2000-01-01",
            "--to", "2100-01-01", "--format", "json", stdout=out,
        )  # fmt: skip
        data = json.loads(out.getvalue())
        self.assertEqual(len(data["events"]), 2)
        self.assertEqual({e["user"] for e in data["events"]}, {self.owner.email})
        csv_out = StringIO()
        call_command(
            "audit", "export", "--clinic", self.clinic.slug, "--from", "2000-01-01",
            "--to", "2000-01-02", stdout=csv_out,
        )  # fmt: skip
        self.assertEqual(csv_out.getvalue().strip().splitlines()[0].split(",")[0], "id")
        self.assertEqual(len(csv_out.getvalue().strip().splitlines()), 1)  # header only
        self.assertTrue(today)


@postgres_only
class ConcurrentChainTests(TransactionTestCase):
    """Writers of one clinic racing on separate connections still form one chain."""

    def setUp(self) -> None:
        AcuflowTestCase.setUpTestData.__func__(self)  # type: ignore[attr-defined]

    def test_racing_writers_link_one_unbroken_chain(self) -> None:
        writers, rows_each = 6, 5
        barrier = threading.Barrier(writers)
        errors: list[BaseException] = []
        actor = AcuflowTestCase.actor(self, self.owner)  # type: ignore[arg-type,attr-defined]

        def write(n: int) -> None:
            try:
                barrier.wait()
                # Outside a transaction: on PostgreSQL one statement chains the row.
                audit_record(
                    actor=actor, action=Action.READ, patient=self.patient,  # type: ignore[attr-defined]
                    object_id=f"{n}-alone",
                )  # fmt: skip
                for i in range(rows_each):
                    with transaction.atomic():
                        audit_record(
                            actor=actor, action=Action.READ, patient=self.patient,  # type: ignore[attr-defined]
                            object_id=f"{n}-{i}",
                        )  # fmt: skip
                with transaction.atomic(), audit_batch():
                    for i in range(3):
                        audit_record(
                            actor=actor, action=Action.READ, patient=self.patient,  # type: ignore[attr-defined]
                            object_id=f"{n}-batch-{i}",
                        )  # fmt: skip
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(errors, [])
        clinic = self.clinic  # type: ignore[attr-defined]
        self.assertEqual(
            AuditEvent.objects.filter(clinic=clinic).count(), writers * (rows_each + 4)
        )
        self.assertIsNone(verify_clinic(clinic.pk))

    @postgres_only
    def test_a_row_that_waits_for_the_head_chains_after_the_holder(self) -> None:
        """One statement locks the head and hashes onto it (chain._pg_insert_one): a row
        that had to wait for another transaction's rows must chain after them."""
        actor = AcuflowTestCase.actor(self, self.owner)  # type: ignore[arg-type,attr-defined]
        patient = self.patient  # type: ignore[attr-defined]
        audit_record(actor=actor, action=Action.READ, patient=patient, object_id="first")
        errors: list[BaseException] = []

        def waiter() -> None:
            try:
                audit_record(actor=actor, action=Action.READ, patient=patient, object_id="waited")
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connections.close_all()

        thread = threading.Thread(target=waiter)
        with transaction.atomic():
            audit_record(actor=actor, action=Action.READ, patient=patient, object_id="holder-1")
            thread.start()
            with connection.cursor() as cursor:  # until the waiter is queued on the lock
                for _ in range(200):
                    # (pg_stat_activity is a snapshot held for the transaction otherwise)
                    cursor.execute("SELECT pg_stat_clear_snapshot()")
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND datname = current_database()"
                    )
                    if cursor.fetchone()[0]:
                        break
                    time.sleep(0.025)
                else:
                    self.fail("the second writer never waited for the head's lock")
            audit_record(actor=actor, action=Action.READ, patient=patient, object_id="holder-2")
        thread.join(timeout=30)
        self.assertEqual(errors, [])
        clinic = self.clinic  # type: ignore[attr-defined]
        order = list(
            AuditEvent.objects.filter(clinic=clinic)
            .order_by("id")
            .values_list("object_id", flat=True)
        )
        self.assertEqual(order, ["first", "holder-1", "holder-2", "waited"])
        self.assertIsNone(verify_clinic(clinic.pk))


class ExistingRowsMigrationTests(AcuflowTestCase):
    @unittest.skipIf(
        connection.vendor == "postgresql",
        "the append-only trigger refuses the test's own rewrite of history; the migration "
        "itself runs before the trigger exists (0003)",
    )
    def test_rows_from_before_the_chain_are_linked_by_the_migration(self) -> None:
        migration = importlib.import_module(
            "acuflow.audit.migrations.0002_chain_and_security_events"
        )
        actor = self.actor(self.owner)
        AuditEvent.objects.bulk_create(  # as written before the chain: no hash, no head
            AuditEvent(
                clinic=self.clinic,
                user=self.owner,
                actor_label=actor.label,
                action="read",
                patient=self.patient,
                object_type="patients.patient",
                object_id=str(i),
            )  # fmt: skip
            for i in range(4)
        )
        self.assertIsNotNone(verify_clinic(self.clinic.pk))
        migration.chain_existing_rows(apps, None)
        self.assertIsNone(verify_clinic(self.clinic.pk))
        self.assertEqual(ChainHead.objects.get(clinic=self.clinic).length, 4)


class LinkRowsTests(unittest.TestCase):
    """`link_rows` (a request's rows, shared values encoded once) hashes like `row_hash`
    row by row, whatever the rows share or not."""

    def test_it_hashes_like_row_hash(self) -> None:
        shared = {"q": "de Vrïes", "offset": 0, "shown": 3}
        at = dt.datetime(2026, 3, 29, 1, 59, 59, 123456, tzinfo=ZoneInfo("Europe/Amsterdam"))
        rows = [
            {
                "clinic_id": 1,
                "user_id": user,
                "actor_label": 'Bjørn "BJ" Ødegård (owner)',
                "on_behalf_of": "Praktijk Ütrecht",
                "action": "read",
                "patient_id": patient,
                "object_type": "patients.search",
                "object_id": "",
                "channel": "api",
                "path": "/api/v1/patients",
                "client_address": address,
                "at": when,
                "detail": detail,
            }
            for user, patient, address, when, detail in [
                (7, 10, "2001:0db8:0000::0001", at, shared),
                (7, 11, "2001:db8::1", at.astimezone(dt.UTC), shared),
                (None, None, None, at, {"q": 1}),
                (7, 12, "10.0.0.1", at, {"q": True}),  # equal to the one before, not alike
                (7, 10, "10.0.0.1", at + dt.timedelta(microseconds=1), {}),
            ]
        ]
        expected, prev = [], "ab" * 32
        for row in rows:
            prev = row_hash(prev, row)
            expected.append(prev)
        last = link_rows("ab" * 32, rows)
        self.assertEqual([row["hash"] for row in rows], expected)
        self.assertEqual(last, expected[-1])
        self.assertEqual(len(set(expected)), len(expected))
