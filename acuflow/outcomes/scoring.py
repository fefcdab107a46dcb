"""The scoring engine: pure functions over an instrument definition (the JSON data file
as a dict) and the answers (a dict). No database, no Django: tested with worked examples
and property tests.

`score(definition, answers)` validates and scores in one go; a missing or out-of-range
answer raises AnswerError with one message per answer key, which the API turns into 422.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

Number = int | float


class AnswerError(ValueError):
    """Answers that cannot be scored; `fields` maps an answer key to its problems."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items()))


@dataclass(frozen=True)
class Scored:
    score: Number
    subscores: dict[str, Number]
    interpretation: str
    answers: dict[str, Any] = field(default_factory=dict)


def rounded(value: Fraction | int, decimals: int) -> Number:
    """Half-up rounding (28.75 -> 28.8), as on a paper scoring sheet. Exact fractions in,
    so that 23/80 x 100 is 28.75 and not 28.7499999."""
    value = Fraction(value)
    quantum = Decimal(1).scaleb(-decimals)
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    result = exact.quantize(quantum, rounding=ROUND_HALF_UP)
    return int(result) if decimals == 0 else float(result)


def _whole_number(value: Any, item: Mapping[str, Any]) -> int:
    if isinstance(value, bool):
        if item["type"] == "boolean":
            return int(value)
        raise TypeError
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise TypeError
    return value


def _clean_activities(
    value: Any, item: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    lo, hi = item["min"], item["max"]
    count_lo, count_hi = item["min_count"], item["max_count"]
    if not isinstance(value, list):
        return [], [f"a list of {count_lo} to {count_hi} activities"]
    problems: list[str] = []
    if not count_lo <= len(value) <= count_hi:
        problems.append(f"name {count_lo} to {count_hi} activities, not {len(value)}")
    cleaned: list[dict[str, Any]] = []
    names: set[str] = set()
    for index, entry in enumerate(value, start=1):
        if not isinstance(entry, Mapping) or set(entry) - {"name", "score"}:
            problems.append(f"activity {index}: give only name and score")
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
            problems.append(f"activity {index}: a name of 1 to 100 characters")
            continue
        try:
            number = _whole_number(entry.get("score"), {"type": "scale"})
        except TypeError:
            problems.append(f"activity {index}: the score must be a whole number {lo} to {hi}")
            continue
        if not lo <= number <= hi:
            problems.append(f"activity {index}: the score must be between {lo} and {hi}")
            continue
        if name.strip().lower() in names:
            problems.append(f"activity {index}: named twice")
            continue
        names.add(name.strip().lower())
        cleaned.append({"name": name.strip(), "score": number})
    return cleaned, problems


def clean_answers(definition: Mapping[str, Any], answers: Any) -> dict[str, Any]:
    """Answers checked against the items: whole numbers in range, required ones present,
    no unknown keys. Unanswered optional items are left out (None in the input)."""
    if not isinstance(answers, Mapping):
        raise AnswerError({"answers": ["must be an object of answer key -> value"]})
    items = {item["key"]: item for item in definition["items"]}
    fields: dict[str, list[str]] = {}
    for key in answers:
        if key not in items:
            fields.setdefault(str(key), []).append("not an item of this instrument")
    cleaned: dict[str, Any] = {}
    for key, item in items.items():
        value = answers.get(key)
        if value is None or value == "":
            if item.get("required", True):
                fields.setdefault(key, []).append("this answer is required")
            continue
        if item["type"] == "activities":
            activities, problems = _clean_activities(value, item)
            if problems:
                fields.setdefault(key, []).extend(problems)
            else:
                cleaned[key] = activities
            continue
        try:
            number = _whole_number(value, item)
        except TypeError:
            fields.setdefault(key, []).append(
                f"must be a whole number from {item['min']} to {item['max']}"
            )
            continue
        if not item["min"] <= number <= item["max"]:
            fields.setdefault(key, []).append(
                f"must be between {item['min']} and {item['max']}, not {number}"
            )
            continue
        cleaned[key] = number
    if fields:
        raise AnswerError(fields)
    return cleaned


def band(definition: Mapping[str, Any], value: Number) -> str:
    """The code of the first band whose upper bound is at or above the value."""
    for entry in definition.get("bands", []):
        if "max" in entry and value <= entry["max"]:
            return str(entry["code"])
    return ""


# -- scoring methods -------------------------------------------------------------------


def _single(definition: Mapping[str, Any], answers: dict[str, Any]) -> Scored:
    rule = definition["scoring"]
    value = answers[rule["item"]]
    return Scored(
        rounded(value, rule.get("decimals", 0)),
        {k: v for k, v in answers.items() if isinstance(v, int)},
        "",
    )


def _mean(definition: Mapping[str, Any], answers: dict[str, Any]) -> Scored:
    rule = definition["scoring"]
    values = [answers[k] for k in rule["items"]]
    subscores = {k: answers[k] for k in rule["items"]}
    for key in rule.get("extra_subscores", []):
        if key in answers:
            subscores[key] = answers[key]
    return Scored(
        rounded(Fraction(sum(values), len(values)), rule.get("decimals", 1)), subscores, ""
    )


def _activities_mean(definition: Mapping[str, Any], answers: dict[str, Any]) -> Scored:
    rule = definition["scoring"]
    activities = answers[rule["item"]]
    mean = Fraction(sum(a["score"] for a in activities), len(activities))
    subscores = {f"activity_{i}": a["score"] for i, a in enumerate(activities, start=1)}
    return Scored(rounded(mean, rule.get("decimals", 1)), subscores, "")


def _count(definition: Mapping[str, Any], answers: dict[str, Any]) -> Scored:
    total = sum(v for v in answers.values() if isinstance(v, int))
    return Scored(total, {"count": total, "answered": len(answers)}, "")


def _percent_of_answered(definition: Mapping[str, Any], answers: dict[str, Any]) -> Scored:
    """ODI: sum / (5 x answered sections) x 100; too few answered sections is an error."""
    rule = definition["scoring"]
    keys = [item["key"] for item in definition["items"]]
    answered = [k for k in keys if k in answers]
    needed = rule.get("min_answered", len(keys))
    if len(answered) < needed:
        missing = [k for k in keys if k not in answers]
        raise AnswerError(
            {k: [f"at least {needed} of {len(keys)} sections must be answered"] for k in missing}
        )
    top = max(item["max"] for item in definition["items"])
    raw = sum(answers[k] for k in answered)
    value = Fraction(raw, top * len(answered)) * 100
    return Scored(
        rounded(value, rule.get("decimals", 1)),
        {"raw": raw, "answered": len(answered)},
        "",
    )


def _startback(definition: Mapping[str, Any], answers: dict[str, Any]) -> Scored:
    """Keele STarT Back: q9 (bothersomeness 0..4) counts as 1 when >= 3. Total <= 3 is low
    risk; otherwise a distress subscale (q5..q9) of 4 or more is high, else medium."""
    q9_positive = 1 if answers["q9"] >= 3 else 0
    total = sum(answers[f"q{i}"] for i in range(1, 9)) + q9_positive
    distress = sum(answers[f"q{i}"] for i in range(5, 9)) + q9_positive
    if total <= 3:
        risk = "low"
    elif distress >= 4:
        risk = "high"
    else:
        risk = "medium"
    return Scored(total, {"total": total, "distress": distress}, risk)


def _rescaled_subscales(definition: Mapping[str, Any], answers: dict[str, Any]) -> Scored:
    """MSIS-29: each subscale's sum rescaled to 0..100 over its possible range."""
    rule = definition["scoring"]
    items = {item["key"]: item for item in definition["items"]}
    subscores: dict[str, Number] = {}
    for name, keys in rule["subscales"].items():
        lo = sum(items[k]["min"] for k in keys)
        hi = sum(items[k]["max"] for k in keys)
        raw = sum(answers[k] for k in keys)
        subscores[name] = rounded(Fraction(raw - lo, hi - lo) * 100, rule.get("decimals", 1))
    return Scored(subscores[rule["primary"]], subscores, "")


METHODS = {
    "single": _single,
    "mean": _mean,
    "activities_mean": _activities_mean,
    "count": _count,
    "percent_of_answered": _percent_of_answered,
    "startback": _startback,
    "rescaled_subscales": _rescaled_subscales,
}


def score(definition: Mapping[str, Any], answers: Any) -> Scored:
    """Validate the answers and score them: score, subscores and interpretation code."""
    cleaned = clean_answers(definition, answers)
    result = METHODS[definition["scoring"]["method"]](definition, cleaned)
    interpretation = result.interpretation or band(definition, result.score)
    return Scored(result.score, result.subscores, interpretation, cleaned)


# -- change against a baseline ---------------------------------------------------------


def improvement(baseline: Number, value: Number, *, lower_is_better: bool = True) -> float | None:
    """Relative improvement from the baseline (0.3 = 30 % better); None without a baseline
    that allows it (0 on a lower-is-better scale cannot improve)."""
    if lower_is_better:
        if baseline <= 0:
            return None
        return (baseline - value) / baseline
    if baseline == 0:
        return None
    return (value - baseline) / abs(baseline)


def responder_class(
    definition: Mapping[str, Any], baseline: Number | None, value: Number | None
) -> str:
    """'substantial' (>= the larger relative threshold, IMMPACT 50 %), 'moderate'
    (>= the smaller, 30 %, or the absolute change named for the instrument), 'none',
    'worse', or '' when there is nothing to compare."""
    if baseline is None or value is None:
        return ""
    rule = definition.get("responder") or {}
    lower = definition.get("direction", "lower_is_better") == "lower_is_better"
    change = (baseline - value) if lower else (value - baseline)
    if change < 0:
        return "worse"
    relative = sorted(rule.get("relative", []))
    fraction = improvement(baseline, value, lower_is_better=lower) if relative else None
    if fraction is not None and len(relative) > 1 and fraction >= relative[-1]:
        return "substantial"
    if fraction is not None and fraction >= relative[0]:
        return "moderate"
    if "absolute" in rule and change >= rule["absolute"]:
        return "moderate"
    if not relative and "absolute" not in rule:
        return ""
    return "none"
