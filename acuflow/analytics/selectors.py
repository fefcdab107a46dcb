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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.accounts.models import Practitioner
from acuflow.analytics import stats
from acuflow.core.errors import DomainError
from acuflow.protocols import outcome
from acuflow.protocols.models import Course, CourseObservation, CourseState, Protocol
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
    protocol_id: int
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    chronicity: str = ""
    cadence: str = ""
    practitioner_id: int | None = None
    sessions: tuple[int, ...] = ()

    def query(self) -> dict[str, str]:
        """The filters as query parameters (links to the CSV, the PDF and the API)."""
        out = {"protocol": str(self.protocol_id)}
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


def cohort_courses(*, clinic_id: int, filters: Filters) -> QuerySet[Course]:
    """The clinic's courses on the protocol that started in the range."""
    qs = Course.objects.filter(patient__clinic_id=clinic_id, protocol_id=filters.protocol_id)
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
        "id", "baseline", "state", "response", "practitioner_id"
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


@dataclass
class _Sessions:
    onset: int
    lasting: int | None
    review: int


def claims_report(*, actor: Actor, filters: Filters) -> dict[str, Any]:
    """Everything the page, the API, the CSV and the PDF show, for one cohort."""
    check_filters(actor=actor, filters=filters)
    protocol = protocol_get_for_actor(
        actor=actor, protocol_id=filters.protocol_id, include_inactive=True
    )
    thresholds = thresholds_for(actor.clinic.pk)
    codes = PairCodes.of(thresholds)
    # The score at session 1 is the course's starting point, never its outcome.
    plan = _Sessions(
        onset=max(2, protocol.onset_session),
        lasting=max(2, protocol.lasting_session) if protocol.lasting_session else None,
        review=max(2, protocol.review_session),
    )
    ks = tuple(
        sorted(
            set(DEFAULT_SESSIONS)
            | set(filters.sessions)
            | {plan.onset, plan.review}
            | ({plan.lasting} if plan.lasting else set())
        )
    )
    courses = cohort_courses(clinic_id=actor.clinic.pk, filters=filters)
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

    # Intention to treat at session k, per practitioner (the funnel plot needs it too).
    eligible_rows = pain.values("practitioner_id").annotate(
        **{
            f"e{k}": Count("id", filter=~Q(state=CourseState.ACTIVE) | Q(sessions_done__gte=k))
            for k in ks
        }
    )
    eligible: dict[int, dict[int, int]] = {k: {} for k in ks}
    for counted in eligible_rows:
        per: dict[str, Any] = dict(counted)
        for k in ks:
            eligible[k][per["practitioner_id"]] = per[f"e{k}"]

    head, params = _with(pain)
    # Scores at the asked sessions: counts per (session, practitioner, baseline, score).
    at_sessions = _fetch(
        head + " SELECT s.k, c.practitioner_id, c.baseline, s.nrs, COUNT(*) FROM s"
        " JOIN c ON c.id = s.course_id WHERE s.k IN " + _in(ks) + " GROUP BY s.k,"
        " c.practitioner_id, c.baseline, s.nrs",
        params,
    )
    scored: dict[int, dict[int, dict[str, int]]] = {k: {} for k in ks}
    for k, practitioner_id, baseline, nrs, n in at_sessions:
        cell = scored[k].setdefault(practitioner_id, {"complete": 0, "r30": 0, "r50": 0, "i10": 0})
        if nrs is None:
            continue
        code = baseline * 11 + nrs
        cell["complete"] += n
        cell["r30"] += n if code in codes.responding else 0
        cell["r50"] += n if code in codes.substantial else 0
        cell["i10"] += n if code in codes.improved else 0

    # One row per course (time to response, response at the lasting and review
    # sessions), then counted per (time, event) and per outcome.
    code = "c.baseline * 11 + s.nrs"
    resp = f"s.k >= 2 AND {code} IN {_in(codes.responding)}"
    days = _days("s.at", "s.first_at")
    lasting = plan.lasting or 0
    per_course = (
        f", p AS (SELECT s.course_id, c.state, c.response, MAX(s.k) AS last_k,"
        f" MAX({days}) AS last_days,"
        f" MIN(CASE WHEN {resp} THEN s.k END) AS resp_k,"
        f" MIN(CASE WHEN {resp} THEN {days} END) AS resp_days,"
        f" MAX(CASE WHEN s.k = {lasting:d} AND {resp} THEN 1 ELSE 0 END) AS resp_lasting,"
        f" MAX(CASE WHEN s.k = {plan.review:d} AND {code} IN {_in(codes.none)}"
        f" THEN 1 ELSE 0 END) AS none_review,"
        f" MAX(CASE WHEN s.k > {plan.review:d} AND {resp} THEN 1 ELSE 0 END) AS resp_later"
        f" FROM s JOIN c ON c.id = s.course_id GROUP BY s.course_id, c.state, c.response)"
    )
    responding_now = ",".join(f"'{r}'" for r in sorted(outcome.RESPONDING))
    summary = _fetch(
        head + per_course + " SELECT 'sessions', COALESCE(resp_k, last_k),"
        " CASE WHEN resp_k IS NULL THEN 0 ELSE 1 END, COUNT(*) FROM p"
        " GROUP BY COALESCE(resp_k, last_k), CASE WHEN resp_k IS NULL THEN 0 ELSE 1 END"
        " UNION ALL SELECT 'days', COALESCE(resp_days, last_days),"
        " CASE WHEN resp_k IS NULL THEN 0 ELSE 1 END, COUNT(*) FROM p"
        " GROUP BY COALESCE(resp_days, last_days), CASE WHEN resp_k IS NULL THEN 0 ELSE 1 END"
        " UNION ALL SELECT 'lasting', 0,"
        f" CASE WHEN response IN ({responding_now}) THEN 1 ELSE 0 END, COUNT(*) FROM p"
        " WHERE resp_lasting = 1 AND state <> 'active'"
        f" GROUP BY CASE WHEN response IN ({responding_now}) THEN 1 ELSE 0 END"
        " UNION ALL SELECT 'stop', 0, resp_later, COUNT(*) FROM p"
        f" WHERE none_review = 1 AND last_k > {plan.review:d} GROUP BY resp_later",
        params,
    )
    km: dict[str, list[tuple[int, bool, int]]] = {"sessions": [], "days": []}
    tallies: dict[str, dict[int, int]] = {"lasting": {0: 0, 1: 0}, "stop": {0: 0, 1: 0}}
    for kind, t, event, n in summary:
        if kind in km:
            km[kind].append((int(t), bool(event), int(n)))
        else:
            tallies[kind][int(event)] += int(n)

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
    by_session = {r["session"]: r for r in sessions}

    onset = by_session[plan.onset]["responders_30"]
    claims = [
        {
            "code": "onset",
            "session": plan.onset,
            "text": _("Most patients respond (>= %(pct)s %% better) by session %(n)s")
            % {"pct": thresholds.moderate_pct, "n": plan.onset},
            "rule": _holds_above(),
            "verdict": stats.verdict(onset["n"], onset["low"], onset["high"], above=0.5),
            **_rate(onset),
        }
    ]
    if plan.lasting:
        still = stats.wilson(tallies["lasting"][1], sum(tallies["lasting"].values())).as_dict()
        claims.append(
            {
                "code": "lasting",
                "session": plan.lasting,
                "text": _("Most who respond at session %(n)s still respond at discharge")
                % {"n": plan.lasting},
                "rule": _holds_above(),
                "verdict": stats.verdict(still["n"], still["low"], still["high"], above=0.5),
                **_rate(still),
            }
        )
    later = stats.wilson(tallies["stop"][1], sum(tallies["stop"].values())).as_dict()
    claims.append(
        {
            "code": "review",
            "session": plan.review,
            "text": _("Most without a response at session %(n)s do not respond later (stop rule)")
            % {"n": plan.review},
            "rule": _("holds when the upper bound of the 95 %(ci)s interval is below 50 %(ci)s")
            % {"ci": "%"},
            "verdict": stats.verdict(later["n"], later["low"], later["high"], below=0.5),
            **_rate(later),
        }
    )

    by_sessions = stats.kaplan_meier(km["sessions"])
    by_days = stats.kaplan_meier(km["days"])
    return {
        "protocol": {
            "id": protocol.pk,
            "label": protocol.label(),
            "onset_session": plan.onset,
            "lasting_session": plan.lasting,
            "review_session": plan.review,
            "expected_sessions": protocol.expected_sessions,
        },
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
        "stop_rule": {"n": later["n"], "review_session": plan.review, "later_responders": later},
        "practitioners": _funnel(scored[plan.onset], eligible[plan.onset], actor=actor),
    }


def _holds_above() -> str:
    return _("holds when the lower bound of the 95 %(ci)s interval is above 50 %(ci)s") % {
        "ci": "%"
    }


def _rate(value: dict[str, Any]) -> dict[str, Any]:
    return {"rate": value["rate"], "low": value["low"], "high": value["high"], "n": value["n"]}


def _funnel(
    scored: dict[int, dict[str, int]],
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
        count = scored.get(pid, {}).get("r30", 0)
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
