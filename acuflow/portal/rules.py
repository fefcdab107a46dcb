"""Pure rules of the portal: lifetimes, throttles and how an access is described."""

from __future__ import annotations

import datetime as dt

from acuflow.core.throttle import Rate

LINK_LIFETIME = dt.timedelta(minutes=30)
SESSION_IDLE = dt.timedelta(minutes=30)
SESSION_MAX = dt.timedelta(hours=8)
THROTTLE_WINDOW = dt.timedelta(minutes=15)
# Sign-in limits, counted by the one throttle (acuflow.core.throttle).
LINKS_PER_EMAIL = Rate("portal-link-email", 3, THROTTLE_WINDOW)
ATTEMPTS_PER_ADDRESS = Rate("portal-address", 20, THROTTLE_WINDOW)  # links and passwords
PASSWORD_FAILURES = Rate("portal-password-email", 5, THROTTLE_WINDOW)


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
