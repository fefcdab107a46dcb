from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from acuflow.accounts.api_auth import api_actor
from acuflow.accounts.models import ApiToken, Practitioner
from acuflow.accounts.selectors import api_token_get_for_actor, api_token_list, practitioner_list
from acuflow.accounts.services import api_token_revoke
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


class TokenOut(Schema):
    id: int
    name: str
    prefix: str  # the first characters; the token itself is never shown again
    user: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    status: str  # active, expired, revoked


class TokenList(Schema):
    items: list[TokenOut]
    count: int


def token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "user": token.user.email,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "status": token.status,
    }


@router.get("/tokens", response=TokenList, summary="API tokens: your own; an owner's: the clinic's")
def list_tokens(
    request: HttpRequest,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    actor = api_actor(request)
    items, count = paged(api_token_list(actor=actor), limit, offset)
    return {"items": [token_out(t) for t in items], "count": count}


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int) -> dict[str, Any]:
    actor = api_actor(request)
    token = api_token_revoke(token=api_token_get_for_actor(actor=actor, token_id=token_id))
    return token_out(token)
