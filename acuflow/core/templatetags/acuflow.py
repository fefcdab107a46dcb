from __future__ import annotations

from typing import Any

from django import template

from acuflow.core.languages import language_name
from acuflow.core.registry import nav_items

register = template.Library()


@register.simple_tag
def acuflow_nav() -> list[tuple[str, Any]]:
    return nav_items()


@register.filter(name="language_label")
def language_name_filter(code: str) -> Any:
    """`{{ patient.language|language_label }}`: the language's name in the active language."""
    return language_name(code)
