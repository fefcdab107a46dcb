"""Instruments are data: one JSON file per instrument in ./data (items, answer options per
language, scoring, ranges, responder thresholds, licence note, sources).

Licensed instruments ship no item text; a clinic with a licence loads its own text
(`InstrumentText`, see services.instrument_text_load) and `localized()` merges it in.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from acuflow.core.languages import language_codes

LANGUAGES = tuple(language_codes())
DATA_DIR = Path(__file__).resolve().parent / "data"
ITEM_TYPES = {"scale", "choice", "boolean", "number", "activities"}


class UnknownInstrument(KeyError):
    pass


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(f"instrument data: {message}")


def _check(definition: dict[str, Any], path: Path) -> None:
    """Fail loudly at load time on a data file that the engine could not use."""
    where = path.name
    _require(definition["code"] == path.stem, f"{where}: code must equal the file name")
    _require(set(definition["name"]) >= set(LANGUAGES), f"{where}: name in every language")
    _require(set(definition["licence"]["note"]) >= set(LANGUAGES), f"{where}: licence note")
    _require(definition["licence"]["kind"] in {"free", "licensed"}, where)
    _require(bool(definition.get("source")), f"{where}: every instrument names its source")
    shipped = definition["text_shipped"]
    _require(shipped == (definition["licence"]["kind"] == "free"), f"{where}: licensed = no text")
    keys = set()
    for item in definition["items"]:
        _require(item["type"] in ITEM_TYPES, f"{where}: {item['key']} type")
        _require(item["key"] not in keys, f"{where}: duplicate {item['key']}")
        keys.add(item["key"])
        _require(item["min"] < item["max"], f"{where}: {item['key']} range")
        if shipped:
            _require(set(item["text"]) >= set(LANGUAGES), f"{where}: {item['key']} text")
            for option in item.get("options", []):
                _require(set(option["label"]) >= set(LANGUAGES), f"{where}: {item['key']} option")
        else:
            _require(
                "text" not in item and "options" not in item,
                f"{where}: licensed item text must not be shipped ({item['key']})",
            )
    for entry in definition.get("bands", []):
        _require(set(entry["label"]) >= set(LANGUAGES), f"{where}: band {entry['code']}")


@cache
def instruments() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(DATA_DIR.glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        _check(definition, path)
        found[definition["code"]] = definition
    return found


def get(code: str) -> dict[str, Any]:
    try:
        return instruments()[code]
    except KeyError:
        raise UnknownInstrument(code)


def codes() -> list[str]:
    return list(instruments())


def is_licensed(definition: dict[str, Any]) -> bool:
    return bool(definition["licence"]["kind"] == "licensed")


def text_languages(definition: dict[str, Any], loaded: set[str] | None = None) -> list[str]:
    """Languages in which the item text is available (shipped, or loaded by the clinic)."""
    if definition["text_shipped"]:
        return list(LANGUAGES)
    return [lang for lang in LANGUAGES if lang in (loaded or set())]


def _pick(texts: dict[str, str] | None, language: str) -> str:
    if not texts:
        return ""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()))


def name_language(definition: dict[str, Any], language: str) -> str:
    """The language the instrument's name is written in on a page in `language`: English
    where it keeps its English name (licensed instruments are known by it)."""
    names = definition.get("name") or {}
    if not isinstance(names, dict):
        return language
    shown = _pick(names, language)
    return "en" if language != "en" and shown == names.get("en") else language


def band_label(definition: dict[str, Any], code: str, language: str) -> str:
    for entry in definition.get("bands", []):
        if entry["code"] == code:
            return _pick(entry["label"], language)
    return code


@cache
def names(language: str, audience: str | None = None) -> tuple[tuple[str, str], ...]:
    """(code, name in `language`) of each instrument, or of those for `audience`: the
    name `localized()` gives without a clinic's text, for pickers (the whole form built
    per instrument was most of a page's time)."""
    return tuple(
        (code, _pick(d["name"], language))
        for code, d in instruments().items()
        if audience is None or audience in d.get("audience", ["staff"])
    )


def localized(
    definition: dict[str, Any], language: str, clinic_text: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What a form needs to show the instrument in one language.

    `clinic_text` is a licensed text file a clinic loaded: {"title", "instructions",
    "items": {key: {"text", "options": [label for min..max]}}}. Without it a licensed
    instrument shows item keys and numbers only (for entering a paper form).
    """
    clinic_items = (clinic_text or {}).get("items", {})
    anchors = definition.get("anchors", {})
    items = []
    for item in definition["items"]:
        own = clinic_items.get(item["key"], {})
        options: list[dict[str, Any]] = []
        if "options" in item:
            options = [
                {"value": o["value"], "label": _pick(o["label"], language)} for o in item["options"]
            ]
        elif own.get("options"):
            options = [
                {"value": item["min"] + i, "label": label} for i, label in enumerate(own["options"])
            ]
        elif item["type"] in {"scale", "choice", "boolean"}:
            options = [{"value": v, "label": str(v)} for v in range(item["min"], item["max"] + 1)]
        item_anchors = item.get("anchors", anchors)
        items.append(
            {
                "key": item["key"],
                "type": item["type"],
                "min": item["min"],
                "max": item["max"],
                "required": item.get("required", True),
                "text": _pick(item.get("text"), language) or own.get("text") or item["key"],
                "options": options,
                "min_count": item.get("min_count"),
                "max_count": item.get("max_count"),
                "unit": item.get("unit", ""),
                "anchor_min": _pick(item_anchors.get("min"), language),
                "anchor_max": _pick(item_anchors.get("max"), language),
            }
        )
    return {
        "code": definition["code"],
        "name": (clinic_text or {}).get("title") or _pick(definition["name"], language),
        "short_name": definition.get("short_name", definition["code"]),
        "instructions": _pick(definition.get("instructions"), language)
        or (clinic_text or {}).get("instructions", ""),
        "licensed": is_licensed(definition),
        "has_text": definition["text_shipped"] or bool(clinic_text),
        "licence_note": _pick(definition["licence"]["note"], language),
        "audience": definition.get("audience", ["staff"]),
        "items": items,
    }


def validate_clinic_text(definition: dict[str, Any], content: Any) -> dict[str, Any]:
    """Check a clinic's licensed text file against the instrument: every item has a text,
    and option labels (if given) cover the item's range exactly. Raises ValueError."""
    if not isinstance(content, dict):
        raise ValueError("the file must hold a JSON object")
    items = content.get("items")
    if not isinstance(items, dict):
        raise ValueError('the file needs "items": {item key: {"text": ..., "options": [...]}}')
    known = {item["key"]: item for item in definition["items"]}
    unknown = sorted(set(items) - set(known))
    if unknown:
        raise ValueError(f"unknown item keys: {', '.join(unknown)}")
    missing = sorted(set(known) - set(items))
    if missing:
        raise ValueError(f"no text for: {', '.join(missing)}")
    cleaned: dict[str, Any] = {}
    for key, entry in items.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            raise ValueError(f"{key}: needs a text")
        options = entry.get("options", [])
        item = known[key]
        if options and (
            not isinstance(options, list)
            or len(options) != item["max"] - item["min"] + 1
            or not all(isinstance(o, str) for o in options)
        ):
            raise ValueError(
                f"{key}: options must be {item['max'] - item['min'] + 1} labels "
                f"for {item['min']}..{item['max']}"
            )
        cleaned[key] = {"text": entry["text"][:2000], "options": [o[:500] for o in options]}
    return {
        "title": str(content.get("title", ""))[:200],
        "instructions": str(content.get("instructions", ""))[:4000],
        "items": cleaned,
    }
