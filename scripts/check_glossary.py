"""Fail when a translation does not use the clinical glossary's word for a term.

Each language has a glossary in docs/glossary/<lang>.md. Its machine-readable part is
two Markdown tables:

- "## Terms": | en | use | forbidden | notes |
  `en` is the English term (several spellings separated by commas; "*" means every
  message); `use` is the one word to write, and the part in backticks is what every
  msgstr for that term must contain (its stem, so plurals and compounds pass);
  `forbidden` lists variants that must not appear (comma-separated, whole words; a
  trailing * also catches longer words: "bijwerking*").
- "## Exemptions": | msgid | term | reason |
  lets one catalog entry off one term (the msgid in full, or its start followed by
  "..."), for an English word used in another sense.

For every app's locale/<lang>/LC_MESSAGES/django.po, each msgid is searched for the
English terms (whole words, plural -s allowed; a longer term such as "cleared for
treatment" hides the shorter "cleared" inside it). A msgstr that uses a forbidden
variant, or lacks the required word, is reported. The shipped patient articles and
protocol texts are held to the "*" rows (words no text may use). Run by `make test`; give language
codes as arguments to check only those.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_messages import LANGUAGES, ROOT  # noqa: E402

GLOSSARY_DIR = ROOT / "docs" / "glossary"
# English is the source language; every other language needs its glossary.
GLOSSARY_LANGUAGES = tuple(lang for lang in LANGUAGES if lang != "en")
# %(clinic)s, {name}: names of values, not English words.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w+\}")


@dataclass(frozen=True)
class Term:
    english: tuple[str, ...]  # empty: applies to every message
    use: str
    required: str  # substring every msgstr for the term must contain ("" = none)
    forbidden: tuple[str, ...]

    @property
    def label(self) -> str:
        return ", ".join(self.english) or "*"


@dataclass
class Glossary:
    language: str
    terms: list[Term]
    exemptions: list[tuple[str, str]]  # (msgid or "start...", english term)

    def exempt(self, msgid: str, term: Term) -> bool:
        for pattern, english in self.exemptions:
            if english.lower() not in {e.lower() for e in term.english} and english != "*":
                continue
            if pattern.endswith("...") and msgid.startswith(pattern[:-3]):
                return True
            if pattern == msgid:
                return True
        return False


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _tables(text: str) -> dict[str, list[list[str]]]:
    """Rows of the first table under each "## " heading (header and rule dropped)."""
    tables: dict[str, list[list[str]]] = {}
    heading = ""
    for line in text.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip().lower()
            continue
        if line.lstrip().startswith("|") and heading:
            rows = tables.setdefault(heading, [])
            cells = _cells(line)
            if all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                continue
            rows.append(cells)
    # The first row of each table is its header.
    return {name: rows[1:] for name, rows in tables.items() if rows}


def _unescape(cell: str) -> str:
    return cell.replace("\\|", "|")


def parse_glossary(text: str, language: str) -> Glossary:
    tables = _tables(text)
    if "terms" not in tables:
        raise ValueError(f"{language}: the glossary has no '## Terms' table")
    terms = []
    for row in tables["terms"]:
        if len(row) < 3:
            raise ValueError(f"{language}: a Terms row needs en | use | forbidden: {row}")
        english_cell, use, forbidden_cell = (_unescape(c) for c in row[:3])
        english = (
            ()
            if english_cell == "*"
            else tuple(e.strip() for e in english_cell.split(",") if e.strip())
        )
        required = re.search(r"`([^`]+)`", use)
        forbidden = tuple(
            f.strip().strip("`") for f in forbidden_cell.split(",") if f.strip() not in {"", "-"}
        )
        terms.append(
            Term(
                english=english,
                use=re.sub(r"\s*\(`[^`]+`\)", "", use).replace("`", ""),
                required=required.group(1) if required else "",
                forbidden=forbidden,
            )
        )
    exemptions = [
        (_unescape(row[0]).strip("`"), _unescape(row[1]).strip("`"))
        for row in tables.get("exemptions", [])
        if len(row) >= 2 and row[0]
    ]
    return Glossary(language=language, terms=terms, exemptions=exemptions)


def _english_re(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])", re.I)


def _forbidden_re(variant: str) -> re.Pattern[str]:
    if variant.endswith("*"):
        return re.compile(rf"(?<!\w){re.escape(variant[:-1])}", re.I)
    return re.compile(rf"(?<!\w){re.escape(variant)}(?!\w)", re.I)


def _instead(term: Term) -> str:
    if term.english:
        return f"write {term.use!r}"
    return "which the glossary allows nowhere (see its Terms table for the word to use)"


def terms_in(msgid: str, terms: list[Term]) -> list[Term]:
    """The terms whose English form occurs in msgid; a longer match hides a shorter one."""
    msgid = PLACEHOLDER.sub(" ", msgid)
    spans: list[tuple[int, int, Term]] = []
    for term in terms:
        for english in term.english:
            spans += [(m.start(), m.end(), term) for m in _english_re(english).finditer(msgid)]
    found: list[Term] = []
    for start, end, term in spans:
        hidden = any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
        if not hidden and term not in found:
            found.append(term)
    return found


def check_entry(glossary: Glossary, msgid: str, msgstrs: list[str]) -> list[str]:
    problems = []
    everywhere = [t for t in glossary.terms if not t.english]
    for term in everywhere + terms_in(msgid, glossary.terms):
        if glossary.exempt(msgid, term):
            continue
        for msgstr in msgstrs:
            if not msgstr:
                continue
            used = [v for v in term.forbidden if _forbidden_re(v).search(msgstr)]
            for variant in used:
                problems.append(f"{term.label!r}: uses {variant!r}, {_instead(term)}")
            lacking = term.required and term.required.lower() not in msgstr.lower()
            if term.english and lacking and not used:
                problems.append(f"{term.label!r}: lacks {term.required!r}, write {term.use!r}")
    return sorted(set(problems))


def shipped_texts(language: str) -> list[tuple[str, str]]:
    """(where, text) of the patient articles and protocol texts shipped in a language."""
    found = [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "acuflow" / "info" / "content").glob(f"*/{language}.md"))
    ]
    protocols = ROOT / "acuflow" / "protocols" / "data" / "protocols.json"
    if protocols.exists():
        for protocol in json.loads(protocols.read_text(encoding="utf-8")).get("protocols", []):
            for field in ("name", "expectations", "home_care"):
                text = protocol.get(field, {}).get(language)
                if text:
                    found.append((f"protocols.json {protocol.get('key')} {field}", text))
    return found


def check_text(glossary: Glossary, text: str) -> list[str]:
    """The words no text may use (the "*" rows), for prose that has no msgid."""
    return [
        f"uses {variant!r}, {_instead(term)}"
        for term in glossary.terms
        if not term.english
        for variant in term.forbidden
        if _forbidden_re(variant).search(text)
    ]


def catalogs(language: str) -> list[Path]:
    return sorted((ROOT / "acuflow").glob(f"*/locale/{language}/LC_MESSAGES/django.po"))


def main(languages: list[str]) -> int:
    problems: list[str] = []
    checked = 0
    for language in languages or GLOSSARY_LANGUAGES:
        path = GLOSSARY_DIR / f"{language}.md"
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)}: missing")
            continue
        glossary = parse_glossary(path.read_text(encoding="utf-8"), language)
        for catalog in catalogs(language):
            rel = catalog.relative_to(ROOT)
            for entry in polib.pofile(str(catalog)):
                if entry.obsolete:
                    continue
                msgstrs = (
                    [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
                    if entry.msgid_plural
                    else [entry.msgstr]
                )
                for problem in check_entry(glossary, entry.msgid, msgstrs):
                    problems.append(f"{rel}: {entry.msgid[:60]!r}: {problem}")
                checked += 1
        for where, text in shipped_texts(language):
            problems += [f"{where}: {problem}" for problem in check_text(glossary, text)]
            checked += 1
    for problem in problems:
        print(problem)
    print(f"glossary: {checked} messages checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
