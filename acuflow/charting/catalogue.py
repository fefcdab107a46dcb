"""The point catalogue and IMS site data, read once from data/ (see data/README.md).

Kept in memory rather than in the database: it is the same for every clinic, a few
hundred rows, and searching it costs no queries. `point(code)` and `search(text)` are
what the rest of the app uses.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

from acuflow.charting import rules
from acuflow.core.languages import language_codes

DATA = Path(__file__).parent / "data"
LANGS = tuple(language_codes())
MERIDIANS = ("LU", "LI", "ST", "SP", "HT", "SI", "BL", "KI", "PC", "TE", "GB", "LR", "GV", "CV")
POINT_SOURCE = (
    "WHO Standard Acupuncture Point Locations (2008), via the TARA acupoints ontology (MIT)"
)
ASHI_SOURCE = "Ashi (tender) points are charted by body region, not by code."


def _lang(lang: str | None = None) -> str:
    code = (lang or get_language() or "en")[:2]
    return code if code in LANGS else "en"


def text(value: dict[str, str] | str, lang: str | None = None) -> str:
    if isinstance(value, str):
        return value
    return value.get(_lang(lang)) or value.get("en") or next(iter(value.values()), "")


@dataclass(frozen=True)
class Region:
    key: str
    label: dict[str, str]
    surface: tuple[str, ...]
    words: frozenset[str]

    def text(self, lang: str | None = None) -> str:
        return text(self.label, lang)


@dataclass(frozen=True)
class Caution:
    key: str
    when: str  # "pregnant" or "always"
    text_by_lang: dict[str, str]
    sources: tuple[str, ...]

    def text(self, lang: str | None = None) -> str:
        return text(self.text_by_lang, lang)


@dataclass(frozen=True)
class Point:
    code: str
    kind: str  # standard | extra | ashi
    meridian: str | None
    number: int | None
    pinyin: str
    english: str
    regions: tuple[str, ...]  # Region keys (plain words)
    surface: tuple[str, ...] = ()
    special: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()  # ("male", "female") where WHO locates them apart
    synonyms: tuple[str, ...] = ()
    ex_code: str | None = None
    source: str = POINT_SOURCE
    cautions: tuple[Caution, ...] = field(default=(), compare=False)
    # Search keys, precomputed.
    folded_names: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def midline(self) -> bool:
        """Points on the midline are single: their side is 'none'."""
        return self.meridian in {"GV", "CV"} or self.code in MIDLINE_EXTRAS

    def region_labels(self, lang: str | None = None) -> list[str]:
        regions = catalogue().regions
        return [regions[key].text(lang) for key in self.regions if key in regions]

    def caution_keys(self) -> list[str]:
        return [c.key for c in self.cautions]

    def label(self) -> str:
        return f"{self.code} {self.pinyin}".strip() if self.kind != "ashi" else self.english


MIDLINE_EXTRAS = {"EX-HN3", "EX-B8", "EX-B9", "EX-HN1"}


@dataclass(frozen=True)
class Catalogue:
    points: dict[str, Point]
    regions: dict[str, Region]
    cautions: tuple[Caution, ...]
    segments: dict[str, tuple[str, ...]]
    muscles: dict[str, str]
    ims_sources: tuple[str, ...]
    responses: tuple[str, ...]

    def standard_codes(self) -> set[str]:
        return {p.code for p in self.points.values() if p.kind == "standard"}


def _regions() -> dict[str, Region]:
    raw = json.loads((DATA / "regions.json").read_text(encoding="utf-8"))
    regions = {}
    for entry in raw["regions"]:
        words = {rules.fold(w) for ws in entry["words"].values() for w in ws}
        words |= {rules.fold(v) for v in entry["label"].values()}
        regions[entry["key"]] = Region(
            key=entry["key"],
            label=entry["label"],
            surface=tuple(entry["surface"]),
            words=frozenset(words),
        )
    return regions


def _split_pinyin(cell: str) -> tuple[str, tuple[str, ...]]:
    names = [n.strip() for n in cell.split(",") if n.strip()]
    return (names[0] if names else ""), tuple(names[1:])


def _folded(pinyin: str, synonyms: tuple[str, ...], english: str) -> tuple[str, ...]:
    return tuple(rules.fold(n).replace(" ", "") for n in (pinyin, *synonyms) if n) + (
        (rules.fold(english),) if english else ()
    )


@cache
def catalogue() -> Catalogue:
    regions = _regions()
    by_surface: dict[str, list[str]] = {}
    for region in regions.values():
        for surface in region.surface:
            by_surface.setdefault(surface, []).append(region.key)
    with (DATA / "english_names.csv").open(encoding="utf-8") as fh:
        english = {row["code"]: row["english"] for row in csv.DictReader(fh)}

    points: dict[str, Point] = {}
    with (DATA / "points.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        code = row["code"]
        if code in points:  # the female row of a male/female pair
            continue
        surfaces = tuple(s.strip() for s in row["surface_region"].split(";") if s.strip())
        pinyin, synonyms = _split_pinyin(row["pinyin"])
        name = row["english"] or english.get(code, "")
        variants = tuple(r["variant"] for r in rows if r["code"] == code and r["variant"])
        points[code] = Point(
            code=code,
            kind="standard",
            meridian=row["meridian"],
            number=int(row["number"]),
            pinyin=pinyin,
            english=name,
            regions=tuple(dict.fromkeys(k for s in surfaces for k in by_surface.get(s, []))),
            surface=surfaces,
            special=tuple(s.strip() for s in row["special"].split(";") if s.strip()),
            variants=variants,
            synonyms=synonyms,
            folded_names=_folded(pinyin, synonyms, name),
        )

    extras = json.loads((DATA / "extras.json").read_text(encoding="utf-8"))
    for entry in extras["points"]:
        pinyin = entry["pinyin"]
        code = entry["ex_code"] or pinyin.replace(" ", "")
        synonyms = tuple(entry.get("synonyms", []))
        points[code] = Point(
            code=code,
            kind="extra",
            meridian=None,
            number=None,
            pinyin=pinyin,
            english=english.get(code, ""),
            regions=tuple(entry["regions"]),
            synonyms=synonyms,
            ex_code=entry["ex_code"],
            source=extras["source"] if entry["ex_code"] else "Extra point (no WHO 1991 code)",
            folded_names=_folded(pinyin, synonyms, ""),
        )

    for region in regions.values():
        code = "ASHI-" + region.key.upper().replace("_", "-")
        points[code] = Point(
            code=code,
            kind="ashi",
            meridian=None,
            number=None,
            pinyin="Ashi",
            english=f"Ashi point, {region.label['en']}",
            regions=(region.key,),
            source=ASHI_SOURCE,
            folded_names=("ashi",),
        )

    raw_cautions = json.loads((DATA / "cautions.json").read_text(encoding="utf-8"))["cautions"]
    cautions: list[Caution] = []
    attach: dict[str, list[Caution]] = {}
    for entry in raw_cautions:
        caution = Caution(
            key=entry["key"],
            when=entry["when"],
            text_by_lang=entry["text"],
            sources=tuple(entry["sources"]),
        )
        cautions.append(caution)
        for point in points.values():
            if (
                point.code in entry["codes"]
                or point.code in entry.get("extra_codes", [])
                or (
                    set(point.surface) & set(entry["surface"])
                    and point.meridian not in entry["except_meridians"]
                )
            ):
                attach.setdefault(point.code, []).append(caution)
    for code, found in attach.items():
        p = points[code]
        points[code] = Point(**{**p.__dict__, "cautions": tuple(found)})

    ims = json.loads((DATA / "ims.json").read_text(encoding="utf-8"))
    segments = {
        seg: ("multifidus", *[m for m in muscles if m != "multifidus"])
        for seg, muscles in ims["segments"].items()
    }
    return Catalogue(
        points=points,
        regions=regions,
        cautions=tuple(cautions),
        segments=segments,
        muscles=ims["muscles"],
        ims_sources=tuple(ims["sources"]),
        responses=tuple(ims["responses"]),
    )


def point(code: str) -> Point | None:
    """The point for a stored code or any common spelling of one."""
    cat = catalogue()
    if code in cat.points:
        return cat.points[code]
    resolved = rules.parse_code(code, known=_normalised_codes())
    return cat.points.get(resolved) if resolved else None


@cache
def _normalised_codes() -> dict[str, str]:
    return {rules.squash(code): code for code in catalogue().points}


def search(q: str = "", *, meridian: str | None = None) -> list[Point]:
    """Points matching a code in any common spelling, a pinyin or English name (accents
    and case ignored), or a body region in plain words; best matches first."""
    cat = catalogue()
    pool = [p for p in cat.points.values() if meridian is None or p.meridian == meridian]
    q = q.strip()
    if not q:
        return pool
    scored: list[tuple[int, int, Point]] = []
    exact = rules.parse_code(q, known=_normalised_codes())
    prefix = rules.code_prefix(q)
    folded = rules.fold(q)
    squashed = folded.replace(" ", "")
    region_keys = {r.key for r in cat.regions.values() if folded in r.words}
    meridian_only = rules.meridian_of(q)
    for order, p in enumerate(pool):
        score = 0
        if exact and p.code == exact:
            score = 100
        elif prefix and rules.squash(p.code).startswith(prefix):
            score = 80
        elif meridian_only and p.meridian == meridian_only:
            score = 70
        elif any(n == squashed for n in p.folded_names):
            score = 90
        elif len(squashed) >= 3 and any(n.startswith(squashed) for n in p.folded_names):
            score = 60
        elif region_keys and set(p.regions) & region_keys:
            score = 50 if p.kind != "ashi" else 55
        elif len(folded) >= 4 and any(folded in n for n in p.folded_names):
            score = 40
        if score:
            scored.append((-score, order, p))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [p for _s, _o, p in scored]


def meridian_code(text_value: str) -> str | None:
    """'BL', 'UB', 'bladder' -> 'BL'."""
    return rules.meridian_of(text_value)


def segment_muscles(segment: str) -> tuple[str, ...]:
    return catalogue().segments.get(segment, ())


def muscle_label(key: str) -> str:
    return catalogue().muscles.get(key, key)


def as_dict(p: Point, lang: str | None = None) -> dict[str, Any]:
    return {
        "code": p.code,
        "kind": p.kind,
        "meridian": p.meridian,
        "number": p.number,
        "pinyin": p.pinyin,
        "english": p.english,
        "regions": list(p.regions),
        "region_labels": p.region_labels(lang),
        "variants": list(p.variants),
        "synonyms": list(p.synonyms),
        "special": list(p.special),
        "cautions": [
            {"key": c.key, "when": c.when, "text": c.text(lang), "sources": list(c.sources)}
            for c in p.cautions
        ],
        "source": p.source,
    }
