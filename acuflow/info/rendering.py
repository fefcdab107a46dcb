"""Markdown to HTML for articles. Raw HTML in the text is escaped, not passed through,
and markdown-it rejects javascript:/data: links, so staff-written text cannot inject
script into the public pages."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)


# The heading of an article's reference list, as the articles write it in each language.
# The works cited there are read in their own language (English, nearly all): the list is
# marked lang="en" so that screen readers, translators and the language checks know.
SOURCES_HEADINGS = {"Sources", "Bronnen", "Kilder", "Fuentes"}


def render_markdown(text: str) -> SafeString:
    tokens = _md.parse(text)
    in_sources = False
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            in_sources = tokens[i + 1].content.strip() in SOURCES_HEADINGS
        elif in_sources and token.type in {"bullet_list_open", "ordered_list_open"}:
            token.attrSet("lang", "en")
    html = _md.renderer.render(tokens, _md.options, {})
    return mark_safe(html)  # noqa: S308 - html disabled: input is escaped
