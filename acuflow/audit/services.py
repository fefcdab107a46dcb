"""The one way audit rows are written. Callers run it inside their own transaction so
the audit row and the change it records commit or roll back together. Every row is
linked onto its clinic's hash chain as it is inserted (acuflow.audit.chain).

Security events (refused attempts) are the opposite: they must outlive the request's
transaction, which usually rolls back because of the refusal. Inside a request
(`SecurityEventMiddleware`) they are collected and written after the response."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from acuflow.audit.chain import insert_chained, insert_one
from acuflow.audit.models import Action, SecurityEvent

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.patients.models import Patient


_ACTIONS = frozenset(Action.values)  # Action.values builds a new list on every access


def _row(
    actor: Actor,
    action: str,
    patient_id: int | None,
    object_type: str,
    object_id: str,
    detail: dict[str, Any],
    at: dt.datetime,
) -> dict[str, Any]:
    """An audit row's values by column (acuflow.audit.chain.FIELDS), from the actor."""
    if action not in _ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return {
        "clinic_id": actor.clinic.pk,
        "user_id": actor.user.pk if actor.user is not None else None,
        "actor_label": actor.label[:200],
        "on_behalf_of": actor.on_behalf_of[:200],
        "action": action,
        "patient_id": patient_id,
        "object_type": object_type[:64],
        "object_id": object_id[:64],
        "channel": actor.channel,
        "path": actor.path[:300],
        "client_address": actor.client_address,
        "at": at,
        "detail": detail,
    }


def _write(rows: list[dict[str, Any]], *, one: bool = False) -> None:
    """`one`: a write that is always one row (see chain.insert_one)."""
    batch = _batch.get()
    if batch is not None:
        batch.extend(rows)  # written by audit_batch() at its end, in this transaction
    elif one:
        insert_one(rows[0])
    else:
        insert_chained(rows)


def audit_record(
    *,
    actor: Actor,
    action: str,
    patient: Patient | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    patient_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit row. `patient_id` names the patient when the caller holds only the id
    (a list row); `detail` says what a list or search showed."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    pid = patient.pk if patient is not None else patient_id
    _write(
        [_row(actor, action, pid, object_type, object_id, detail or {}, timezone.now())], one=True
    )


def audit_shown(
    *,
    actor: Actor,
    object_type: str,
    patient_ids: list[int],
    object_ids: list[str] | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """A list, search or calendar showed these patients (and, in `object_ids`, which of
    their objects: the appointments of a calendar): one row per patient or object shown,
    so each record's trail has it, each with `detail` (the query, the day shown), all in
    one INSERT; one row without a patient when nothing was shown. The rows share one
    time: they record one read."""
    objects = object_ids if object_ids is not None else [""] * len(patient_ids)
    shown: list[tuple[int | None, str]] = list(
        dict.fromkeys(zip(patient_ids, objects, strict=True))
    )
    common = _row(
        actor,
        Action.READ,
        None,
        object_type,
        "",
        {**(detail or {}), "shown": len(shown)},
        timezone.now(),
    )
    rows = [{**common, "patient_id": pid, "object_id": oid[:64]} for pid, oid in shown]
    with transaction.atomic(savepoint=False):
        _write(rows or [common])


_batch: ContextVar[list[dict[str, Any]] | None] = ContextVar("audit_batch", default=None)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Collect the audit rows written inside it and insert them in one statement at its
    end. It must run inside the transaction of what the rows record (a page reading
    several sections), so the rows still commit or roll back with it; an exception
    writes none of them. Nested use joins the outer batch."""
    if _batch.get() is not None:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("audit_batch() needs an enclosing transaction.atomic()")
    token = _batch.set([])
    try:
        yield
        rows = _batch.get()
        if rows:
            insert_chained(rows)
    finally:
        _batch.reset(token)


_security: ContextVar[list[SecurityEvent] | None] = ContextVar("security_events", default=None)


def security_event(
    *,
    kind: str,
    reason: str,
    clinic_id: int | None = None,
    user_id: int | None = None,
    actor_label: str = "",
    target_type: str = "",
    target_id: str = "",
    patient_id: int | None = None,
    channel: str = "web",
    path: str = "",
    client_address: str | None = None,
) -> SecurityEvent:
    """Record a refused attempt. Inside a request it is written after the response, out
    of any transaction the refusal rolled back; elsewhere at once."""
    event = SecurityEvent(
        kind=kind,
        reason=reason[:200],
        clinic_id=clinic_id,
        user_id=user_id,
        actor_label=actor_label[:200],
        target_type=target_type[:64],
        target_id=str(target_id)[:64],
        patient_id=patient_id,
        channel=channel,
        path=path[:300],
        client_address=client_address,
    )
    pending = _security.get()
    if pending is not None:
        pending.append(event)
    else:
        event.save(force_insert=True)
    return event


@contextmanager
def security_events_deferred() -> Iterator[list[SecurityEvent]]:
    """Collect the security events recorded inside it and write them at its end,
    whatever happened inside (the request middleware wraps each request in it)."""
    pending: list[SecurityEvent] = []
    token = _security.set(pending)
    try:
        yield pending
    finally:
        _security.reset(token)
        if pending:
            SecurityEvent.objects.bulk_create(pending)
