from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from acuflow.audit.models import AuditEvent

if TYPE_CHECKING:
    from acuflow.patients.models import Patient


def audit_events_for_patient(*, patient: Patient) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(patient=patient).select_related("user").order_by("-at", "-id")
