"""Pure charting rules over plain values: code spellings, needle counts, sides, segments.
No database; tested on their own (tests/test_rules.py)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SEGMENTS = (
    [f"C{n}" for n in range(1, 9)]
    + [f"T{n}" for n in range(1, 13)]
    + [f"L{n}" for n in range(1, 6)]
    + ["S1", "S2"]
)
SIDES = ("left", "right", "both", "none")

# Every common way a meridian is written -> its WHO abbreviation. Keys are squashed
# (lower case, letters only), so "Large Intestine", "large-intestine" and "LI" all work.
MERIDIAN_ALIASES: dict[str, str] = {
    "lu": "LU", "lung": "LU", "lungs": "LU",
    "li": "LI", "largeintestine": "LI", "colon": "LI",
    "st": "ST", "stomach": "ST",
    "sp": "SP", "spleen": "SP",
    "ht": "HT", "he": "HT", "h": "HT", "heart": "HT",
    "si": "SI", "smallintestine": "SI",
    "bl": "BL", "ub": "BL", "b": "BL", "bladder": "BL", "urinarybladder": "BL",
    "ki": "KI", "k": "KI", "kid": "KI", "kidney": "KI", "kidneys": "KI",
    "pc": "PC", "p": "PC", "pe": "PC", "pericardium": "PC",
    "te": "TE", "tw": "TE", "sj": "TE", "tb": "TE", "th": "TE", "triplewarmer": "TE",
    "tripleenergizer": "TE", "tripleenergiser": "TE", "tripleburner": "TE", "sanjiao": "TE",
    "gb": "GB", "gallbladder": "GB",
    "lr": "LR", "liv": "LR", "lv": "LR", "liver": "LR",
    "gv": "GV", "du": "GV", "dumai": "GV", "governingvessel": "GV", "governor": "GV",
    "cv": "CV", "rn": "CV", "ren": "CV", "renmai": "CV", "conceptionvessel": "CV",
}  # fmt: skip
# Words people add around the meridian name that carry no meaning for the code.
_FILLER = re.compile(r"\b(meridian|channel|of the|point|nr|no)\b")
_CODE = re.compile(r"^([a-z][a-z .\-]*?)[\s.\-]*(\d{1,2})$")


def fold(value: str) -> str:
    """Lower case without accents, single spaces: 'Wěi Zhōng' -> 'wei zhong'."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a").split())


def squash(value: str) -> str:
    """Letters and digits only, lower case: 'EX-B2' -> 'exb2'."""
    return re.sub(r"[^0-9a-z]", "", fold(value))


def meridian_of(value: str) -> str | None:
    """The meridian a text names on its own ('Bladder', 'UB', 'bl'), or None."""
    key = squash(_FILLER.sub(" ", fold(value)))
    if len(key) == 1:
        return None  # one letter alone is too ambiguous without a number
    return MERIDIAN_ALIASES.get(key)


def parse_code(value: str, *, known: Mapping[str, str]) -> str | None:
    """A point code in any common spelling -> the catalogue code, or None.

    'BL40', 'bl 40', 'UB40', 'Bladder 40', 'B-40' -> 'BL40'; 'ex-b-2', 'EX B2' -> 'EX-B2'.
    `known` maps squashed codes to catalogue codes (for extra and ashi codes).
    """
    folded = _FILLER.sub(" ", fold(value)).strip()
    if not folded:
        return None
    match = _CODE.match(folded)
    if match:
        meridian = MERIDIAN_ALIASES.get(squash(match.group(1)))
        if meridian:
            code = f"{meridian}{int(match.group(2))}"
            if squash(code) in known:
                return known[squash(code)]
    return known.get(squash(value))


def code_prefix(value: str) -> str | None:
    """For type-ahead: 'bl 4' -> 'bl4' (so BL4, BL40..BL49 match); 'ex-b' -> 'exb'."""
    folded = _FILLER.sub(" ", fold(value)).strip()
    match = _CODE.match(folded)
    if match:
        meridian = MERIDIAN_ALIASES.get(squash(match.group(1)))
        if meridian:
            return squash(meridian) + match.group(2).lstrip("0")
        return None
    squashed = squash(folded)
    if squashed.startswith(("ex", "ashi")) and len(squashed) >= 3:
        return squashed
    return None


def needle_counts_ok(needles_in: int, needles_out: int, note: str) -> bool:
    """Every needle inserted is accounted for, or a note says why not (forgotten needles
    are a recorded adverse event: count in and count out)."""
    return needles_in == needles_out or bool(note.strip())


def default_side(*, midline: bool) -> str:
    return "none" if midline else "both"


_SIDE_WORDS = {
    "l": "left", "left": "left", "links": "left", "venstre": "left", "izq": "left", "izquierda": "left",
    "r": "right", "right": "right", "rechts": "right", "re": "right", "hoyre": "right", "h": "right",
    "der": "right", "derecha": "right",
    "b": "both", "both": "both", "bi": "both", "bilateral": "both", "beide": "both", "begge": "both",
    "ambos": "both",
    "m": "none", "none": "none", "mid": "none", "midline": "none",
}  # fmt: skip


_GLUED_SIDE = re.compile(r"^(.*\d)([lrb])$")
_GLUED_SIDES = {"l": "left", "r": "right", "b": "both"}


def split_side(query: str) -> tuple[str, str | None]:
    """'bl40 l' -> ('bl40', 'left'); 'BL23b' -> ('BL23', 'both'); 'bl40' -> ('bl40', None).
    The side word comes last; l, r or b may also follow the number directly."""
    words = query.strip().split()
    if len(words) >= 2:
        side = _SIDE_WORDS.get(fold(words[-1]))
        if side:
            return " ".join(words[:-1]), side
    glued = _GLUED_SIDE.match(fold(query.strip()))
    if glued:
        return query.strip()[: len(glued.group(1))].strip(), _GLUED_SIDES[glued.group(2)]
    return query.strip(), None


def parse_segment(value: str) -> str | None:
    """'l5', 'L 5' -> 'L5' when it is a segment IMS charts (C1..S2)."""
    squashed = squash(value).upper()
    return squashed if squashed in SEGMENTS else None


def point_warnings(
    sites: Iterable[tuple[str, Iterable[tuple[str, str]]]], *, pregnant: bool
) -> list[tuple[str, str]]:
    """(code, caution key) pairs that apply: `sites` gives each code with its cautions as
    (key, when) pairs; 'pregnant' cautions apply only when the patient is pregnant."""
    found: list[tuple[str, str]] = []
    for code, cautions in sites:
        for key, when in cautions:
            if when == "always" or (when == "pregnant" and pregnant):
                if (code, key) not in found:
                    found.append((code, key))
    return found


@dataclass(frozen=True)
class AppointmentFacts:
    """What charting needs to know of the appointment a session is for. The booking
    layer (scheduling) reads it and hands it down; charting never imports scheduling."""

    id: int
    patient_id: int
    day: dt.date  # the appointment's day in the clinic's zone
    status: str
    label: str = ""  # "10:00 Follow-up treatment", for the charting screen


def appointment_problem(
    facts: AppointmentFacts, *, patient_id: int, day: dt.date, charted: bool
) -> str | None:
    """Why a session on `day` for this patient cannot be charted for this appointment
    (a DomainError code), or None."""
    if facts.patient_id != patient_id:
        return "appointment_other_patient"
    if facts.day != day:
        return "appointment_other_day"
    if facts.status in ("cancelled", "no_show"):
        return "appointment_not_chartable"
    if charted:
        return "appointment_charted"
    return None


def merge_sites(sites: Iterable[Mapping[str, object]]) -> list[dict[str, object]]:
    """One entry per point (per IMS segment and muscle), sides merged: left and right
    make both, both takes in either, the first entry keeps its place. Applying a
    protocol over a copied session never needles a point twice."""
    out: list[dict[str, object]] = []
    index: dict[tuple[object, ...], int] = {}
    for site in sites:
        key: tuple[object, ...] = (
            ("point", site["point"])
            if "point" in site
            else ("ims", site.get("ims_segment"), site.get("muscle"))
        )
        if key not in index:
            index[key] = len(out)
            out.append(dict(site))
            continue
        kept = out[index[key]]
        if kept.get("side") != site.get("side"):
            lateral = {kept.get("side"), site.get("side")} - {"none", None}
            kept["side"] = lateral.pop() if len(lateral) == 1 else "both"
        if site.get("response") and not kept.get("response"):
            kept["response"] = site["response"]
    return out
