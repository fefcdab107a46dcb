"""Rendered parts of a patient's record kept between requests, keyed on the patient's
last write in the audit trail (issue 20).

Why the key cannot go stale: every write to a patient's record records its audit row
(create, update, delete) in the same transaction (CONTRIBUTING), and a clinic's audit
rows get their ids under the lock of the clinic's chain head, held until commit
(`acuflow.audit.chain.insert_chained`). So once a write has committed, the newest write
event of its patient is that write's row or a later one, never the row an earlier
reader saw: a part stored under the earlier mark is not served again. Nothing is
invalidated by hand, and no write path can forget to. The mark carries the row's hash
too, so a mark whose id came back (a database restored under a running server, a test
database rolled back) is still another mark.

A reader reads the mark first and the record after it: what it stores under a mark is
at least as new as the mark, never older. `acuflow/audit/tests/test_sections.py` walks
the writing services and proves the mark moves with each.

The parts live in this process's memory (`CACHES["sections"]`): no patient data goes to
a shared store, and each server process builds a part once per mark. What a part shows
beyond the patient's own record (language, time zone, clinic settings, the course's
own numbers) goes into its `parts`.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Hashable

from django.core.cache import caches
from django.db import connection

from acuflow.audit.models import WRITE_ACTIONS, AuditEvent

CACHE = "sections"


@functools.cache
def _mark_sql(vendor: str) -> str:
    """One fixed statement per database (the ORM would compile it on every call). It
    reads the partial index of write events, newest first."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    actions = ", ".join(f"'{a}'" for a in WRITE_ACTIONS)  # fixed choices, no input
    return (
        f"SELECT id, hash FROM {table} WHERE patient_id = %s "  # noqa: S608
        f"AND action IN ({actions}) ORDER BY id DESC LIMIT 1"
    )


def write_mark(patient_id: int) -> str:
    """The patient's newest write event as 'id:hash', or '0:' when there is none."""
    with connection.cursor() as cursor:
        cursor.execute(_mark_sql(connection.vendor), [patient_id])
        row = cursor.fetchone()
    return f"{row[0]}:{row[1]}" if row else "0:"


def cached[T](
    name: str, *, patient_id: int, parts: tuple[Hashable, ...], build: Callable[[], T]
) -> T:
    """The part `name` of patient `patient_id` for `parts`, built by `build()` when this
    process has none for the patient's current write mark."""
    mark = write_mark(patient_id)
    digest = hashlib.blake2b(repr((mark, parts)).encode(), digest_size=16).hexdigest()
    key = f"{name}:{patient_id}:{digest}"
    store = caches[CACHE]
    value = store.get(key)
    if value is None:
        value = build()
        store.set(key, value)
    return value  # type: ignore[no-any-return]
