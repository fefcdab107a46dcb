"""Model helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import models


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
