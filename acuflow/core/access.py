"""The one shape of "get an object that hangs off a patient's record": scoped to the
actor's clinic (404 outside it, also for an id that is not a number), optionally for
clinical roles only (403), and the read written to the audit trail against the patient.
A refusal (404 or 403) is written as a security event naming the target and the reason,
and the patient aimed at when there is one (so that patient's clinic sees the attempt)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.http import Http404

from acuflow.audit.models import SecurityKind
from acuflow.audit.services import audit_record, security_event
from acuflow.core.prepared import Prepared

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.patients.models import Patient


def object_id(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404(f"{what} not found")


def refusal_record(
    *, actor: Actor, reason: str, target_type: str, target_id: Any, patient_id: int | None
) -> None:
    """Write a refused access to a record as a security event."""
    security_event(
        kind=SecurityKind.ACCESS_REFUSED,
        reason=reason,
        clinic_id=actor.clinic.pk,
        user_id=actor.user.pk if actor.user is not None else None,
        actor_label=actor.label,
        target_type=target_type,
        target_id=str(target_id),
        patient_id=patient_id,
        channel=actor.channel,
        path=actor.path,
        client_address=actor.client_address,
    )


def _patient_id_of[M: models.Model](
    queryset: models.QuerySet[M], pk: int, patient: Callable[[M], Patient]
) -> int | None:
    """The patient an out-of-scope id belongs to, whatever its clinic (refusals only)."""
    obj = queryset.model._default_manager.filter(pk=pk).first()
    if obj is None:
        return None
    try:
        return patient(obj).pk
    except Exception:  # an object without a patient
        return None


def _fits(model: type[models.Model], pk: int) -> bool:
    """Whether `pk` is within the range of the model's key column. The ORM answers no
    row for one outside it; a prepared lookup sends the value as it is (SQLite refuses
    an integer over 64 bits), so such an id takes the ORM's way."""
    low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
    return (low is None or pk >= low) and (high is None or pk <= high)


def get_for_actor[M: models.Model](
    queryset: models.QuerySet[M],
    *,
    actor: Actor,
    pk: Any,
    what: str,
    scope: str = "patient__clinic",
    patient: Callable[[M], Patient] = lambda obj: obj.patient,  # type: ignore[attr-defined]
    clinical: bool = True,
    audit: str | None = "read",
    audit_as: tuple[str, str] = ("", ""),
    for_update: bool = False,
    prepared: Prepared[M] | None = None,
) -> M:
    """The object `pk` of `queryset` whose `scope` is the actor's clinic, or Http404.

    `audit_as` = (object type, object id) names what the audit row records when that is
    not the object itself (a patient's course list read through the patient).
    `prepared`: the same lookup compiled once (acuflow.core.prepared), its markers
    named `scope` (the clinic's id) and `pk`; a read takes it instead of compiling
    `queryset` again (a locking read still compiles it)."""
    target = queryset.model._meta.label_lower
    try:
        pk = object_id(pk, what)
    except Http404:
        refusal_record(
            actor=actor, reason="not_found", target_type=target, target_id=pk, patient_id=None
        )
        raise
    # No ORDER BY: one primary key is one row, and compiling the model's ordering
    # across the joined tables cost ~0.7 ms of a course read.
    if prepared is not None and not for_update and _fits(queryset.model, pk):
        obj = prepared.first(scope=actor.clinic.pk, pk=pk)
    else:
        qs = queryset.filter(**{scope: actor.clinic, "pk": pk}).order_by()
        if for_update:
            qs = qs.select_for_update(of=("self",))
        obj = next(iter(qs[:1]), None)
    if obj is None:
        refusal_record(
            actor=actor,
            reason="not_found",
            target_type=target,
            target_id=pk,
            patient_id=_patient_id_of(queryset, pk, patient),
        )
        raise Http404(f"{what} not found")
    if clinical:
        try:
            actor.require_clinical()
        except PermissionDenied:
            refusal_record(
                actor=actor,
                reason="forbidden: clinical content",
                target_type=target,
                target_id=pk,
                patient_id=patient(obj).pk,
            )
            raise
    if audit:
        # No savepoint inside a caller's transaction: one INSERT is atomic by itself.
        with transaction.atomic(savepoint=False):
            audit_record(
                actor=actor,
                action=audit,
                patient=patient(obj),
                obj=obj,
                object_type=audit_as[0],
                object_id=audit_as[1],
            )
    return obj
