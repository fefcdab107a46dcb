"""Reads for the portal. The patient is always the signed-in one; nothing here takes a
patient id from the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from acuflow.audit.models import Action, AuditEvent
from acuflow.audit.selectors import audit_events_for_patient
from acuflow.audit.services import audit_record
from acuflow.portal.rules import record_part

if TYPE_CHECKING:
    import datetime as dt

    from acuflow.patients.models import Patient
    from acuflow.portal.actor import PatientActor


def portal_page_viewed(*, actor: PatientActor, patient: Patient, page: str) -> None:
    """The patient's own views are part of the trail too (channel "portal")."""
    with transaction.atomic():
        audit_record(actor=actor, action=Action.READ, patient=patient, object_type=f"portal.{page}")


@dataclass(frozen=True)
class AccessRow:
    at: dt.datetime
    who: str  # "you", "staff", "system"
    name: str
    role: str  # membership role value, "" when unknown
    action: str
    action_label: str
    part: str
    channel: str


def access_log_for_patient(*, patient: Patient, limit: int = 200) -> list[AccessRow]:
    events = audit_events_for_patient(patient=patient).select_related("user__membership")[:limit]
    rows = []
    for event in events:
        rows.append(_row(event))
    return rows


def _row(event: AuditEvent) -> AccessRow:
    if event.channel == "portal" and event.user_id is None:
        who, name, role = "you", "", ""
    elif event.user is not None:
        membership = getattr(event.user, "membership", None)
        who, name, role = "staff", event.user.full_name, membership.role if membership else ""
    else:
        who, name, role = "system", "", ""
    return AccessRow(
        at=event.at,
        who=who,
        name=name,
        role=role,
        action=event.action,
        action_label=str(event.get_action_display()),
        part=record_part(event.object_type),
        channel=event.channel,
    )
