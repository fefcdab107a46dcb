"""The hash chain over a clinic's audit rows.

Each row's `hash` is SHA-256 over the previous row's hash (the clinic's row before it
by id; "" for the first) and the row's own fields. Rows are linked while the clinic's
`ChainHead` row is locked (SELECT ... FOR UPDATE; on SQLite every write transaction
already holds the database's write lock), so concurrent writers of one clinic queue
for the link and never chain to the same predecessor. `verify_clinic` recomputes it.
"""

from __future__ import annotations

import datetime as dt
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


def utc_text(at: dt.datetime) -> str:
    """A datetime as the chain hashes it (and as COPY can read it back): UTC, to the
    microsecond, with a Z. isoformat is strftime's "%Y-%m-%dT%H:%M:%S.%fZ" at a
    fraction of its cost."""
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if value is None or isinstance(value, int | str | dict | list):
        return value
    return str(value)


def _address(value: Any) -> Any:
    # Stored the way the field prepares it (IPv6 compressed), so hash what is stored.
    return AuditEvent._meta.get_field("client_address").get_prep_value(value)


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def row_hash(prev: str, values: dict[str, Any]) -> str:
    """The hash of one row given its predecessor's: a pure function of the values."""
    values = {**values, "client_address": _address(values.get("client_address"))}
    payload = _encode([prev, *(_plain(values.get(name)) for name in FIELDS)])
    return hashlib.sha256(payload.encode()).hexdigest()


def _copy_cell(value: Any) -> str:
    """A prepared value as a cell of COPY text format."""
    if value is None:
        return "\\N"
    text = _encode(value) if isinstance(value, dict | list) else str(_plain(value))
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class CopyRows:
    """`row_hash` and the COPY text line of each row, for millions of rows that share
    some fields (the data generator): the same rule as `row_hash` (a test compares them
    byte for byte), at a fraction of its cost, because the JSON and COPY text of a
    repeated value is made once.

    `groups` are runs of consecutive FIELDS whose values vary; every other field is
    in `constant`. `part(i, *values)` gives group i's (JSON, COPY cells) for those
    values, for the caller to keep; `number` and `word` make the parts of a single
    integer or an ASCII letters-and-digits text without the encoder. Then
    `link(prev, *json_parts)` is the row's hash and `line(id, *cell_parts, hash)` its
    line for `COPY audit_auditevent (COLUMNS) FROM STDIN`."""

    COLUMNS = ("id", *FIELDS, "hash")

    def __init__(self, *, groups: list[tuple[str, ...]], constant: dict[str, Any]):
        covered = [name for group in groups for name in group] + list(constant)
        assert sorted(covered) == sorted(FIELDS), "groups and constant must cover FIELDS once"
        fixed = {**constant}
        if "client_address" in fixed:
            fixed["client_address"] = _address(fixed["client_address"])
        self.groups = groups
        starts = {group[0]: i for i, group in enumerate(groups)}
        # prev is a hex digest or "": JSON needs no escaping for it.
        payload, line = ['"{0}"'], ["{0}"]
        index = 0
        while index < len(FIELDS):
            name = FIELDS[index]
            if name in fixed:
                payload.append(_braces(_encode(_plain(fixed[name]))))
                line.append(_braces(_copy_cell(fixed[name])))
                index += 1
                continue
            group = groups[starts[name]]
            assert FIELDS[index : index + len(group)] == group, f"{group}: not consecutive"
            payload.append(f"{{{starts[name] + 1}}}")
            line.append(f"{{{starts[name] + 1}}}")
            index += len(group)
        self._payload = "[" + ",".join(payload) + "]"
        self._line = "\t".join([*line, f"{{{len(groups) + 1}}}"]) + "\n"

    def part(self, group: int, *values: Any) -> tuple[str, str]:
        names = self.groups[group]
        assert len(values) == len(names)
        prepared = [
            _address(v) if n == "client_address" else v for n, v in zip(names, values, strict=True)
        ]
        return (
            ",".join(_encode(_plain(v)) for v in prepared),
            "\t".join(_copy_cell(v) for v in prepared),
        )

    @staticmethod
    def number(value: int) -> str:
        """JSON and COPY cell of an integer field alone in its group: its digits."""
        return str(value)

    @staticmethod
    def word(value: str) -> tuple[str, str]:
        """JSON and COPY cell of a text field alone in its group, made by hand for
        ASCII letters and digits (an object id)."""
        if value.isascii() and value.isalnum():
            return f'"{value}"', value
        return _encode(value), _copy_cell(value)

    def link(self, prev: str, *json_parts: str) -> str:
        payload = self._payload.format(prev, *json_parts)
        return hashlib.sha256(payload.encode()).hexdigest()

    def line(self, row_id: int, *parts: str) -> str:
        """`parts`: each group's COPY cells in order, then the row's hash."""
        return self._line.format(row_id, *parts)


def _braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _values(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in FIELDS}


def _locked_head(clinic_id: int) -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(clinic_id=clinic_id).first()
    if head is None:
        ChainHead.objects.bulk_create([ChainHead(clinic_id=clinic_id)], ignore_conflicts=True)
        head = ChainHead.objects.select_for_update().get(clinic_id=clinic_id)
    return head


_CHUNK = 1000  # rows per INSERT on SQLite: 14 parameters each, well under its limit


def _insert_rows(events: list[AuditEvent]) -> None:
    """Insert `events` in list order and set their ids, writing the same columns and
    prepared values as `bulk_create` (audit rows have no pre_save hooks or signals)
    without compiling an ORM query per call, which cost several ms for a calendar's
    31 rows. PostgreSQL gets one column array per field (UNNEST, as the ORM does: a
    statement of fixed text, so the driver's parse cache holds it); SQLite a VALUES list."""
    ops = connection.ops
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    table = ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(ops.quote_name(str(f.column)) for f in fields)
    pk = ops.quote_name("id")
    rows = [[f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields] for e in events]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(
                f"(%s)::{str(f.db_type(connection)).split('(')[0]}[]" for f in fields
            )
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({arrays}) RETURNING {pk}",
                [list(column) for column in zip(*rows, strict=True)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        else:
            one = "(" + ", ".join(["%s"] * len(fields)) + ")"
            ids = []
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start : start + _CHUNK]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))}"
                    f" RETURNING {pk}",
                    [value for row in chunk for value in row],
                )
                ids.extend(row[0] for row in cursor.fetchall())
    for event, new_id in zip(events, ids, strict=True):
        event.pk = new_id
        event._state.adding = False
        event._state.db = connection.alias


def insert_chained(events: list[AuditEvent]) -> None:
    """Link `events` onto their clinics' chains and insert them, in the caller's
    transaction (one more when there is none). Rows are inserted in list order so
    their ids follow the chain."""
    if not events:
        return
    with transaction.atomic(savepoint=False):
        for clinic_id in sorted({e.clinic_id for e in events}):  # one lock order: no deadlock
            head = _locked_head(clinic_id)
            prev = head.last_hash
            mine = [e for e in events if e.clinic_id == clinic_id]
            for event in mine:
                event.hash = prev = row_hash(prev, _values(event))
            head.last_hash = prev
            head.length += len(mine)
            if len(mine) == 1:
                mine[0].save(force_insert=True)
            else:
                _insert_rows(mine)
            ChainHead.objects.filter(pk=clinic_id).update(last_hash=prev, length=head.length)


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
