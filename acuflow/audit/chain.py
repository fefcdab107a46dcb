"""The hash chain over a clinic's audit rows.

Each row's `hash` is SHA-256 over the previous row's hash (the clinic's row before it
by id; "" for the first) and the row's own fields. Rows are linked while the clinic's
`ChainHead` row is locked (SELECT ... FOR UPDATE; on SQLite every write transaction
already holds the database's write lock), so concurrent writers of one clinic queue
for the link and never chain to the same predecessor. `verify_clinic` recomputes it.

On PostgreSQL a single row (`insert_one`: most audited requests write one) is linked by one
statement: it locks the head, hashes the row in the server (`sha256` over the same JSON
text), inserts it and moves the head. Outside a transaction that statement is a
transaction of its own: a read's audit row costs one round trip instead of four
(BEGIN, the lock, the insert, COMMIT).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
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


def _cell(name: str, value: Any) -> str:
    """One field's item of the hashed JSON, as `row_hash` encodes it."""
    return _encode(_plain(_address(value) if name == "client_address" else value))


def link_rows(prev: str, rows: list[dict[str, Any]]) -> str:
    """Set each row's "hash", chained from `prev` in list order; the last one. The
    same hashes as `row_hash` row by row (a list's JSON is its items' JSON joined by
    commas), with each field value the rows share encoded once: a search's or a
    calendar's rows differ in a patient or an object only."""
    memo: dict[Any, str] = {}
    for row in rows:
        cells = [_encode(prev)]
        for name in FIELDS:
            value = row.get(name)
            # A dict or list by identity (equal ones may encode differently: 1 and True).
            key = (
                (name, id(value)) if isinstance(value, dict | list) else (name, type(value), value)
            )
            cell = memo.get(key)
            if cell is None:
                cell = memo[key] = _cell(name, value)
            cells.append(cell)
        payload = "[" + ",".join(cells) + "]"
        row["hash"] = prev = hashlib.sha256(payload.encode()).hexdigest()
    return prev


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


# `_address` memoized: a request's rows share one client address.
_address_cached = lru_cache(maxsize=1024)(_address)


# The columns written, in table order (the hash is filled in while linking).
_COLUMN_FIELDS = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
COLUMNS = tuple(str(f.attname) for f in _COLUMN_FIELDS)
assert set(COLUMNS) == {*FIELDS, "hash"}, "audit.chain.FIELDS does not match AuditEvent"


def _head_sql(vendor_locks: bool) -> str:
    table = connection.ops.quote_name(ChainHead._meta.db_table)
    lock = " FOR UPDATE" if vendor_locks else ""
    return f"SELECT last_hash, length FROM {table} WHERE clinic_id = %s{lock}"


def _create_head(clinic_id: int) -> None:
    """The clinic's chain head, made at its first audit row (a racing writer's wins)."""
    ChainHead.objects.bulk_create([ChainHead(clinic_id=clinic_id)], ignore_conflicts=True)


def _locked_head(cursor: Any, clinic_id: int) -> tuple[str, int]:
    """The clinic's chain head (last hash, length), locked until the transaction ends:
    one plain statement (no ORM query compiled per audited request)."""
    sql = _head_sql(connection.features.has_select_for_update)
    cursor.execute(sql, [clinic_id])
    row = cursor.fetchone()
    if row is None:
        _create_head(clinic_id)
        cursor.execute(sql, [clinic_id])
        row = cursor.fetchone()
    return str(row[0]), int(row[1])


_CHUNK = 1000  # rows per INSERT on SQLite: 14 parameters each, well under its limit
_PG_TYPES: list[str] = []
_PG_STATEMENTS: dict[tuple[str, ...], str] = {}


def _pg_types() -> list[str]:
    """The type of each column without its length (bigint, varchar, inet ...)."""
    if not _PG_TYPES:
        _PG_TYPES.extend(str(f.db_type(connection)).split("(")[0] for f in _COLUMN_FIELDS)
    return _PG_TYPES


def _pg_statement(varying: tuple[str, ...]) -> str:
    """The PostgreSQL statement that moves the head and inserts the rows: the head's
    UPDATE as a data-modifying WITH (run once, whatever the INSERT reads of it), each
    column the rows share as one value, each column that `varying` names as an array
    (UNNEST). Its text depends only on `varying`, so it is built once per shape."""
    statement = _PG_STATEMENTS.get(varying)
    if statement is not None:
        return statement
    ops = connection.ops
    head = ops.quote_name(ChainHead._meta.db_table)
    table = ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(ops.quote_name(str(f.column)) for f in _COLUMN_FIELDS)
    select: list[str] = []
    arrays: list[str] = []
    for name, kind in zip(COLUMNS, _pg_types(), strict=True):
        if name in varying:
            select.append(f"u.c{len(arrays)}")
            arrays.append("(%s)::text[]::jsonb[]" if name == "detail" else f"(%s)::{kind}[]")
        else:
            select.append(f"(%s)::{kind}")
    names = ", ".join(f"c{i}" for i in range(len(arrays)))
    source = f" FROM UNNEST({', '.join(arrays)}) AS u({names})" if arrays else ""
    statement = _PG_STATEMENTS[varying] = (
        f"WITH moved AS (UPDATE {head} SET last_hash = %s, length = %s WHERE clinic_id = %s) "
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(select)}{source} "
        f"RETURNING {ops.quote_name('id')}"
    )
    return statement


def _pg_values(name: str, rows: list[dict[str, Any]]) -> list[Any]:
    """A column's values as the PostgreSQL statements send them: the address as the
    field prepares it, the detail as JSON text (cast to jsonb), the rest as they are."""
    if name == "client_address":
        return [_address_cached(r[name]) for r in rows]
    if name == "detail":
        return [json.dumps(r[name]) for r in rows]
    return [r[name] for r in rows]


def _pg_insert(cursor: Any, rows: list[dict[str, Any]], head: list[Any]) -> list[int]:
    """Insert `rows` and move the clinic's head to `head` (last hash, length, clinic) in
    one statement; their new ids, in list order. A value the rows share is sent once
    (a search's rows differ in their patient and hash only), the others as arrays."""
    shared: list[Any] = []
    arrays: list[list[Any]] = []
    varying: list[str] = []
    for name in COLUMNS:
        values = _pg_values(name, rows)
        first = values[0]
        if all(v == first for v in values):
            shared.append(first)
        else:
            varying.append(name)
            arrays.append(values)
    cursor.execute(_pg_statement(tuple(varying)), [*head, *shared, *arrays])
    return [row[0] for row in cursor.fetchall()]


_PG_ONE: list[str] = []


def _pg_one_statement() -> str:
    """The PostgreSQL statement that chains one row by itself: lock the clinic's head,
    hash the row onto it in the server, insert the row and move the head. The hash is
    SHA-256 over the same JSON text `link_rows` hashes: '[', the previous hash as a JSON
    string (`to_json`; hex digits or "", so the same bytes as Python's encoder), ',' and
    then the row's own items, which the caller encodes (`_cells`)."""
    if not _PG_ONE:
        ops = connection.ops
        head = ops.quote_name(ChainHead._meta.db_table)
        table = ops.quote_name(AuditEvent._meta.db_table)
        columns = ", ".join(ops.quote_name(str(f.column)) for f in _COLUMN_FIELDS)
        select = ", ".join(
            "n.hash" if name == "hash" else f"(%s)::{kind}"
            for name, kind in zip(COLUMNS, _pg_types(), strict=True)
        )
        _PG_ONE.append(
            f"WITH h AS (SELECT last_hash, length FROM {head} WHERE clinic_id = %s FOR UPDATE), "
            "n AS (SELECT encode(sha256(convert_to('[' || to_json(h.last_hash)::text || ',' "
            "|| %s, 'UTF8')), 'hex') AS hash, h.length + 1 AS length FROM h), "
            f"moved AS (UPDATE {head} SET last_hash = n.hash, length = n.length FROM n "
            f"WHERE {head}.clinic_id = %s) "
            f"INSERT INTO {table} ({columns}) SELECT {select} FROM n "
            f"RETURNING {ops.quote_name('id')}, {ops.quote_name('hash')}"
        )
    return _PG_ONE[0]


def _cells(row: dict[str, Any]) -> str:
    """The row's items of the hashed JSON after the previous hash, and its closing
    bracket: what `link_rows` joins after it."""
    return ",".join(_cell(name, row.get(name)) for name in FIELDS) + "]"


def _pg_insert_one(row: dict[str, Any]) -> int:
    """Chain and insert one row on PostgreSQL in one statement (see `_pg_one_statement`):
    outside a transaction that statement is its own, with no BEGIN and COMMIT around
    it. Sets the row's "hash"; its new id."""
    values = [_pg_values(name, [row])[0] for name in COLUMNS if name != "hash"]
    clinic_id = row["clinic_id"]
    params = [clinic_id, _cells(row), clinic_id, *values]
    # As insert_chained's atomic block would: an error here marks the caller's
    # transaction for rollback, even if the caller catches it (no queries sent).
    with transaction.mark_for_rollback_on_error(), connection.cursor() as cursor:
        cursor.execute(_pg_one_statement(), params)
        found = cursor.fetchone()
        if found is None:  # the clinic's first row: no head yet, so nothing was inserted
            _create_head(clinic_id)
            cursor.execute(_pg_one_statement(), params)
            found = cursor.fetchone()
    if found is None:  # never a row left unwritten without a word
        raise RuntimeError(f"clinic {clinic_id} has no audit chain head")
    row["hash"] = found[1]
    return int(found[0])


def _insert_rows(cursor: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` (values by column attname) in list order on SQLite; their new ids.

    The same columns and stored values as `bulk_create`, without a model instance per
    row or an ORM query compiled per call (audit rows have no pre_save hooks or
    signals): a VALUES list of the fields' own prepared values. PostgreSQL takes
    `_pg_insert`: the plain values (ints, text, aware datetimes that psycopg adapts, the
    address as the field prepares it, the detail as JSON text cast to jsonb)."""
    ops = connection.ops
    table = ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(ops.quote_name(str(f.column)) for f in _COLUMN_FIELDS)
    pk = ops.quote_name("id")
    prepared = [
        [f.get_db_prep_save(r[f.attname], connection) for f in _COLUMN_FIELDS] for r in rows
    ]
    one = "(" + ", ".join(["%s"] * len(_COLUMN_FIELDS)) + ")"
    ids: list[int] = []
    for start in range(0, len(prepared), _CHUNK):
        chunk = prepared[start : start + _CHUNK]
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))}"
            f" RETURNING {pk}",
            [value for row in chunk for value in row],
        )
        ids.extend(row[0] for row in cursor.fetchall())
    return ids


def insert_chained(rows: list[dict[str, Any]]) -> list[int]:
    """Link `rows` (an audit row's FIELDS by attname) onto their clinics' chains and
    insert them, in the caller's transaction (one more when there is none); their ids.
    Rows are inserted in list order so their ids follow the chain. Per clinic: lock the
    head, then insert and move the head (one statement on PostgreSQL, two on SQLite)."""
    if not rows:
        return []
    head_table = connection.ops.quote_name(ChainHead._meta.db_table)
    postgres = connection.vendor == "postgresql"
    ids: list[int] = []
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for clinic_id in sorted({r["clinic_id"] for r in rows}):  # one lock order: no deadlock
            prev, length = _locked_head(cursor, clinic_id)
            mine = [r for r in rows if r["clinic_id"] == clinic_id]
            prev = link_rows(prev, mine)
            head = [prev, length + len(mine), clinic_id]
            if postgres:
                ids += _pg_insert(cursor, mine, head)
                continue
            ids += _insert_rows(cursor, mine)
            cursor.execute(
                f"UPDATE {head_table} SET last_hash = %s, length = %s WHERE clinic_id = %s", head
            )
    return ids


def insert_one(row: dict[str, Any]) -> int:
    """Link and insert one row (`insert_chained` of one), its id. On PostgreSQL in one
    statement (`_pg_insert_one`): in the caller's transaction when there is one, else a
    transaction of its own. For a write that is always one row: a list's rows take
    `insert_chained` even when there is one, so that its statements do not depend on how
    many it shows."""
    if connection.vendor == "postgresql":
        return _pg_insert_one(row)
    return insert_chained([row])[0]


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
