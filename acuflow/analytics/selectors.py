"""Reads behind "Our results": aggregate queries over the clinic's courses and their
observations, a constant number of queries whatever the number of courses.

The responder classes come from the one outcome model (protocols.outcome) with the
clinic's own thresholds: every (baseline, score) pair is classified once in Python (121
pairs at most) and the database only counts rows per pair, so the rule is never
written a second time in SQL. Session k of a course is its k-th session observation by
time (ROW_NUMBER over protocols.CourseObservation); the score is usual pain before
needling, the measure the outcome model judges by.

Definitions (shown on the page as well):
- started: courses of the cohort with at least one session; only those whose baseline is
  assessable by the NRS (>= the clinic's `assessable_from`, 3 by default) count for pain
  claims.
- intention to treat at session k: every such course that reached session k or ended
  before it; a missing score counts as no response. Complete cases: those with a score
  at session k. A running course that has not reached session k yet is not counted.
- drop-out: stopped before the review session, or running with no session for
  DROPOUT_IDLE_DAYS.
- time to response: sessions (or days since the first session) until the first
  session k >= 2 whose score is a response (>= 30 % and >= 2 points by default);
  courses without one are censored at their last session (stop, referral, drop-out,
  still running).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.accounts.models import Practitioner
from acuflow.analytics import stats
from acuflow.assessment import catalogue as assessment_catalogue
from acuflow.core.errors import DomainError
from acuflow.protocols import outcome
from acuflow.protocols.models import Course, CourseObservation, CourseState, Modality, Protocol
from acuflow.protocols.selectors import protocol_get_for_actor, thresholds_for

if TYPE_CHECKING:
    from acuflow.core.actor import Actor

DEFAULT_SESSIONS = (3, 5, 6)
DROPOUT_IDLE_DAYS = 42  # three two-weekly intervals without a session
CADENCES = {"weekly": (1, 7), "two_weekly": (8, 90)}
CHRONICITIES = ("acute", "subacute", "chronic")
MAX_SESSION = 60


@dataclass(frozen=True)
class Filters:
    """The cohort is one protocol, or a condition x modality pair: every protocol (the
    shipped one and the clinic's own copies) with that condition and modality."""

    protocol_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    chronicity: str = ""
    cadence: str = ""
    practitioner_id: int | None = None
    sessions: tuple[int, ...] = ()
    condition: str = ""
    modality: str = ""

    def query(self) -> dict[str, str]:
        """The filters as query parameters (links to the CSV, the PDF and the API)."""
        if self.protocol_id is not None:
            out = {"protocol": str(self.protocol_id)}
        else:
            out = {"condition": self.condition, "modality": self.modality}
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        if self.chronicity:
            out["chronicity"] = self.chronicity
        if self.cadence:
            out["cadence"] = self.cadence
        if self.practitioner_id:
            out["practitioner"] = str(self.practitioner_id)
        if self.sessions:
            out["sessions"] = ",".join(str(s) for s in self.sessions)
        return out


def parse_sessions(value: str | None) -> tuple[int, ...]:
    """'3,5,8' -> (3, 5, 8); 422 on anything but session numbers 2..60."""
    if not value:
        return ()
    out = []
    for part in value.split(","):
        part = part.strip()
        if not part.isdigit() or not 2 <= int(part) <= MAX_SESSION:
            raise DomainError(
                "validation_error",
                _("Give session numbers from 2 to %(max)s, separated by commas.")
                % {"max": MAX_SESSION},
                "sessions",
            )
        out.append(int(part))
    return tuple(sorted(set(out)))


def check_filters(*, actor: Actor, filters: Filters) -> None:
    """Owners and practitioners only; only an owner picks out one practitioner."""
    actor.require_clinical()
    pair = bool(filters.condition or filters.modality)
    if filters.protocol_id is not None and pair:
        raise DomainError(
            "validation_error",
            _("Give either a protocol or a condition and a modality, not both."),
            "protocol",
        )
    if filters.protocol_id is None and not (filters.condition and filters.modality):
        raise DomainError(
            "validation_error", _("Give a protocol, or a condition and a modality."), "protocol"
        )
    if pair and filters.condition not in assessment_catalogue.condition_codes():
        raise DomainError("validation_error", _("Unknown condition."), "condition")
    if pair and filters.modality not in Modality.values:
        raise DomainError("validation_error", _("Unknown modality."), "modality")
    if filters.practitioner_id is not None and not actor.is_owner:
        raise DomainError(
            "forbidden", _("Only the clinic owner can look at one practitioner's results.")
        )
    if filters.chronicity and filters.chronicity not in CHRONICITIES:
        raise DomainError("validation_error", _("Unknown chronicity."), "chronicity")
    if filters.cadence and filters.cadence not in CADENCES:
        raise DomainError("validation_error", _("Choose weekly or two_weekly."), "cadence")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise DomainError("validation_error", _("The start is after the end."), "from")


def pair_protocols(*, clinic_id: int, condition: str, modality: str) -> QuerySet[Protocol]:
    """The protocols of a condition x modality cohort: the shipped one and the clinic's
    own copies (retired ones too: their courses happened), shipped first."""
    return Protocol.objects.filter(
        Q(clinic__isnull=True) | Q(clinic_id=clinic_id), condition=condition, modality=modality
    ).order_by(F("clinic_id").asc(nulls_first=True), "id")


def cohort_protocols(*, actor: Actor, filters: Filters) -> list[Protocol]:
    """The cohort's protocols; 404 for a protocol outside the clinic or a pair that no
    protocol has."""
    if filters.protocol_id is not None:
        return [
            protocol_get_for_actor(
                actor=actor, protocol_id=filters.protocol_id, include_inactive=True
            )
        ]
    found = list(
        pair_protocols(
            clinic_id=actor.clinic.pk, condition=filters.condition, modality=filters.modality
        )
    )
    if not found:
        raise DomainError(
            "not_found", _("No protocol has this condition and modality."), "condition"
        )
    return found


def cohort_courses(
    *, clinic_id: int, filters: Filters, protocol_ids: list[int] | None = None
) -> QuerySet[Course]:
    """The clinic's courses on the cohort's protocols that started in the range."""
    if protocol_ids is not None:
        ids = protocol_ids
    else:
        ids = [filters.protocol_id] if filters.protocol_id is not None else []
    # The practitioner's clinic is the patient's (course_start checks it); asked for too,
    # so the planner starts from the clinic's few practitioners, not from every course of
    # a shipped protocol across the network.
    qs = Course.objects.filter(
        patient__clinic_id=clinic_id, practitioner__clinic_id=clinic_id, protocol_id__in=ids
    )
    if filters.date_from:
        qs = qs.filter(start_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(start_date__lte=filters.date_to)
    if filters.chronicity:
        qs = qs.filter(assessment__chronicity=filters.chronicity)
    if filters.cadence:
        low, high = CADENCES[filters.cadence]
        qs = qs.filter(cadence_days__gte=low, cadence_days__lte=high)
    if filters.practitioner_id is not None:
        qs = qs.filter(practitioner_id=filters.practitioner_id)
    return qs


@dataclass(frozen=True)
class PairCodes:
    """The (baseline, score) pairs of each class, coded baseline * 11 + score."""

    responding: tuple[int, ...]
    substantial: tuple[int, ...]
    improved: tuple[int, ...]
    none: tuple[int, ...]

    @classmethod
    def of(cls, thresholds: outcome.Thresholds) -> PairCodes:
        classes = {
            b * 11 + s: outcome.response_class(b, s, thresholds)
            for b in range(11)
            for s in range(11)
        }
        return cls(
            responding=tuple(c for c, k in classes.items() if k in outcome.RESPONDING),
            substantial=tuple(c for c, k in classes.items() if k == "substantial"),
            improved=tuple(
                c for c, k in classes.items() if k in {"minimal", "moderate", "substantial"}
            ),
            none=tuple(c for c, k in classes.items() if k == "none"),
        )


def _in(codes: tuple[int, ...]) -> str:
    # Generated integers, never user input: safe to write into the statement.
    return "(" + ",".join(str(int(c)) for c in codes or (-1,)) + ")"


def _days(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400) AS INTEGER)"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _with(pain: QuerySet[Course]) -> tuple[str, list[Any]]:
    """The common table expressions: c = the pain cohort, s = its sessions numbered."""
    cohort = pain.annotate(baseline=F("assessment__baseline_nrs")).values(
        "id", "baseline", "state", "response", "practitioner_id", "protocol_id"
    )
    sql, params = cohort.query.sql_with_params()
    obs = CourseObservation._meta.db_table
    return (
        f"WITH c AS ({sql}), s AS ("
        f" SELECT o.course_id, o.nrs, o.at,"
        f" ROW_NUMBER() OVER (PARTITION BY o.course_id ORDER BY o.at, o.id) AS k,"
        f" MIN(o.at) OVER (PARTITION BY o.course_id) AS first_at"
        f" FROM {obs} o WHERE o.source = 'session' AND o.course_id IN (SELECT id FROM c))"
    ), list(params)


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


@dataclass(frozen=True)
class _Sessions:
    onset: int
    lasting: int | None
    review: int

    @classmethod
    def of(cls, protocol: Protocol) -> _Sessions:
        # The score at session 1 is the course's starting point, never its outcome.
        return cls(
            onset=max(2, protocol.onset_session),
            lasting=max(2, protocol.lasting_session) if protocol.lasting_session else None,
            review=max(2, protocol.review_session),
        )


def _case(mapping: dict[int, int | None]) -> str:
    """A protocol's session number for each course row: CASE c.protocol_id WHEN ..."""
    # Integers from the protocol rows, never user input: safe to write into the statement.
    whens = " ".join(
        f"WHEN {int(pid)} THEN {'NULL' if k is None else int(k)}" for pid, k in mapping.items()
    )
    # Typed: a CASE whose every branch is NULL (no lasting session) is text on PostgreSQL.
    return f"CAST(CASE c.protocol_id {whens} ELSE NULL END AS INTEGER)"


def _protocol_out(protocol: Protocol) -> dict[str, Any]:
    plan = _Sessions.of(protocol)
    return {
        "id": protocol.pk,
        "label": protocol.label(),
        "shipped": protocol.shipped,
        "onset_session": plan.onset,
        "lasting_session": plan.lasting,
        "review_session": plan.review,
    }


def claims_report(*, actor: Actor, filters: Filters) -> dict[str, Any]:
    """Everything the page, the API, the CSV and the PDF show, for one cohort."""
    check_filters(actor=actor, filters=filters)
    protocols = cohort_protocols(actor=actor, filters=filters)
    thresholds = thresholds_for(actor.clinic.pk)
    codes = PairCodes.of(thresholds)
    plans = {p.pk: _Sessions.of(p) for p in protocols}
    # Protocols that make the same claims (same onset, lasting and review sessions) are
    # judged together; different ones separately, each on its own protocols' courses.
    sets: dict[_Sessions, list[Protocol]] = {}
    for p in protocols:
        sets.setdefault(plans[p.pk], []).append(p)
    ks = tuple(
        sorted(
            set(DEFAULT_SESSIONS)
            | set(filters.sessions)
            | {k for plan in sets for k in (plan.onset, plan.review, plan.lasting) if k}
        )
    )
    courses = cohort_courses(clinic_id=actor.clinic.pk, filters=filters, protocol_ids=list(plans))
    idle_since = timezone.now() - dt.timedelta(days=DROPOUT_IDLE_DAYS)
    started_q = Q(sessions_done__gte=1)
    baseline_q = started_q & Q(assessment__baseline_nrs__gte=thresholds.assessable_from)
    counts = courses.aggregate(
        started=Count("id", filter=started_q),
        with_baseline=Count("id", filter=baseline_q),
        dropped_out=Count(
            "id",
            filter=started_q
            & (
                Q(state=CourseState.STOPPED, sessions_done__lt=F("review_session"))
                | Q(state=CourseState.ACTIVE, status_updated_at__lt=idle_since)
            ),
        ),
    )
    observed = CourseObservation.objects.filter(
        course__in=courses.filter(started_q).values("id"), source="session"
    ).aggregate(total=Count("id"), scored=Count("id", filter=Q(nrs__isnull=False)))
    pain = courses.filter(baseline_q)

    # Intention to treat at session k, per practitioner (the funnel plot needs it too) and
    # protocol (the claims).
    eligible_rows = pain.values("practitioner_id", "protocol_id").annotate(
        **{
            f"e{k}": Count("id", filter=~Q(state=CourseState.ACTIVE) | Q(sessions_done__gte=k))
            for k in ks
        }
    )
    eligible: dict[int, dict[tuple[int, int], int]] = {k: {} for k in ks}
    for counted in eligible_rows:
        per: dict[str, Any] = dict(counted)
        for k in ks:
            eligible[k][(per["practitioner_id"], per["protocol_id"])] = per[f"e{k}"]

    head, params = _with(pain)
    # Scores at the asked sessions: counts per (session, practitioner, protocol, baseline,
    # score).
    at_sessions = _fetch(
        head + " SELECT s.k, c.practitioner_id, c.protocol_id, c.baseline, s.nrs, COUNT(*)"
        " FROM s JOIN c ON c.id = s.course_id WHERE s.k IN " + _in(ks) + " GROUP BY s.k,"
        " c.practitioner_id, c.protocol_id, c.baseline, s.nrs",
        params,
    )
    scored: dict[int, dict[tuple[int, int], dict[str, int]]] = {k: {} for k in ks}
    for k, practitioner_id, protocol_id, baseline, nrs, n in at_sessions:
        cell = scored[k].setdefault(
            (practitioner_id, protocol_id), {"complete": 0, "r30": 0, "r50": 0, "i10": 0}
        )
        if nrs is None:
            continue
        code = baseline * 11 + nrs
        cell["complete"] += n
        cell["r30"] += n if code in codes.responding else 0
        cell["r50"] += n if code in codes.substantial else 0
        cell["i10"] += n if code in codes.improved else 0

    # One row per course (time to response, response at its protocol's lasting and review
    # sessions), then counted per (time, event) and per (protocol, outcome).
    code = "c.baseline * 11 + s.nrs"
    resp = f"s.k >= 2 AND {code} IN {_in(codes.responding)}"
    days = _days("s.at", "s.first_at")
    lasting = _case({pid: plan.lasting for pid, plan in plans.items()})
    review = _case({pid: plan.review for pid, plan in plans.items()})
    per_course = (
        f", p AS (SELECT s.course_id, c.state, c.response, c.protocol_id, MAX(s.k) AS last_k,"
        f" MAX({days}) AS last_days, MAX({review}) AS review_k,"
        f" MIN(CASE WHEN {resp} THEN s.k END) AS resp_k,"
        f" MIN(CASE WHEN {resp} THEN {days} END) AS resp_days,"
        f" MAX(CASE WHEN s.k = {lasting} AND {resp} THEN 1 ELSE 0 END) AS resp_lasting,"
        f" MAX(CASE WHEN s.k = {review} AND {code} IN {_in(codes.none)}"
        f" THEN 1 ELSE 0 END) AS none_review,"
        f" MAX(CASE WHEN s.k > {review} AND {resp} THEN 1 ELSE 0 END) AS resp_later"
        f" FROM s JOIN c ON c.id = s.course_id"
        f" GROUP BY s.course_id, c.state, c.response, c.protocol_id)"
    )
    responding_now = ",".join(f"'{r}'" for r in sorted(outcome.RESPONDING))
    summary = _fetch(
        head + per_course + " SELECT 'sessions', 0, COALESCE(resp_k, last_k),"
        " CASE WHEN resp_k IS NULL THEN 0 ELSE 1 END, COUNT(*) FROM p"
        " GROUP BY COALESCE(resp_k, last_k), CASE WHEN resp_k IS NULL THEN 0 ELSE 1 END"
        " UNION ALL SELECT 'days', 0, COALESCE(resp_days, last_days),"
        " CASE WHEN resp_k IS NULL THEN 0 ELSE 1 END, COUNT(*) FROM p"
        " GROUP BY COALESCE(resp_days, last_days), CASE WHEN resp_k IS NULL THEN 0 ELSE 1 END"
        " UNION ALL SELECT 'lasting', protocol_id, 0,"
        f" CASE WHEN response IN ({responding_now}) THEN 1 ELSE 0 END, COUNT(*) FROM p"
        " WHERE resp_lasting = 1 AND state <> 'active'"
        f" GROUP BY protocol_id, CASE WHEN response IN ({responding_now}) THEN 1 ELSE 0 END"
        " UNION ALL SELECT 'stop', protocol_id, 0, resp_later, COUNT(*) FROM p"
        " WHERE none_review = 1 AND last_k > review_k GROUP BY protocol_id, resp_later",
        params,
    )
    km: dict[str, list[tuple[int, bool, int]]] = {"sessions": [], "days": []}
    tallies: dict[str, dict[int, list[int]]] = {"lasting": {}, "stop": {}}
    for kind, protocol_id, t, event, n in summary:
        if kind in km:
            km[kind].append((int(t), bool(event), int(n)))
        else:
            tallies[kind].setdefault(int(protocol_id), [0, 0])[int(event)] += int(n)

    sessions = []
    for k in ks:
        n_itt = sum(eligible[k].values())
        cells = scored[k].values()
        n_complete = sum(c["complete"] for c in cells)
        row: dict[str, Any] = {"session": k, "n_itt": n_itt, "n_complete": n_complete}
        for key, name in (
            ("r30", "responders_30"),
            ("r50", "responders_50"),
            ("i10", "improved_10"),
        ):
            count = sum(c[key] for c in cells)
            itt = stats.wilson(count, n_itt).as_dict()
            itt["complete"] = stats.wilson(count, n_complete).as_dict()
            row[name] = itt
        sessions.append(row)

    def summed(k: int, ids: set[int], key: str) -> tuple[int, int]:
        """(count, intention-to-treat n) at session k over the courses of `ids`."""
        count = sum(c[key] for (_pr, pid), c in scored[k].items() if pid in ids)
        n = sum(n for (_pr, pid), n in eligible[k].items() if pid in ids)
        return count, n

    def tally(kind: str, ids: set[int]) -> dict[str, Any]:
        rows = [tallies[kind].get(pid, [0, 0]) for pid in ids]
        return stats.wilson(sum(r[1] for r in rows), sum(sum(r) for r in rows)).as_dict()

    claims: list[dict[str, Any]] = []
    claim_sets = []
    for index, (plan, members) in enumerate(sets.items()):
        ids = {p.pk for p in members}
        claim_sets.append(
            {
                "index": index,
                "onset_session": plan.onset,
                "lasting_session": plan.lasting,
                "review_session": plan.review,
                "protocols": [_protocol_out(p) for p in members],
            }
        )
        onset = stats.wilson(*summed(plan.onset, ids, "r30")).as_dict()
        claims.append(
            {
                "code": "onset",
                "set": index,
                "session": plan.onset,
                "text": _("Most patients respond (>= %(pct)s %% better) by session %(n)s")
                % {"pct": thresholds.moderate_pct, "n": plan.onset},
                "rule": _holds_above(),
                "verdict": stats.verdict(onset["n"], onset["low"], onset["high"], above=0.5),
                **_rate(onset),
            }
        )
        if plan.lasting:
            still = tally("lasting", ids)
            claims.append(
                {
                    "code": "lasting",
                    "set": index,
                    "session": plan.lasting,
                    "text": _("Most who respond at session %(n)s still respond at discharge")
                    % {"n": plan.lasting},
                    "rule": _holds_above(),
                    "verdict": stats.verdict(still["n"], still["low"], still["high"], above=0.5),
                    **_rate(still),
                }
            )
        set_later = tally("stop", ids)
        claims.append(
            {
                "code": "review",
                "set": index,
                "session": plan.review,
                "text": _(
                    "Most without a response at session %(n)s do not respond later (stop rule)"
                )
                % {"n": plan.review},
                "rule": _("holds when the upper bound of the 95 %(ci)s interval is below 50 %(ci)s")
                % {"ci": "%"},
                "verdict": stats.verdict(
                    set_later["n"], set_later["low"], set_later["high"], below=0.5
                ),
                **_rate(set_later),
            }
        )
    # The stop rule over the whole cohort: each course at its own protocol's review.
    later = tally("stop", set(plans))
    single = next(iter(sets)) if len(sets) == 1 else None

    by_sessions = stats.kaplan_meier(km["sessions"])
    by_days = stats.kaplan_meier(km["days"])
    if filters.protocol_id is not None:
        cohort_of = {
            **_protocol_out(protocols[0]),
            "expected_sessions": protocols[0].expected_sessions,
        }
    else:
        cohort_of = {
            "id": None,
            "label": _("%(condition)s · %(modality)s")
            % {
                "condition": assessment_catalogue.condition_label(filters.condition),
                "modality": Modality(filters.modality).label,
            },
            "condition": filters.condition,
            "modality": filters.modality,
            # One set of claims: its numbers; several: none (each set has its own).
            "onset_session": single.onset if single else None,
            "lasting_session": single.lasting if single else None,
            "review_session": single.review if single else None,
            "expected_sessions": None,
        }
    return {
        "protocol": cohort_of,
        "protocols": [_protocol_out(p) for p in protocols],
        "claim_sets": claim_sets,
        "thresholds": {
            "moderate_pct": thresholds.moderate_pct,
            "substantial_pct": thresholds.substantial_pct,
            "minimal_pct": thresholds.minimal_pct,
            "important_points": thresholds.important_points,
            "assessable_from": thresholds.assessable_from,
        },
        "cohort": {
            "started": counts["started"],
            "with_baseline": counts["with_baseline"],
            "dropped_out": counts["dropped_out"],
            "completeness": round(observed["scored"] / observed["total"], 4)
            if observed["total"]
            else None,
        },
        "sessions": sessions,
        "claims": claims,
        "time_to_response": {
            "median_sessions": by_sessions.median,
            "median_low": by_sessions.median_low,
            "median_high": by_sessions.median_high,
            "curve": [
                {"session": p["time"], **{k: v for k, v in p.items() if k != "time"}}
                for p in by_sessions.curve
            ],
            "median_days": by_days.median,
            "median_days_low": by_days.median_low,
            "median_days_high": by_days.median_high,
            "curve_days": [
                {"day": p["time"], **{k: v for k, v in p.items() if k != "time"}}
                for p in by_days.curve
            ],
        },
        "stop_rule": {
            "n": later["n"],
            "review_session": single.review if single else None,
            "later_responders": later,
        },
        "practitioners": _funnel(
            _at_onset(scored, plans, lambda cell: cell["r30"]),
            _at_onset(eligible, plans, lambda n: n),
            actor=actor,
        ),
    }


def _holds_above() -> str:
    return _("holds when the lower bound of the 95 %(ci)s interval is above 50 %(ci)s") % {
        "ci": "%"
    }


def _rate(value: dict[str, Any]) -> dict[str, Any]:
    return {"rate": value["rate"], "low": value["low"], "high": value["high"], "n": value["n"]}


def _at_onset(
    per_session: dict[int, dict[tuple[int, int], Any]],
    plans: dict[int, _Sessions],
    value: Callable[[Any], int],
) -> dict[int, int]:
    """Per practitioner, each course counted at its own protocol's onset session."""
    out: dict[int, int] = {}
    for protocol_id, plan in plans.items():
        for (practitioner_id, pid), cell in per_session[plan.onset].items():
            if pid == protocol_id:
                out[practitioner_id] = out.get(practitioner_id, 0) + value(cell)
    return out


def _funnel(
    responders: dict[int, int],
    eligible: dict[int, int],
    *,
    actor: Actor,
) -> list[dict[str, Any]]:
    """Responders at the onset session per practitioner, for the funnel plot only. An
    owner sees names; a practitioner sees their own and letters for the others."""
    ids = sorted(i for i, n in eligible.items() if n)
    names = dict(Practitioner.objects.filter(pk__in=ids).values_list("pk", "user__full_name"))
    me = actor.practitioner.pk if actor.practitioner is not None else None
    out = []
    for index, pid in enumerate(ids):
        n = eligible[pid]
        count = responders.get(pid, 0)
        if actor.is_owner or pid == me:
            label = names.get(pid, "")
        else:
            label = _("Practitioner %(letter)s") % {"letter": chr(ord("A") + index % 26)}
        out.append(
            {
                "id": pid if actor.is_owner or pid == me else None,
                "label": label,
                "me": pid == me,
                **stats.wilson(count, n).as_dict(),
            }
        )
    return out


def default_protocol(*, actor: Actor) -> Protocol | None:
    """The protocol with the most courses in the clinic (the page's first view)."""
    row = (
        Course.objects.filter(patient__clinic=actor.clinic)
        .values("protocol_id")
        .annotate(n=Count("id"))
        .order_by("-n", "protocol_id")
        .first()
    )
    if row is None:
        return Protocol.objects.available_to(actor.clinic).first()
    return Protocol.objects.filter(pk=row["protocol_id"]).first()
