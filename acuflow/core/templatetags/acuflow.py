from __future__ import annotations

from typing import Any

from django import template

from acuflow.core.registry import nav_items

register = template.Library()


@register.simple_tag
def acuflow_nav() -> list[tuple[str, Any]]:
    return nav_items()
