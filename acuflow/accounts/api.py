from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from acuflow.accounts.api_auth import api_actor
from acuflow.accounts.models import ApiToken, Practitioner
from acuflow.accounts.selectors import api_token_get_for_actor, api_token_list, practitioner_list
from acuflow.accounts.services import api_token_revoke
from acuflow.audit.selectors import security_events_for_clinic
from acuflow.core.api.errors import ApiError
from acuflow.core.api.schemas import ClinicalDatetime, Limit, Offset, paged

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
    limit: Limit = 100,
    offset: Offset = 0,
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
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    actor = api_actor(request)
    items, count = paged(api_token_list(actor=actor), limit, offset)
    return {"items": [token_out(t) for t in items], "count": count}


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int) -> dict[str, Any]:
    actor = api_actor(request)
    token = api_token_revoke(token=api_token_get_for_actor(actor=actor, token_id=token_id))
    return token_out(token)


class SecurityEventOut(Schema):
    id: int
    at: dt.datetime
    kind: str  # sign_in_failed, lockout, token_refused, access_refused
    reason: str
    actor: str  # the user, or the email address tried
    user_id: int | None
    target_type: str
    target_id: str
    patient_id: int | None
    channel: str
    path: str
    client_address: str | None


class SecurityEventList(Schema):
    items: list[SecurityEventOut]
    count: int


@router.get(
    "/security-events",
    response=SecurityEventList,
    summary="Refused attempts: failed sign-ins, lockouts, refused tokens and accesses (owner)",
)
def list_security_events(
    request: HttpRequest,
    since: ClinicalDatetime | None = Query(None, alias="from"),  # noqa: B008
    until: ClinicalDatetime | None = Query(None, alias="to"),  # noqa: B008
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    actor = api_actor(request)
    actor.require_owner()
    for name, value in (("from", since), ("to", until)):
        if value is not None and value.tzinfo is None:
            raise ApiError(
                422, "validation_error", f"{name}: give a time zone, e.g. 2026-11-27T09:00:00+01:00",
                {name: ["a time zone is required"]},
            )  # fmt: skip
    events = security_events_for_clinic(clinic=actor.clinic, since=since, until=until)
    items, count = paged(events, limit, offset)
    return {
        "items": [
            {
                "id": e.pk,
                "at": e.at,
                "kind": e.kind,
                "reason": e.reason,
                "actor": e.actor_label,
                "user_id": e.user_id,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "patient_id": e.patient_id,
                "channel": e.channel,
                "path": e.path,
                "client_address": e.client_address,
            }
            for e in items
        ],
        "count": count,
    }
