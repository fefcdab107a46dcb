"""Lookups of the signed-in path and other hot reads, compiled once.

Every signed-in request runs the same few lookups: its session, its user with clinic
membership, the authenticator it signed in with, or its bearer token. Django builds and
compiles a queryset's SQL anew on every call, and for these small joins that cost more
CPU than the database spends answering them (issue 20: two thirds of the per-request
floor). `Prepared` compiles the queryset once per database and afterwards only runs the
SQL with the call's values; the rows become objects through Django's own iterable of
that queryset, so select_related, annotations and field conversions are exactly the
queryset's (acuflow/core/tests/test_prepared.py compares the two).

The values that change between calls are named by markers: a sample value of the
right type that must occur among the compiled query's parameters (every place it occurs
takes the value: a subquery may repeat it, e.g. a total over the same rows). An int or
str every backend passes through unchanged; a date or an aware datetime is passed as
the backend adapts a DateField's or DateTimeField's value (SQLite writes text), both
when the marker is looked for and for each call's value.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler

# Sample values for the markers: ids are never negative, keys never hold a NUL.
MARKER_ID = -2_000_000_001  # within every integer column type
MARKER_OTHER_ID = -2_000_000_002  # a second id in the same query
MARKER_THIRD_ID = -2_000_000_003  # a third
MARKER_KEY = "\x00prepared-key"
# Days and instants no clinical value takes (clinical dates are 1900..2100).
MARKER_DAY = dt.date(1001, 2, 3)
MARKER_OTHER_DAY = dt.date(1001, 2, 4)
MARKER_INSTANT = dt.datetime(1001, 2, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
MARKER_OTHER_INSTANT = dt.datetime(1001, 2, 3, 4, 5, 6, 8, tzinfo=dt.UTC)

type Value = int | str | dt.date  # a datetime is a date


def _adapter(connection: Any, marker: Value) -> Callable[[Any], Any]:
    """How the backend passes a value of the marker's type as a query parameter."""
    if isinstance(marker, dt.datetime):
        return connection.ops.adapt_datetimefield_value  # type: ignore[no-any-return]
    if isinstance(marker, dt.date):
        return connection.ops.adapt_datefield_value  # type: ignore[no-any-return]
    return _same


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet[Any]
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, list[int]]
    adapters: dict[str, Callable[[Any], Any]]
    converters: dict[int, Any]


class Prepared[M: Model]:
    """`build()` returns the queryset with a marker where each value goes;
    `first(name=value, ...)` runs it with those values and answers the first object
    (a dict or tuple for a values() queryset) or None; `rows(name=value, ...)` answers
    every row (or a page of them). The queryset must not depend on anything but the markers (no now(), no
    settings read at call time): it is built once. No prefetch_related: it would run
    uncompiled."""

    def __init__(self, model: type[M], build: Callable[[], QuerySet[M, Any]], **markers: Value):
        self.model = model
        self._build = build
        self._markers = markers
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        queryset = self._build().using(alias)
        compiler = queryset.query.get_compiler(using=alias)
        if queryset.query.is_sliced:
            raise ImproperlyConfigured("a prepared lookup is not sliced: rows() takes a page")
        sql, params = compiler.as_sql()
        slots: dict[str, list[int]] = {}
        adapters: dict[str, Callable[[Any], Any]] = {}
        for name, marker in self._markers.items():
            adapters[name] = adapt = _adapter(compiler.connection, marker)
            sample = adapt(marker)
            found = [i for i, p in enumerate(params) if type(p) is type(sample) and p == sample]
            if not found:
                raise ImproperlyConfigured(
                    f"marker {name}={marker!r} occurs 0 times in the parameters "
                    f"of {self.model.__name__}'s prepared lookup"
                )
            slots[name] = found
        columns = [column[0] for column in compiler.select[0 : compiler.col_count]]
        converters = compiler.get_converters(columns)
        compiled = _Compiled(queryset, compiler, sql, tuple(params), slots, adapters, converters)
        self._compiled[alias] = compiled
        return compiled

    def _queryset(
        self, values: dict[str, Value], limit: int | None = None, offset: int = 0
    ) -> QuerySet[Any]:
        alias = router.db_for_read(self.model)
        compiled = self._compiled.get(alias) or self._compile(alias)
        params = list(compiled.params)
        for name, slots in compiled.slots.items():
            value = compiled.adapters[name](values[name])
            for slot in slots:
                params[slot] = value
        sql, converters = compiled.sql, compiled.converters
        if limit is not None:
            sql = f"{sql} LIMIT %s OFFSET %s"
            params += [limit, offset]
        # A copy of the compiled compiler (its select list, related-object layout and
        # annotation columns) on this thread's connection, answering the stored SQL and
        # the stored field converters (which depend on the columns and the backend only).
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connections[alias]
        compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))  # type: ignore[method-assign]
        compiler.get_converters = lambda expressions: converters  # type: ignore[method-assign]
        query = copy.copy(compiled.queryset.query)
        query.get_compiler = _answers(compiler)  # type: ignore[method-assign]
        queryset = type(compiled.queryset)(model=self.model, query=query, using=alias)
        # Rows as the queryset gives them: objects, or values()/values_list() rows.
        queryset._iterable_class = compiled.queryset._iterable_class
        queryset._fields = compiled.queryset._fields  # type: ignore[attr-defined]
        return queryset

    def first(self, **values: Value) -> M | None:
        for obj in self._queryset(values):
            return obj  # type: ignore[no-any-return]
        return None

    def rows(self, *, limit: int | None = None, offset: int = 0, **values: Value) -> list[Any]:
        """Every row of the lookup, as its queryset gives them (objects, the dicts of a
        values() or the tuples of a values_list() lookup); with `limit`, the page of
        that many rows from `offset` (LIMIT and OFFSET as parameters of the SQL)."""
        return list(self._queryset(values, limit, offset))


def _answers(compiler: SQLCompiler) -> Callable[..., SQLCompiler]:
    def get_compiler(*args: Any, **kwargs: Any) -> SQLCompiler:
        return compiler

    return get_compiler
