"""Model helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from acuflow.core import validators as v


class HeldRelationsModel(models.Model):
    """`full_clean()` without a query per foreign key whose object the service already holds.

    Django validates a foreign key by asking the database whether the id exists, one
    query per key, on every save through a service. When the related object itself is
    on the instance (the service loaded and scoped it), that question is answered; the
    database's foreign-key constraint still guards the insert. Unique and constraint
    validation are unchanged.
    """

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        held = {
            field.name
            for field in self._meta.concrete_fields
            if field.many_to_one and _holds(self, field)
        }
        super().clean_fields(exclude={*(exclude or ()), *held})


def _holds(instance: models.Model, field: Any) -> bool:
    if not field.is_cached(instance):
        return False
    related = field.get_cached_value(instance)
    return (
        related is not None
        and related.pk is not None
        and getattr(instance, field.attname) == getattr(related, field.target_field.attname)
    )


class BoundedFieldsModel(models.Model):
    """`full_clean()` also holds every field to the shared input bounds
    (acuflow.core.validators): dates and instants within 1900..2100 (a date of birth
    not in the future), no control characters in text (line breaks only in a TextField),
    JSON of bounded depth without NUL. Whatever way a value arrives (API, page, import,
    service), a record that breaks a page when read back is never stored."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        errors: dict[str, list[Any]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if field.name in (exclude or ()) or field.name in errors:
                continue
            check = _bound_for(field)
            value = getattr(self, field.attname)
            if check is None or value is None or value == "":
                continue
            try:
                check(value)
            except ValueError as exc:
                errors[field.name] = [ValidationError(str(exc), code="invalid")]
        if errors:
            raise ValidationError(errors)


def _bound_for(field: Any) -> Any:
    if isinstance(field, models.DateTimeField):
        return v.check_clinical_datetime
    if isinstance(field, models.DateField):
        return v.check_birth_date if field.name == "birth_date" else v.check_clinical_date
    if isinstance(field, models.JSONField):
        return v.check_json
    if isinstance(field, models.TextField):
        return v.check_text
    if isinstance(field, models.CharField) and not field.choices:
        # Notes and reasons may come from a text area; names and codes are one line.
        multiline = "note" in field.name or "reason" in field.name
        return v.check_text if multiline else v.check_line
    return None
