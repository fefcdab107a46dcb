"""What a reader sees that is not in their language: words of another language's interface
and internal codes (snake_case). Used by the tests that read pages and PDFs in each
language; a pure module, no Django.

The word lists hold words of one language that the others do not use (so not "is", "in",
"of", "to", "for", "open", "week", "mild" or "November", which Dutch or Norwegian share).
Text that is rightly in another language (a cited title, an article only written in
English) carries its own `lang` attribute; the page readers skip it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ENGLISH_UI_WORDS = frozenset(
    """
    the with your you please select option choose treatment treatments session sessions
    assessment appointment appointments follow-up initial both left right moderate severe
    unverified source sources save cancel edit delete search patient patients next previous
    today back sign dear regards report letter recommendation before after pain date name
    none found yes day mon tue wed thu sat sun monday tuesday wednesday thursday friday
    saturday sunday january february march june july october
    first new add remove close show hide required optional error forbidden server
    minutes hours practitioner questionnaire course consent check warning what when
    where which should could would there their this that these those from into about
    """.split()
)

# For English pages: words of the Dutch (the demo clinic's) and Norwegian interface.
DUTCH_NORWEGIAN_UI_WORDS = frozenset(
    """
    het een uw niet voor behandeling behandelingen afspraak afspraken kies zoeken opslaan
    annuleren vandaag vorige volgende en-nu bij naar ook wordt worden als wij hoe wat
    og ikke eller timen time-bestilling bestill behandlinger pasient pasienter avtale
    avtaler velg lagre avbryt søk neste forrige vi hva hvordan
    """.split()
)

# Licensed questionnaires known by their English names in every language (their names
# are not translated; acuflow ships no text of them).
PROPER_NAMES = (
    "Keele STarT Back Screening Tool",
    "Keele STarT Back",
    "Roland-Morris Disability Questionnaire",
    "Oswestry Disability Index",
    "Multiple Sclerosis Impact Scale",
)

# Addresses are not words: an email's or a link's parts are left out.
ADDRESS = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+")
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def foreign_words(language: str) -> frozenset[str]:
    return DUTCH_NORWEGIAN_UI_WORDS if language == "en" else ENGLISH_UI_WORDS


def problems(text: str, language: str) -> list[str]:
    """Foreign words and snake_case codes in one piece of text, as "word" strings."""
    text = ADDRESS.sub(" ", text)
    for name in PROPER_NAMES:
        text = text.replace(name, " ")
    found = [f"code {code!r}" for code in SNAKE_CASE.findall(text)]
    words = foreign_words(language)
    found += [f"word {w!r}" for w in WORD.findall(text) if w.lower() in words]
    return found


class VisibleText(HTMLParser):
    """The text of a page as a reader sees it: no script, style, template or hidden
    elements, no text marked as another language (lang="..."), plus the labels people read
    in attributes (placeholder, title, aria-label, alt, button values)."""

    SKIP = {"script", "style", "template", "noscript"}
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[tuple[str, bool]] = []  # open elements: tag, is its text skipped?
        self.chunks: list[str] = []

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        lang = a.get("lang", "").split("-")[0]
        skip = (
            self.skipping
            or tag in self.SKIP
            or "hidden" in a
            or a.get("aria-hidden") == "true"
            or a.get("type") == "hidden"
            or bool(lang and lang != self.language)
        )
        if not skip:
            for name in ("placeholder", "title", "aria-label", "alt"):
                if a.get(name):
                    self.chunks.append(a[name])
            if tag == "input" and a.get("type") in {"submit", "button"} and a.get("value"):
                self.chunks.append(a["value"])
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching element (HTML lets some end tags be left out).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.chunks.append(data.strip())


def visible_text(html: str, language: str) -> list[str]:
    parser = VisibleText(language)
    parser.feed(html)
    parser.close()
    return parser.chunks
