"""Form pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from acuflow.core import validators as v
from acuflow.core.apps import BLANK_CHOICE_LABEL
from acuflow.core.languages import LANGUAGES


def add_bounds(field: forms.Field) -> None:
    """The bounds of acuflow.core.validators on one form field, by its kind: dates and
    instants within 1900..2100, no control characters in text (line breaks only in a
    text area), JSON of bounded depth. Passwords are left as typed."""
    extra: list[Any] = []
    if isinstance(field, forms.DateTimeField):
        extra.append(v.validate_clinical_datetime)
    elif isinstance(field, forms.DateField):
        extra.append(v.validate_clinical_date)
    elif isinstance(field, forms.JSONField):
        extra.append(v.validate_json)
    elif isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput):
        textarea = isinstance(field.widget, forms.Textarea)
        extra.append(v.validate_text if textarea else v.validate_line)
    for validator in extra:
        if validator not in field.validators:
            field.validators.append(validator)


class BoundsMixin:
    """Every field of the form gets the shared input bounds (`add_bounds`), also the
    fields a form adds in its own __init__ (one per language, say): they are added
    when the form is cleaned."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        for field in self.fields.values():
            add_bounds(field)
        super().full_clean()  # type: ignore[misc]


class BoundedForm(BoundsMixin, forms.Form):
    pass


class BoundedModelForm(BoundsMixin, forms.ModelForm):
    pass


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
