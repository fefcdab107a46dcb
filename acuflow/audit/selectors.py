from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from acuflow.audit.models import AuditEvent, SecurityEvent

if TYPE_CHECKING:
    from acuflow.accounts.models import Clinic
    from acuflow.patients.models import Patient


def audit_events_for_patient(*, patient: Patient) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(patient=patient).select_related("user").order_by("-at", "-id")


def security_events_for_patient(*, patient: Patient) -> QuerySet[SecurityEvent]:
    """Refused attempts on the patient's record, whoever tried (any clinic)."""
    return SecurityEvent.objects.filter(patient=patient).order_by("-at", "-id")


def security_events_for_clinic(
    *, clinic: Clinic, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> QuerySet[SecurityEvent]:
    """What a clinic's owner sees: attempts by the clinic's staff (and on their email
    addresses), and attempts by anyone on the clinic's patients."""
    events = SecurityEvent.objects.filter(Q(clinic=clinic) | Q(patient__clinic=clinic))
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    return events.select_related("user").order_by("-at", "-id")
