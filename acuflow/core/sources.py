"""How a data file's source note reads on screen. The notes cite `docs/clinical-sources.md`
by number and mark defaults "(unverified)": words for the repository's readers, which a
clinician should see as "acuflow's source list, no. 4" and "not verified" in their language."""

from __future__ import annotations

import re

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

_NUMBERED = re.compile(r"docs/clinical-sources\.md,\s*source\s+(\d+)")
_FILE = re.compile(r"docs/clinical-sources\.md,?\s*")
_UNVERIFIED = re.compile(r"\(unverified\)")


def plain_source(text: str) -> str:
    text = _NUMBERED.sub(lambda m: _("acuflow's source list, no. %(n)s") % {"n": m[1]}, text)
    text = _FILE.sub(lambda m: _("acuflow's source list") + ", ", text)
    return _UNVERIFIED.sub(lambda m: "(" + _("not verified") + ")", text)


def source_note(text: str) -> SafeString:
    """A source note, written in English (citations, scoring notes), marked as such."""
    if (get_language() or "en").split("-")[0] == "en":
        return format_html("{}", plain_source(text))
    return format_html('<span lang="en">{}</span>', plain_source(text))
