from __future__ import annotations

from typing import Any

from django import template

from acuflow.core.languages import language_name
from acuflow.core.registry import nav_links
from acuflow.core.sources import source_note

register = template.Library()


@register.simple_tag
def acuflow_nav() -> dict[str, Any]:
    """`{% acuflow_nav as acuflow_links %}`: .apps [(url, label)], .dashboard, .settings,
    .profile, .logout (reversed once, see registry.nav_links)."""
    return nav_links()


@register.filter(name="language_label")
def language_name_filter(code: str) -> Any:
    """`{{ patient.language|language_label }}`: the language's name in the active language."""
    return language_name(code)


@register.filter(name="source_note")
def source_note_filter(text: str) -> Any:
    """`{{ s.citation|source_note }}`: a data file's English source note, readable."""
    return source_note(str(text or ""))
