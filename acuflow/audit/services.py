"""The one way audit rows are written. Callers run it inside their own transaction so
the audit row and the change it records commit or roll back together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from acuflow.audit.models import Action, AuditEvent

if TYPE_CHECKING:
    from acuflow.core.actor import Actor
    from acuflow.patients.models import Patient


def audit_record(
    *,
    actor: Actor,
    action: str,
    patient: Patient | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    return AuditEvent.objects.create(
        clinic=actor.clinic,
        user=actor.user,
        actor_label=actor.label[:200],
        on_behalf_of=actor.on_behalf_of[:200],
        action=action,
        patient=patient,
        object_type=object_type[:64],
        object_id=object_id[:64],
        channel=actor.channel,
        path=actor.path[:300],
        client_address=actor.client_address,
    )
