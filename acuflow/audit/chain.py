"""The hash chain over a clinic's audit rows.

Each row's `hash` is SHA-256 over the previous row's hash (the clinic's row before it
by id; "" for the first) and the row's own fields. Rows are linked while the clinic's
`ChainHead` row is locked (SELECT ... FOR UPDATE; on SQLite every write transaction
already holds the database's write lock), so concurrent writers of one clinic queue
for the link and never chain to the same predecessor. `verify_clinic` recomputes it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from acuflow.audit.models import AuditEvent, ChainHead

FIELDS = (
    "clinic_id",
    "user_id",
    "actor_label",
    "on_behalf_of",
    "action",
    "patient_id",
    "object_type",
    "object_id",
    "channel",
    "path",
    "client_address",
    "at",
    "detail",
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if value is None or isinstance(value, int | str | dict | list):
        return value
    return str(value)


def _address(value: Any) -> Any:
    # Stored the way the field prepares it (IPv6 compressed), so hash what is stored.
    return AuditEvent._meta.get_field("client_address").get_prep_value(value)


def row_hash(prev: str, values: dict[str, Any]) -> str:
    """The hash of one row given its predecessor's: a pure function of the values."""
    values = {**values, "client_address": _address(values.get("client_address"))}
    payload = json.dumps(
        [prev, *(_plain(values.get(name)) for name in FIELDS)],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _values(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in FIELDS}


def _head_sql() -> tuple[str, str]:
    """The head's locking read and its update, as fixed text: compiling the two ORM
    queries cost more than running them, on every audited request."""
    return _head_sql_for(connection.vendor)


@functools.cache
def _head_sql_for(vendor: str) -> tuple[str, str]:
    ops = connection.ops
    table = ops.quote_name(ChainHead._meta.db_table)
    lock = f" {ops.for_update_sql()}" if connection.features.has_select_for_update else ""
    return (
        f'SELECT "last_hash", "length" FROM {table} WHERE "clinic_id" = %s{lock}',
        f'UPDATE {table} SET "last_hash" = %s, "length" = %s WHERE "clinic_id" = %s',
    )


def _locked_head(clinic_id: int) -> tuple[str, int]:
    """The clinic's newest hash and chain length, its head row locked until the end of
    the transaction (created on the clinic's first audit row)."""
    select, _update = _head_sql()
    with connection.cursor() as cursor:
        cursor.execute(select, [clinic_id])
        row = cursor.fetchone()
        if row is None:
            ChainHead.objects.bulk_create([ChainHead(clinic_id=clinic_id)], ignore_conflicts=True)
            cursor.execute(select, [clinic_id])
            row = cursor.fetchone()
    return str(row[0]), int(row[1])


_CHUNK = 1000  # rows per INSERT on SQLite: 14 parameters each, well under its limit


def _insert_rows(events: list[AuditEvent]) -> None:
    """Insert `events` in list order and set their ids, writing the same columns and
    prepared values as `bulk_create` (audit rows have no pre_save hooks or signals)
    without compiling an ORM query per call, which cost several ms for a calendar's
    31 rows. Several rows on PostgreSQL get one column array per field (UNNEST, as the
    ORM does: a statement of fixed text, so the driver's parse cache holds it); one row
    (every audited write), and any number on SQLite, a VALUES list."""
    fields, unnest, head, one, tail = _insert_sql(connection.vendor)
    rows = [[f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields] for e in events]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > 1:
            cursor.execute(unnest, [list(column) for column in zip(*rows, strict=True)])
            ids = [row[0] for row in cursor.fetchall()]
        else:
            ids = []
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start : start + _CHUNK]
                cursor.execute(
                    f"{head}{', '.join([one] * len(chunk))}{tail}",
                    [value for row in chunk for value in row],
                )
                ids.extend(row[0] for row in cursor.fetchall())
    for event, new_id in zip(events, ids, strict=True):
        event.pk = new_id
        event._state.adding = False
        event._state.db = connection.alias


@functools.cache
def _insert_sql(vendor: str) -> tuple[list[Any], str, str, str, str]:
    """The insert's fields and statement text, built once per database vendor: the
    fields, the UNNEST statement, and the head, one row's placeholders and the tail of
    the VALUES statement."""
    ops = connection.ops
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    table = ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(ops.quote_name(str(f.column)) for f in fields)
    pk = ops.quote_name("id")
    arrays = ", ".join(f"(%s)::{str(f.db_type(connection)).split('(')[0]}[]" for f in fields)
    return (
        fields,
        f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({arrays}) RETURNING {pk}",
        f"INSERT INTO {table} ({columns}) VALUES ",
        "(" + ", ".join(["%s"] * len(fields)) + ")",
        f" RETURNING {pk}",
    )


def insert_chained(events: list[AuditEvent]) -> None:
    """Link `events` onto their clinics' chains and insert them, in the caller's
    transaction (one more when there is none). Rows are inserted in list order so
    their ids follow the chain."""
    if not events:
        return
    with transaction.atomic(savepoint=False):
        for clinic_id in sorted({e.clinic_id for e in events}):  # one lock order: no deadlock
            prev, length = _locked_head(clinic_id)
            mine = [e for e in events if e.clinic_id == clinic_id]
            for event in mine:
                event.hash = prev = row_hash(prev, _values(event))
            _insert_rows(mine)
            with connection.cursor() as cursor:
                cursor.execute(_head_sql()[1], [prev, length + len(mine), clinic_id])


@dataclass(frozen=True)
class Break:
    clinic_id: int
    event_id: int | None  # None: the chain's end does not match its head
    reason: str


def verify_clinic(clinic_id: int, *, chunk: int = 2000) -> Break | None:
    """The first place the clinic's chain is broken, or None when it holds."""
    prev = ""
    count = 0
    rows: Iterable[dict[str, Any]] = (
        AuditEvent.objects.filter(clinic_id=clinic_id)
        .order_by("id")
        .values("id", "hash", *FIELDS)
        .iterator(chunk_size=chunk)
    )
    for row in rows:
        count += 1
        expected = row_hash(prev, row)
        if row["hash"] != expected:
            why = (
                "no hash" if not row["hash"] else "hash does not match the row and its predecessor"
            )
            return Break(clinic_id, row["id"], why)
        prev = expected
    head = ChainHead.objects.filter(clinic_id=clinic_id).first()
    if head is not None and (head.last_hash != prev or head.length != count):
        return Break(
            clinic_id, None, f"the chain ends after {count} rows; its head says {head.length}"
        )
    return None


def clinic_ids() -> Iterator[int]:
    yield from AuditEvent.objects.order_by().values_list("clinic_id", flat=True).distinct()
