from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from acuflow.accounts.api_auth import api_actor
from acuflow.accounts.models import Practitioner
from acuflow.accounts.selectors import practitioner_list
from acuflow.core.api.schemas import paged

router = Router(tags=["clinic"])


class ClinicOut(Schema):
    id: int
    slug: str
    name: str
    country: str
    language: str
    timezone: str
    phone: str
    email: str
    whatsapp: str


class RegistrationOut(Schema):
    profession: str
    professional_body: str
    number: str
    expires: dt.date | None
    valid: bool


class PractitionerOut(Schema):
    id: int
    name: str
    email: str
    modalities: list[str]
    registration: RegistrationOut
    calendar_url: str | None = None  # iCalendar feed; for the practitioner and the owner


class PractitionerList(Schema):
    items: list[PractitionerOut]
    count: int


def practitioner_out(practitioner: Practitioner) -> dict[str, Any]:
    """A practitioner as the API shows them; scheduling adds the `calendar_url`."""
    return {
        "id": practitioner.pk,
        "name": practitioner.user.full_name,
        "email": practitioner.user.email,
        "modalities": list(practitioner.modalities),
        "registration": {
            "profession": practitioner.profession,
            "professional_body": practitioner.professional_body,
            "number": practitioner.registration_number,
            "expires": practitioner.registration_expires,
            "valid": practitioner.registration_valid_on(dt.date.today()),
        },
    }


@router.get("/clinic", response=ClinicOut, summary="The caller's clinic")
def get_clinic(request: HttpRequest) -> Any:
    return api_actor(request).clinic


@router.get("/practitioners", response=PractitionerList, summary="Practitioners of the clinic")
def list_practitioners(
    request: HttpRequest,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    actor = api_actor(request)
    items, count = paged(practitioner_list(actor=actor), limit, offset)
    return {"items": [practitioner_out(p) for p in items], "count": count}
