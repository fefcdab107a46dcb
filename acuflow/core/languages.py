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
