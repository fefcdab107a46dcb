"""The one throttle: every rate limit of the project (password links, portal sign-in,
online booking, the contact form) counts here. django-axes keeps its own lockout of
staff sign-in, and django-otp slows down guessing of a device's codes.

The counts live in Django's default cache, which is a shared store: a database table
by default (created by `migrate`), Redis when CACHE_URL or REDIS_URL is set. So every
worker process counts against the same limit, not each its own.

Counting is a sliding window, approximated from two fixed windows: the attempts of
the previous window count for the part of it that still overlaps the last `window`.
Each attempt takes a numbered ticket with `cache.add`, which is atomic on every
backend (an INSERT on the unique key of the cache table; SET NX in Redis): two
processes that race for one ticket cannot both have it, the loser takes the next.
(`cache.incr` of the database backend is a read and a write that two processes can
interleave, and so would count two attempts as one.) A window therefore holds at most
`limit` tickets, whatever the number of workers.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import BaseCache, caches
from django.utils import timezone


@dataclass(frozen=True)
class Rate:
    """At most `limit` attempts per `window` for one subject of `scope`."""

    scope: str
    limit: int
    window: timedelta


@dataclass(frozen=True)
class Attempt:
    allowed: bool
    ticket: str = ""  # the cache key this attempt holds; "" when refused or not counted


def _keys(rate: Rate, subject: str, index: int) -> list[str]:
    # Subjects (addresses, email addresses) are stored hashed: the store says nothing
    # about who asked.
    digest = hashlib.sha256(f"{rate.scope}\0{subject}".encode()).hexdigest()[:32]
    return [f"throttle:{rate.scope}:{digest}:{index}:{n}" for n in range(rate.limit)]


def attempt(rate: Rate, subject: str | None, *, store: BaseCache | None = None) -> Attempt:
    """Count one attempt of `subject` and say whether it is within `rate`. A refused
    attempt is not counted (it takes no ticket). No subject (no client address
    known): allowed and not counted."""
    if not subject:
        return Attempt(allowed=True)
    store = store if store is not None else caches["default"]
    seconds = rate.window.total_seconds()
    now = timezone.now().timestamp()
    index = int(now // seconds)
    overlap = 1 - (now % seconds) / seconds  # share of the previous window still inside
    previous = _keys(rate, subject, index - 1)
    current = _keys(rate, subject, index)
    held = store.get_many(previous + current)
    earlier = sum(key in held for key in previous) * overlap
    taken = sum(key in held for key in current)
    # A ticket lives through this window and the next (where it counts as previous).
    timeout = math.ceil((index + 2) * seconds - now) + 1
    for key in current:
        if earlier + taken + 1 > rate.limit:
            break
        if key in held:
            continue
        if store.add(key, 1, timeout=timeout):
            return Attempt(allowed=True, ticket=key)
        taken += 1  # another process took this ticket after we looked
    return Attempt(allowed=False)


def give_back(counted: Attempt, *, store: BaseCache | None = None) -> None:
    """Uncount an attempt that turned out not to count (a password that matched, where
    only failures are limited)."""
    if counted.ticket:
        (store if store is not None else caches["default"]).delete(counted.ticket)
