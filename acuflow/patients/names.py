"""Family names with Dutch prefixes (tussenvoegsels), and what a name search box means.

In the Netherlands "de Boer" is filed under B and "van Dijk" under D: the prefix ("van",
"de", "van der", "in 't", ...) is part of the name but not of its place in a list. A
patient's sort key is the main part of the family name, folded so that case and
accents do not reorder it. Pure functions over strings: the model stores the key, the
search builds its query from `parse_name_search`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# The words Dutch family-name prefixes are made of; a prefix is any run of them at the
# start ("van der", "van den", "in 't", "op de", "uit den", "van de", "d'").
PREFIX_WORDS = frozenset(
    {
        "'s",
        "'t",
        "aan",
        "af",
        "bij",
        "d'",
        "de",
        "del",
        "den",
        "der",
        "des",
        "die",
        "du",
        "het",
        "in",
        "l'",
        "la",
        "le",
        "onder",
        "op",
        "over",
        "t'",
        "te",
        "ten",
        "ter",
        "tot",
        "uit",
        "uijt",
        "van",
        "vande",
        "vander",
        "voor",
        "von",
    }
)
# Glued to the name: "d'Ancona", "l'Ecluse".
GLUED_PREFIXES = ("d'", "l'")
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
# Letters that are their own letter in Norwegian and sort after z: not folded into "a".
KEPT = frozenset("\u00e5")


def _word(word: str) -> str:
    return word.translate(APOSTROPHES).casefold()


def is_prefix_word(word: str) -> bool:
    return _word(word) in PREFIX_WORDS


def split_family_name(family_name: str) -> tuple[str, str]:
    """(prefix, main part): ("van der", "Berg") for "van der Berg", ("", "Jansen") for
    "Jansen". The main part always keeps at least one word, so "Van" alone is a name."""
    words = family_name.split()
    n = 0
    while n < len(words) - 1 and is_prefix_word(words[n]):
        n += 1
    prefix, main = words[:n], words[n:]
    if main:
        head = _word(main[0])
        for glued in GLUED_PREFIXES:
            if head.startswith(glued) and len(head) > len(glued):
                prefix.append(main[0][: len(glued)])
                main[0] = main[0][len(glued) :]
                break
    return " ".join(prefix), " ".join(main)


def fold(text: str) -> str:
    """Lower case without accents ("Özdemir" -> "ozdemir"), keeping the Nordic å."""
    out = []
    for ch in text.casefold():
        if ch in KEPT:
            out.append(ch)
            continue
        out.append(
            "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        )
    return "".join(out)


def family_sort_key(family_name: str) -> str:
    """What a patient list sorts by: the main part of the family name, folded."""
    return fold(split_family_name(family_name)[1])[:100]


@dataclass(frozen=True)
class NameSearch:
    """Words that must each be found in the family name, in the given name, or in
    either of them."""

    family: tuple[str, ...] = ()
    given: tuple[str, ...] = ()
    either: tuple[str, ...] = ()


def parse_name_search(text: str) -> NameSearch:
    """The words of a name search.

    "de Vries, Bram" (the patient list's own format, family first) looks for "de" and
    "Vries" in the family name and "Bram" in the given name; "Vries, Bram de" (the
    phone-book form, prefix last) does the same. Without a comma ("Bram de Vries",
    "vries") every word may be in either name.
    """
    if "," not in text:
        return NameSearch(either=tuple(text.split()))
    family_part, given_part = text.split(",", 1)
    family = family_part.split()
    given = given_part.replace(",", " ").split()
    # Prefix words at the end of the given part belong to the family name.
    moved: list[str] = []
    while given and is_prefix_word(given[-1]):
        moved.insert(0, given.pop())
    return NameSearch(family=tuple(moved + family), given=tuple(given))
