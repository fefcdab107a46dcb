"""Pure clinical rules of the assessment, over plain values (tested without the database)."""

from __future__ import annotations

import datetime as dt

ACUTE_BEFORE_WEEKS = 6
CHRONIC_AFTER_WEEKS = 12


def chronicity(onset: dt.date, on: dt.date) -> str:
    """Back-pain convention (docs/clinical-sources.md, "Chronicity"): acute < 6 weeks, subacute 6-12, chronic > 12.

    Whole days count: exactly 6 weeks is subacute, exactly 12 weeks is still subacute,
    12 weeks and a day is chronic.
    """
    days = (on - onset).days
    if days < ACUTE_BEFORE_WEEKS * 7:
        return "acute"
    if days <= CHRONIC_AFTER_WEEKS * 7:
        return "subacute"
    return "chronic"


RED_FLAG_STATES = ("not_screened", "none_found", "flagged", "referred", "cleared")
REFERRAL_OUTCOMES = ("cleared", "treated_elsewhere", "declined")
# A course may start only from these states; charting of a running course pauses in
# the unresolved ones (a flag found during the course).
MAY_START = frozenset({"none_found", "cleared"})
UNRESOLVED = frozenset({"flagged", "referred"})


def red_flag_state(
    *,
    screened: bool,
    flags: list[str],
    referrals: list[tuple[dt.date, int, str, list[str]]],
) -> str:
    """The red-flag state of an assessment.

    `referrals` are (date, id, outcome, flags addressed) with outcome "" while pending.
    `not_screened` until the screen is saved (unknown is not "none found"). For each
    positive flag the newest referral that addressed it decides: none, or one the
    patient declined -> `flagged`; pending or treated elsewhere -> `referred`; cleared
    -> `cleared`. The assessment takes the least resolved state of its flags.
    """
    if not screened:
        return "not_screened"
    if not flags:
        return "none_found"
    newest: dict[str, tuple[dt.date, int, str]] = {}
    for date, pk, decided, addressed in referrals:
        for flag in addressed:
            if flag not in newest or (date, pk) > newest[flag][:2]:
                newest[flag] = (date, pk, decided)
    states = set()
    for flag in flags:
        outcome = newest[flag][2] if flag in newest else None
        if outcome is None or outcome == "declined":
            states.add("flagged")
        elif outcome == "cleared":
            states.add("cleared")
        else:  # pending ("") or treated elsewhere
            states.add("referred")
    for state in ("flagged", "referred"):
        if state in states:
            return state
    return "cleared"
