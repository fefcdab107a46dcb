"""Pure clinical rules of the assessment, over plain values (tested without the database)."""

from __future__ import annotations

import datetime as dt

ACUTE_BEFORE_WEEKS = 6
CHRONIC_AFTER_WEEKS = 12


def chronicity(onset: dt.date, on: dt.date) -> str:
    """Back-pain convention (domain.md): acute < 6 weeks, subacute 6-12, chronic > 12.

    Whole days count: exactly 6 weeks is subacute, exactly 12 weeks is still subacute,
    12 weeks and a day is chronic.
    """
    days = (on - onset).days
    if days < ACUTE_BEFORE_WEEKS * 7:
        return "acute"
    if days <= CHRONIC_AFTER_WEEKS * 7:
        return "subacute"
    return "chronic"


def red_flag_state(flags: list[str], referrals: list[tuple[dt.date, int, str, list[str]]]) -> str:
    """'none' (no positive flag), 'cleared', 'referred_out' or 'unresolved'.

    `referrals` are (date, id, outcome, flags addressed). For each positive flag the
    newest referral that addressed it decides; a flag no referral addressed is
    unresolved. Referred out wins over unresolved: that patient is treated elsewhere.
    """
    if not flags:
        return "none"
    newest: dict[str, tuple[dt.date, int, str]] = {}
    for date, pk, outcome, addressed in referrals:
        for flag in addressed:
            if flag not in newest or (date, pk) > newest[flag][:2]:
                newest[flag] = (date, pk, outcome)
    outcomes = [newest[f][2] if f in newest else None for f in flags]
    if "referred_out" in outcomes:
        return "referred_out"
    if None in outcomes:
        return "unresolved"
    return "cleared"
