"""Questionnaire forms are drawn from the instrument data (templates/outcomes/_questions.html);
this turns the posted fields back into an answers dict for the scoring engine."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from acuflow.core.forms import BoundedForm
from acuflow.outcomes import catalog


def answers_from_post(definition: dict[str, Any], data: QueryDict) -> dict[str, Any]:
    """Field `a_<key>` per item; PSFS activities as `act_name_<n>` / `act_score_<n>`.
    Values that are not whole numbers are passed through so the engine names the problem."""
    answers: dict[str, Any] = {}
    for item in definition["items"]:
        key = item["key"]
        if item["type"] == "activities":
            activities = []
            for n in range(1, (item.get("max_count") or 5) + 1):
                name = data.get(f"act_name_{n}", "").strip()
                raw = data.get(f"act_score_{n}", "").strip()
                if name or raw:
                    activities.append({"name": name, "score": _number(raw)})
            answers[key] = activities or None
        elif item["type"] == "boolean" and definition["text_shipped"]:
            answers[key] = 1 if data.get(f"a_{key}") in {"1", "on", "true"} else 0
        else:
            raw = data.get(f"a_{key}", "").strip()
            answers[key] = _number(raw) if raw else None
    return answers


def _number(raw: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        return raw


class InstrumentTextForm(BoundedForm):
    instrument = forms.ChoiceField(label=_("Instrument"))
    language = forms.ChoiceField(label=_("Language"), choices=[])
    file = forms.FileField(
        label=_("Text file (JSON)"),
        help_text=_('{"title": ..., "items": {"s1": {"text": ..., "options": [...]}}}'),
    )
    licence_reference = forms.CharField(
        label=_("Licence reference"), max_length=200, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.conf import settings

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["instrument"]).choices = [
            (code, d["name"]["en"])
            for code, d in catalog.instruments().items()
            if catalog.is_licensed(d)
        ]
        cast(forms.ChoiceField, self.fields["language"]).choices = settings.LANGUAGES


def annotate(
    instrument: dict[str, Any],
    errors: dict[str, list[str]],
    posted: Any,
    activities: list[str],
) -> dict[str, Any]:
    """Add each item's errors and posted value, and PSFS rows, for the template."""
    for item in instrument["items"]:
        item["errors"] = errors.get(item["key"], [])
        item["value"] = posted.get(f"a_{item['key']}", "") if posted else ""
        if item["type"] == "activities":
            item["rows"] = [
                {
                    "n": n,
                    "name": (posted.get(f"act_name_{n}") if posted else None)
                    or (activities[n - 1] if n - 1 < len(activities) else ""),
                    "score": posted.get(f"act_score_{n}", "") if posted else "",
                }
                for n in range(1, (item.get("max_count") or 5) + 1)
            ]
    instrument["other_errors"] = {
        k: v for k, v in errors.items() if k not in {i["key"] for i in instrument["items"]}
    }
    return instrument
