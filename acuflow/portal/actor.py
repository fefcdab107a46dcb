"""The patient acting on their own record through the portal, as an Actor so that the
audit trail records it like any other access (channel "portal", no staff user)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from acuflow.core.actor import Actor, client_address
from acuflow.patients.models import Patient


@dataclass(frozen=True)
class PatientActor(Actor):
    patient_id: int = 0

    @property
    def label(self) -> str:
        return f"patient {self.patient_id} (portal)"

    @property
    def sees_clinical(self) -> bool:
        return False


def patient_actor(request: HttpRequest, patient: Patient) -> PatientActor:
    return PatientActor(
        user=None,
        clinic=patient.clinic,
        role="patient",
        channel="portal",
        client_address=client_address(request),
        path=request.path[:300],
        on_behalf_of="patient",
        patient_id=patient.pk,
    )
