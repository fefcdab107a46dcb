"""Form pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from acuflow.core.apps import BLANK_CHOICE_LABEL
from acuflow.core.languages import LANGUAGES


class LanguageField(forms.ChoiceField):
    """A language chosen from the one list (acuflow.core.languages), read when the form is
    built. Also the form field of a model's `language` CharField (ModelForm
    `field_classes`, admin): it accepts and ignores the text options Django passes."""

    def __init__(
        self,
        *,
        max_length: int | None = None,
        min_length: int | None = None,
        strip: bool = True,
        empty_value: Any = "",
        **kwargs: Any,
    ) -> None:
        required = kwargs.get("required", True)
        kwargs.setdefault("choices", _choices if required else _choices_or_none)
        super().__init__(**kwargs)


def _choices() -> list[tuple[str, Any]]:
    return list(LANGUAGES)


def _choices_or_none() -> list[tuple[str, Any]]:
    return [("", BLANK_CHOICE_LABEL), *LANGUAGES]


class LanguageAdminMixin:
    """Admin pages show a model's `language` field as a choice from the one list."""

    def formfield_for_dbfield(self, db_field: models.Field, request: Any, **kwargs: Any) -> Any:
        if db_field.name == "language":
            # The admin's own text-input widget for CharFields would win otherwise.
            kwargs.update(form_class=LanguageField, widget=forms.Select)
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
