"""GET /api/v1/analytics/claims: the clinic's own evidence for a protocol's claims
(aggregates only: no patient leaves the clinic). Owners and practitioners."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from acuflow.accounts.api_auth import api_actor
from acuflow.analytics import selectors
from acuflow.core.api.schemas import ClinicalDate, ErrorOut

router = Router(tags=["analytics"])


class RateOut(Schema):
    rate: float | None
    low: float | None
    high: float | None
    count: int
    n: int


class ResponderOut(RateOut):
    complete: RateOut  # the same responders over the complete cases


class SessionOut(Schema):
    session: int
    n_itt: int
    n_complete: int
    responders_30: ResponderOut
    responders_50: ResponderOut
    improved_10: ResponderOut


class ClaimOut(Schema):
    code: str
    set: int  # index into claim_sets: the protocols this claim is judged on
    session: int
    text: str
    rule: str
    verdict: str
    rate: float | None
    low: float | None
    high: float | None
    n: int


class CohortOut(Schema):
    started: int
    with_baseline: int
    dropped_out: int
    completeness: float | None


class CurvePointOut(Schema):
    session: int
    responded: float
    low: float
    high: float
    at_risk: int


class DayPointOut(Schema):
    day: int
    responded: float
    low: float
    high: float
    at_risk: int


class TimeToResponseOut(Schema):
    median_sessions: float | None
    median_low: float | None
    median_high: float | None
    curve: list[CurvePointOut]
    median_days: float | None
    median_days_low: float | None
    median_days_high: float | None
    curve_days: list[DayPointOut]


class StopRuleOut(Schema):
    n: int
    review_session: int | None  # None: the cohort's protocols review at different sessions
    later_responders: RateOut


class PractitionerOut(RateOut):
    id: int | None
    label: str
    me: bool


class CohortProtocolOut(Schema):
    id: int
    label: str
    shipped: bool
    onset_session: int
    lasting_session: int | None
    review_session: int


class ClaimSetOut(Schema):
    index: int
    onset_session: int
    lasting_session: int | None
    review_session: int
    protocols: list[CohortProtocolOut]


class ClaimsOut(Schema):
    protocol: dict[str, Any]
    protocols: list[CohortProtocolOut]
    claim_sets: list[ClaimSetOut]
    thresholds: dict[str, int]
    cohort: CohortOut
    sessions: list[SessionOut]
    claims: list[ClaimOut]
    time_to_response: TimeToResponseOut
    stop_rule: StopRuleOut
    practitioners: list[PractitionerOut]


@router.get(
    "/analytics/claims",
    response={200: ClaimsOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="The clinic's own evidence for a protocol's claims",
    description=(
        "The cohort is one `protocol`, or a `condition` (a code of the intake's condition "
        "list) with a `modality`: every protocol with that pair, the shipped one and the "
        "clinic's own copies. Give exactly one of the two (422 `validation_error` "
        "otherwise; 404 `not_found` for a protocol outside the clinic or a pair no "
        "protocol has). Protocols with different onset, lasting or review sessions make "
        "different claims: each claim names its set (`claim_sets`) and is judged only on "
        "the courses of that set's protocols. Responder rates (Wilson 95 % intervals, intention to treat and complete cases) "
        "at sessions 3, 5, 6 and the protocol's onset, lasting and review sessions; each "
        "claim with its verdict (holds, fails, too_few below 20 courses); Kaplan-Meier "
        "time to response; the stop rule's later responders. `from`/`to` filter on the "
        "course's start date, `cadence` is weekly or two_weekly, `chronicity` acute, "
        'subacute or chronic, `sessions` adds session numbers ("4,8"). `practitioner` '
        "is for owners only (403 otherwise); reception gets 403."
    ),
)
def claims(
    request: HttpRequest,
    protocol: int | None = None,
    date_from: ClinicalDate | None = Query(None, alias="from"),  # noqa: B008
    date_to: ClinicalDate | None = Query(None, alias="to"),  # noqa: B008
    chronicity: str = "",
    cadence: str = "",
    practitioner: int | None = None,
    sessions: str = "",
    condition: str = "",
    modality: str = "",
) -> dict[str, Any]:
    actor = api_actor(request)
    actor.require_clinical()
    filters = selectors.Filters(
        protocol_id=protocol,
        date_from=date_from,
        date_to=date_to,
        chronicity=chronicity,
        cadence=cadence,
        practitioner_id=practitioner,
        sessions=selectors.parse_sessions(sessions),
        condition=condition,
        modality=modality,
    )
    return selectors.claims_report(actor=actor, filters=filters)
