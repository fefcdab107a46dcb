"""The assessment's code lists as data: conditions (with ICD-10 and ICD-11), red flags
(with staff and plain patient wording), contributing factors, other care, Gunn's signs
and MS symptom domains, each labelled in nl, nb, en and es. See data/README.md."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

from acuflow.core.languages import language_codes

DATA = Path(__file__).parent / "data"
LANGS = tuple(language_codes())

SEGMENTS = (
    [f"C{n}" for n in range(1, 9)]
    + [f"T{n}" for n in range(1, 13)]
    + [f"L{n}" for n in range(1, 6)]
    + ["S1", "S2"]
)


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def text(value: dict[str, str] | str, lang: str | None = None) -> str:
    """The wording in `lang` (default: the active language), falling back to English."""
    if isinstance(value, str):
        return value
    lang = (lang or get_language() or "en").split("-")[0]
    return value.get(lang) or value.get("en") or ""


def conditions() -> list[dict[str, Any]]:
    return _load("conditions")["conditions"]  # type: ignore[no-any-return]


def condition_codes() -> set[str]:
    return {c["code"] for c in conditions()}


def condition(code: str) -> dict[str, Any]:
    for c in conditions():
        if c["code"] == code:
            return c
    return {}


def condition_label(code: str, lang: str | None = None) -> str:
    c = condition(code)
    return text(c["label"], lang) if c else code


def condition_choices(lang: str | None = None) -> list[tuple[str, str]]:
    return [(c["code"], text(c["label"], lang)) for c in conditions()]


def _codes(name: str) -> list[dict[str, Any]]:
    return _load("codes")[name]  # type: ignore[no-any-return]


def code_choices(name: str, lang: str | None = None) -> list[tuple[str, str]]:
    return [(c["code"], text(c["label"], lang)) for c in _codes(name)]


def code_label(name: str, code: str, lang: str | None = None) -> str:
    for c in _codes(name):
        if c["code"] == code:
            return text(c["label"], lang)
    return code


def body_region_codes() -> set[str]:
    return {c["code"] for c in _codes("body_regions")}


def contributing_factor_codes() -> set[str]:
    return {c["code"] for c in _codes("contributing_factors")}


def other_care_codes() -> set[str]:
    return {c["code"] for c in _codes("other_care")}


def gunn_sign_codes() -> set[str]:
    return {c["code"] for c in _codes("gunn_signs")}


def ms_domain_codes() -> set[str]:
    return {c["code"] for c in _codes("ms_domains")}


def red_flags() -> list[dict[str, Any]]:
    return _load("red_flags")["red_flags"]  # type: ignore[no-any-return]


def red_flag_codes() -> set[str]:
    return {f["code"] for f in red_flags()}


def red_flag(code: str) -> dict[str, Any]:
    for f in red_flags():
        if f["code"] == code:
            return f
    return {}


def red_flag_label(code: str, lang: str | None = None) -> str:
    f = red_flag(code)
    return text(f["label"], lang) if f else code
