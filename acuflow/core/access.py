"""The one shape of "get an object that hangs off a patient's record": scoped to the
actor's clinic (404 outside it, also for an id that is not a number), optionally for
clinical roles only (403), and the read written to the audit trail against the patient."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.http import Http404

from acuflow.audit.services import audit_record

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.patients.models import Patient


def object_id(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404(f"{what} not found")


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
) -> M:
    """The object `pk` of `queryset` whose `scope` is the actor's clinic, or Http404.

    `audit_as` = (object type, object id) names what the audit row records when that is
    not the object itself (a patient's course list read through the patient)."""
    qs = queryset.filter(**{scope: actor.clinic, "pk": object_id(pk, what)})
    if for_update:
        qs = qs.select_for_update(of=("self",))
    obj = qs.first()
    if obj is None:
        raise Http404(f"{what} not found")
    if clinical:
        actor.require_clinical()
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
