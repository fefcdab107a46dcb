"""Pure rules of the portal: lifetimes, throttles and how an access is described."""

from __future__ import annotations

import datetime as dt

LINK_LIFETIME = dt.timedelta(minutes=30)
SESSION_IDLE = dt.timedelta(minutes=30)
SESSION_MAX = dt.timedelta(hours=8)
THROTTLE_WINDOW = dt.timedelta(minutes=15)
LINKS_PER_EMAIL = 3  # link requests per email address per window
ATTEMPTS_PER_ADDRESS = 20  # link requests or password tries per client address per window
PASSWORD_FAILURES = 5  # failed passwords per email address per window


def link_valid(*, now: dt.datetime, expires_at: dt.datetime, used_at: dt.datetime | None) -> bool:
    return used_at is None and now < expires_at


def session_valid(
    *,
    now: dt.datetime,
    created_at: dt.datetime,
    last_seen_at: dt.datetime,
    ended_at: dt.datetime | None,
) -> bool:
    return ended_at is None and now - last_seen_at < SESSION_IDLE and now - created_at < SESSION_MAX


def link_requests_allowed(*, for_email: int, from_address: int) -> bool:
    return for_email < LINKS_PER_EMAIL and from_address < ATTEMPTS_PER_ADDRESS


def password_tries_allowed(*, failures_for_email: int, from_address: int) -> bool:
    return failures_for_email < PASSWORD_FAILURES and from_address < ATTEMPTS_PER_ADDRESS


# Which part of the record an audit event's object type belongs to (by app label).
RECORD_PARTS = {
    "patients": "details",
    "assessment": "assessment",
    "charting": "sessions",
    "protocols": "course",
    "outcomes": "outcomes",
    "scheduling": "appointments",
    "reports": "reports",
    "audit": "access_log",
    "portal": "portal",
}


def record_part(object_type: str) -> str:
    return RECORD_PARTS.get(object_type.split(".", 1)[0], "other")
