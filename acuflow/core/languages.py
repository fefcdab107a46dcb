"""The languages acuflow speaks: the one list.

Settings (LANGUAGES), forms, API schemas, the translation scripts and the data checks all
read it. Models store a language code without `choices` and check it with
`validate_language`, so adding a language changes no migration. How to add one:
CONTRIBUTING.md, "Adding a language".

Kept free of settings and models: settings.py and scripts/ import it before Django is set up.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# Code (the URL prefix and the catalog directory name) and the language's name.
LANGUAGES: list[tuple[str, Any]] = [
    ("nl", _("Dutch")),
    ("nb", _("Norwegian Bokmål")),
    ("en", _("English")),
    ("es", _("Spanish")),
]


def language_codes() -> list[str]:
    return [code for code, _name in LANGUAGES]


def is_language(code: object) -> bool:
    return code in language_codes()


def language_name(code: str) -> Any:
    """The language's name in the active language; the code itself for an unknown one."""
    return dict(LANGUAGES).get(code, code)


def validate_language(value: str) -> None:
    """Model and form validator."""
    if not is_language(value):
        raise ValidationError(_("Unknown language."), code="invalid_language")


def check_language(value: str) -> str:
    """API schema validator (pydantic): a ValueError is answered with 422."""
    if not is_language(value):
        raise ValueError(f"unknown language; one of {', '.join(language_codes())}")
    return value


# -- text that is data, one entry per language ---------------------------------------
def in_every_language(text: Any) -> dict[str, str]:
    """A translatable text (a lazy gettext string) as data: {code: text} for every
    language, as shipped defaults are stored so that a clinic can edit each."""
    texts = {}
    for code in language_codes():
        with translation.override(code):
            texts[code] = str(text)
    return texts


def validate_texts(value: object) -> None:
    """Model validator of a per-language text: {code: text}, known codes, text values."""
    if not isinstance(value, dict) or not all(
        is_language(k) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValidationError(_("Give a text per language: nl, nb, en, es."), code="invalid_texts")


def text_for(texts: dict[str, str] | None, language: str, fallback: str = "") -> str:
    """The text in `language`, else the fallback (the clinic's own single text)."""
    return (texts or {}).get(language.split("-")[0], "") or fallback
