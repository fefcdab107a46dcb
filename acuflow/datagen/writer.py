"""Bulk row writer: PostgreSQL COPY (psycopg 3) or bulk_create in batches elsewhere.

Generators hand over plain tuples with explicit primary keys, so that rows of one chunk
can refer to each other before anything is written; foreign keys are deferred until
commit on both PostgreSQL and SQLite (Django creates them DEFERRABLE INITIALLY DEFERRED),
so the order in which tables are flushed inside a transaction does not matter.
Model instances are only built on the bulk_create path: COPY takes tuples as they are.

On PostgreSQL a role allowed to (a superuser, as in the benchmark) loads with
`session_replication_role = replica`: for this one session only, the per-row foreign key
triggers stay quiet (checking each of ~12 million rows at commit was most of the run),
and `finish()` checks every foreign key of the written tables set-wise instead, one
anti-join each, and fails the run on a dangling reference. The constraints themselves
stay in place for every other session, and the append-only audit trigger guards UPDATE
and DELETE, which the generator never does.

Outside a transaction (the command, not the tests: there CREATE INDEX refuses a table
with pending trigger events) such a role also loads the tables without their secondary
indexes: `start()` drops every index but the primary key, and every unique constraint
with its index, of the tables the generators will write, and `build_indexes()` (or
`finish()`) builds them again from their own definitions once the rows are in. Building
an index over loaded rows is a fraction of the cost of updating it row by row, and
adding a unique constraint back checks every row as the per-row check would have, so a
clash still fails the run. A run that fails half way builds them again (`abort()`)
before it raises.

The exclusion constraints (the appointments' three GiST ones: no double booking) stay
in place during the load. Adding one back costs little to build (10 s at 100,000
patients) but about a minute to check: one index probe per row, ~50 us each, one
after another once the load is over. Kept in place, the same probes run row by row in
the server while the generator, on the other core, builds the next chunk: at 100,000
patients the run went from 450 s to 312 s on a two-core machine.

Outside a transaction (the command, not the tests) such a role also loads through a
second connection in a writer thread (`start(background=True)`): the server takes in one
chunk's rows while the generator builds the next, instead of the generator waiting on
every COPY (on two cores that wait was about a third of the run). The thread commits
once per chunk, as the command did; `finish()` waits for it and re-raises its error.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from typing import Any

from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.models import Max


class Table:
    """Rows of one model. `add(**values)` takes field attnames; keys the model does not
    have are dropped and fields not given take their default, so a generator keeps
    working while a model gains or loses an optional field.

    The fast lane for a generator with millions of rows of one shape (the audit trail):
    `set_columns()` once, then `add_row(tuple)` in that column order, or, where
    `text` is true (COPY), `add_line()` with the row as a line of COPY text format."""

    def __init__(self, writer: BulkWriter, model: type[models.Model]):
        self.writer = writer
        self.model = model
        self.fields = {f.attname: f for f in model._meta.concrete_fields}
        self.rows: list[tuple[Any, ...]] = []
        self.lines: list[str] = []
        self.text = writer.use_copy
        self.written = 0
        self.columns: list[str] = []
        self._given: list[str] = []
        self._defaults: list[tuple[str, Any, bool]] = []  # (attname, value or callable, callable?)
        self.json_positions: list[int] = []
        pk = model._meta.pk
        assert pk is not None
        top = model._default_manager.using(writer.using).aggregate(top=Max(pk.attname))["top"]
        self._next_id = (top or 0) + 1

    def next_id(self) -> int:
        value = self._next_id
        self._next_id += 1
        return value

    def _prepare(self, keys: list[str]) -> None:
        self._given = [k for k in keys if k in self.fields]
        self._defaults = []
        for name, f in self.fields.items():
            if name in self._given or f.primary_key:
                continue
            if f.has_default():
                self._defaults.append((name, f.default, callable(f.default)))
            elif not f.null:  # e.g. a blank text field without default: Django saves ""
                self._defaults.append((name, f.get_default(), False))
        self.columns = self._given + [d[0] for d in self._defaults]
        self.json_positions = [
            i for i, c in enumerate(self.columns) if isinstance(self.fields[c], models.JSONField)
        ]

    def line_columns(self, given: list[str]) -> str:
        """For `add_line` rows of the `given` columns: the columns become `given` and then
        those add() would fill with a default. Returns those defaults as the end of
        each line (COPY cells, each after a tab, and the newline)."""
        self._prepare(given)
        assert self._given == given, f"{self.model._meta.label} has not all of {given}"
        assert not any(is_callable for _n, _d, is_callable in self._defaults), (
            f"{self.model._meta.label}: give the columns with a callable default"
        )
        return "".join("\t" + copy_cell(default) for _n, default, _c in self._defaults) + "\n"

    def set_columns(self, columns: list[str]) -> None:
        """Rows come as tuples (or COPY lines) of exactly these columns."""
        unknown = [c for c in columns if c not in self.fields]
        assert not unknown, f"{self.model._meta.label} has no {unknown}"
        self._given, self._defaults, self.columns = list(columns), [], list(columns)
        self.json_positions = [
            i for i, c in enumerate(self.columns) if isinstance(self.fields[c], models.JSONField)
        ]

    def add_row(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.writer.flush_rows:
            self.flush()

    def add_line(self, line: str) -> None:
        """One row in COPY text format, ending in a newline (only where `text`)."""
        self.lines.append(line)
        if len(self.lines) >= self.writer.flush_rows:
            self.flush()

    def add(self, **values: Any) -> None:
        if not self.columns:
            self._prepare(list(values))
        row = [values[k] for k in self._given]
        for _name, default, is_callable in self._defaults:
            row.append(default() if is_callable else default)
        self.rows.append(tuple(row))
        if len(self.rows) >= self.writer.flush_rows:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            text, count, self.lines = "".join(self.lines), len(self.lines), []
            if self.writer.background is not None:
                self.writer.background.put(self._copy_sql(), text, [])
            else:
                with connections[self.writer.using].cursor() as cursor:
                    copy_rows(cursor.cursor, self._copy_sql(), text, [])
            self.written += count
        if not self.rows:
            return
        if self.writer.background is not None:
            self.writer.background.put(self._copy_sql(), self.rows, self.json_positions)
        elif self.writer.use_copy:
            self._copy()
        else:
            objs = [self.model(**dict(zip(self.columns, row, strict=True))) for row in self.rows]
            self.model._default_manager.using(self.writer.using).bulk_create(
                objs, batch_size=self.writer.batch_size
            )
        self.written += len(self.rows)
        self.rows = []

    def _copy_sql(self) -> str:
        ops = connections[self.writer.using].ops
        table = ops.quote_name(self.model._meta.db_table)
        cols = ", ".join(ops.quote_name(str(self.fields[c].column)) for c in self.columns)
        return f"COPY {table} ({cols}) FROM STDIN"

    def _copy(self) -> None:
        with connections[self.writer.using].cursor() as cursor:
            # the psycopg 3 cursor under Django's wrapper
            copy_rows(cursor.cursor, self._copy_sql(), self.rows, self.json_positions)


def copy_text(text: str) -> str:
    """A text as a COPY text-format cell."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


_json = json.JSONEncoder(separators=(",", ":")).encode


def copy_json(value: Any) -> str:
    """A JSON value as a COPY text-format cell (as copy_rows encodes it)."""
    return copy_text(_json(value))


def copy_cell(value: Any) -> str:
    """Any plain value as a COPY text-format cell: NULL, a boolean, JSON, or its text
    (a datetime's isoformat keeps its offset, so the same instant is stored)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return copy_json(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return copy_text(str(value))


def copy_rows(
    raw_cursor: Any, sql: str, rows: list[tuple[Any, ...]] | str, positions: list[int]
) -> None:
    """COPY tuples (or ready COPY text) through a psycopg 3 cursor; JSON cells at
    `positions` encoded here."""
    with raw_cursor.copy(sql) as copy:
        if isinstance(rows, str):
            copy.write(rows)
        elif positions:
            for row in rows:
                values = list(row)
                for i in positions:
                    value = values[i]
                    # Most JSON cells are empty (an audit row's detail, a session's
                    # adjuncts): no encoder call for those.
                    if not value and isinstance(value, dict | list):
                        values[i] = "{}" if isinstance(value, dict) else "[]"
                    else:
                        values[i] = json.dumps(value, separators=(",", ":"))
                copy.write_row(values)
        else:
            for row in rows:
                copy.write_row(row)


Job = tuple[str, list[tuple[Any, ...]] | str, list[int]]  # COPY statement, rows, JSON cells


class BackgroundCopy:
    """A writer thread with its own connection (foreign key triggers off, as in
    `BulkWriter.start`): COPYs what it is handed, in order, and commits at `commit()`.
    The queue is short, so the generator stays at most about a chunk ahead."""

    def __init__(self, using: str):
        connection = connections[using]
        self.raw = connection.get_new_connection(connection.get_connection_params())
        with self.raw.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        self.raw.commit()
        self.jobs: queue.Queue[Job | None] = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="generate-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.raw.cursor() as cursor:
                while (job := self.jobs.get()) is not None:
                    sql, rows, positions = job
                    if sql:
                        copy_rows(cursor, sql, rows, positions)
                    else:
                        self.raw.commit()
            self.raw.commit()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self.error = exc
            self.raw.rollback()
            while self.jobs.get() is not None:  # let the producer finish
                pass

    def _check(self) -> None:
        if self.error is not None:
            raise self.error

    def put(self, sql: str, rows: list[tuple[Any, ...]] | str, positions: list[int]) -> None:
        self._check()
        self.jobs.put((sql, rows, positions))

    def commit(self) -> None:
        self.put("", [], [])

    def close(self) -> None:
        """Wait for every row to be written and committed; raise the thread's error."""
        self.jobs.put(None)
        self.thread.join()
        self.raw.close()
        self._check()


# The secondary indexes and the unique and exclusion constraints of some tables: how to
# drop each and how to build it again. The primary key stays (foreign keys are checked
# against it), as does any index a foreign key depends on.
_INDEXES_SQL = """
SELECT 'ALTER TABLE ' || c.conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(c.conname),
       'ALTER TABLE ' || c.conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(c.conname)
       || ' ' || pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.conrelid = ANY(%(tables)s::regclass[]) AND c.contype = 'u'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
UNION ALL
SELECT 'DROP INDEX ' || i.indexrelid::regclass, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


_BUILD_MEMORY = "SET maintenance_work_mem = '256MB'"  # an index's sort in memory


class BulkWriter:
    """One Table per model; flush() writes every buffered row (call it per transaction)."""

    def __init__(
        self,
        *,
        using: str = "default",
        batch_size: int = 2000,
        flush_rows: int = 50_000,
        copy: bool | None = None,
    ):
        self.using = using
        self.batch_size = batch_size
        self.flush_rows = flush_rows
        vendor = connections[using].vendor
        self.use_copy = (vendor == "postgresql") if copy is None else copy
        self.tables: dict[type[models.Model], Table] = {}
        self.checks_deferred = False
        self.background: BackgroundCopy | None = None
        self.dropped: list[str] = []  # how to build again the indexes start() dropped

    def table(self, model: type[models.Model]) -> Table:
        if model not in self.tables:
            self.tables[model] = Table(self, model)
        return self.tables[model]

    def flush(self) -> None:
        """Write every buffered row; in the background, the rows so far form one commit."""
        for table in self.tables.values():
            table.flush()
        if self.background is not None:
            self.background.commit()

    def start(self, *, background: bool = False) -> bool:
        """Before the rows: the foreign key triggers off for this session where the role
        may do so (PostgreSQL); finish() checks the keys set-wise. True when they are.
        With `background` and outside a transaction, rows go through a writer thread's
        own connection (see BackgroundCopy)."""
        connection = connections[self.using]
        if connection.vendor != "postgresql" or not self.use_copy:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            if not row or not row[0]:
                return False
            cursor.execute("SET session_replication_role = replica")
        self.checks_deferred = True
        if not connection.in_atomic_block:
            # (In a transaction, CREATE INDEX refuses a table with pending trigger events.)
            self.drop_indexes()
        if background and not connection.in_atomic_block:
            self.background = BackgroundCopy(self.using)
        return True

    def drop_indexes(self) -> None:
        """Drop the secondary indexes of the tables registered so far (see the module
        docstring); keep how to build them in `dropped`."""
        connection = connections[self.using]
        tables = [connection.ops.quote_name(m._meta.db_table) for m in self.tables]
        # All or none: no index dropped that `dropped` does not know of.
        with transaction.atomic(using=self.using), connection.cursor() as cursor:
            cursor.execute(_INDEXES_SQL, {"tables": tables})
            found = cursor.fetchall()
            for drop, _build in found:
                cursor.execute(drop)
        self.dropped = [build for _drop, build in found]

    def build_indexes(self, *, workers: int = 1) -> None:
        """Build again what start() dropped (the constraints check every row). With
        `workers` outside a transaction, that many connections build side by side."""
        if not self.dropped:
            return
        connection = connections[self.using]
        if workers > 1 and not connection.in_atomic_block:
            self._build_side_by_side(workers)
            return
        with connection.cursor() as cursor:
            cursor.execute(_BUILD_MEMORY)
            while self.dropped:
                cursor.execute(self.dropped[0])
                self.dropped.pop(0)
            cursor.execute("RESET maintenance_work_mem")

    def _build_side_by_side(self, workers: int) -> None:
        """One thread and connection per worker, each taking the next index to build;
        any GiST one, much the slowest, first."""
        connection = connections[self.using]
        todo: queue.SimpleQueue[str] = queue.SimpleQueue()
        for build in sorted(self.dropped, key=lambda b: " USING gist " not in b.lower()):
            todo.put(build)
        errors: list[BaseException] = []
        lock = threading.Lock()

        def work() -> None:
            try:
                raw = connection.get_new_connection(connection.get_connection_params())
            except BaseException as exc:  # noqa: BLE001 - raised below
                errors.append(exc)
                return
            try:
                raw.autocommit = True
                with raw.cursor() as cursor:
                    cursor.execute(_BUILD_MEMORY)
                    while not errors:
                        try:
                            build = todo.get_nowait()
                        except queue.Empty:
                            return
                        with connection.wrap_database_errors:
                            cursor.execute(build)
                        with lock:
                            self.dropped.remove(build)
            except BaseException as exc:  # noqa: BLE001 - raised below
                errors.append(exc)
            finally:
                raw.close()

        threads = [
            threading.Thread(target=work, name=f"generate-index-{n}") for n in range(workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def abort(self) -> None:
        """After a failed load: stop the writer thread, put the indexes back."""
        background, self.background = self.background, None
        if background is not None:
            try:
                background.close()
            except BaseException:  # noqa: BLE001, S110 - the caller raises the first error
                pass
        connection = connections[self.using]
        if not self.dropped or connection.in_atomic_block:
            return  # in a transaction, its rollback puts them back
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            self.checks_deferred = False
            for build in self.dropped:
                try:
                    cursor.execute(build)
                except Exception:  # noqa: BLE001, S110 - rows that break it: the run's error says
                    pass
        self.dropped = []

    def wait(self) -> None:
        """Every row handed to the writer thread is committed (or its error raised)."""
        if self.background is not None:
            background, self.background = self.background, None
            background.close()

    def check_foreign_keys(self) -> None:
        """Every foreign key of every written table points at a row: one anti-join per
        key. Raises ValueError naming the first dangling key."""
        connection = connections[self.using]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model, table in self.tables.items():
                if not table.written:
                    continue
                for f in model._meta.concrete_fields:
                    if not isinstance(f, models.ForeignKey):
                        continue
                    target = f.target_field
                    parent = target.model._meta.db_table
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} c"
                        f" WHERE c.{quote(f.column)} IS NOT NULL AND NOT EXISTS"
                        f" (SELECT 1 FROM {quote(parent)} p"
                        f" WHERE p.{quote(str(target.column))} = c.{quote(f.column)})"
                    )
                    row = cursor.fetchone()
                    dangling = row[0] if row else 0
                    if dangling:
                        raise ValueError(
                            f"{dangling} rows of {model._meta.label}.{f.name} point at no "
                            f"{target.model._meta.label}"
                        )

    def finish(self) -> None:
        """Flush, check the foreign keys the load did not check row by row, then move
        each table's id sequence past the ids we chose ourselves."""
        self.flush()
        self.wait()
        self.build_indexes()
        connection = connections[self.using]
        if self.checks_deferred:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
            self.checks_deferred = False
            self.check_foreign_keys()
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.tables))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

    def counts(self) -> dict[str, int]:
        return {model._meta.label: t.written for model, t in self.tables.items()}
