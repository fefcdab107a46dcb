"""Fail when a catalog is missing, stale, untranslated or fuzzy, or keeps a "#|"
previous-msgid marker (nl, nb, en, es), or when two apps translate one msgid differently.

Django merges every app's catalog into one table per language and the app first in
INSTALLED_APPS wins, so two translations of one msgid (same msgctxt) mean one app shows
the other's word ("Cancel": the appointment's "Afzeggen" or the form's "Annuleren").
Same meaning: use one wording in both catalogs. Different meanings: give one a context
(pgettext, {% translate "..." context "..." %})."""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_messages import LANGUAGES, ROOT, app_dirs, has_strings, make  # noqa: E402


def msgids(path: Path) -> set[tuple[str | None, str]]:
    # With its context: a pgettext entry missing from the catalog renders in English even
    # when the catalog has the same msgid without that context.
    return {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if not e.obsolete}


def translations(po: polib.POFile) -> dict[tuple[str | None, str], tuple[str, ...]]:
    """What Django would look each (msgctxt, msgid) up as: its forms, in order. Untranslated,
    fuzzy and obsolete entries are not compiled, so they cannot clash."""
    table: dict[tuple[str | None, str], tuple[str, ...]] = {}
    for entry in po:
        if entry.obsolete or entry.fuzzy:
            continue
        if entry.msgid_plural:
            forms = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        else:
            forms = (entry.msgstr,)
        if any(forms):
            table[(entry.msgctxt, entry.msgid)] = forms
    return table


def clashes(catalogs: dict[str, polib.POFile], lang: str) -> list[str]:
    """One problem per msgid (and msgctxt) that the apps' catalogs of one language
    translate differently; catalogs maps an app's path to its catalog."""
    seen: dict[tuple[str | None, str], dict[str, tuple[str, ...]]] = defaultdict(dict)
    for app, po in catalogs.items():
        for key, forms in translations(po).items():
            seen[key][app] = forms
    problems = []
    for (context, msgid), by_app in sorted(
        seen.items(), key=lambda item: (item[0][1], item[0][0] or "")
    ):
        if len(set(by_app.values())) < 2:
            continue
        versions = ", ".join(
            f"{app} {' | '.join(forms)!r}" for app, forms in sorted(by_app.items())
        )
        where = f" (context {context!r})" if context else ""
        problems.append(
            f"[{lang}] {msgid[:70]!r}{where} is translated differently: {versions}"
            " (one table per language: the first app wins; same meaning: one wording,"
            " different meanings: add a context)"
        )
    return problems


def main() -> int:
    problems: list[str] = []
    checked = 0
    catalogs: dict[str, dict[str, polib.POFile]] = defaultdict(dict)
    for app in app_dirs():
        if not has_strings(app):
            continue
        rel = app.relative_to(ROOT)
        for lang in LANGUAGES:
            path = app / "locale" / lang / "LC_MESSAGES" / "django.po"
            if not path.exists():
                problems.append(f"{rel}: no {lang} catalog (run: make messages)")
                continue
            po = polib.pofile(str(path))
            catalogs[lang][str(rel)] = po
            # A "#|" line is the msgid a fuzzy match was made from: the translation may
            # still render the old text ("Consent recorded." came out as "consent record").
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if line.startswith("#|"):
                    problems.append(
                        f"{rel} [{lang}] line {number}: previous-msgid marker left in: {line[:70]!r}"
                    )
            for entry in po.untranslated_entries():
                problems.append(f"{rel} [{lang}] untranslated: {entry.msgid[:70]!r}")
            for entry in po.fuzzy_entries():
                problems.append(f"{rel} [{lang}] fuzzy: {entry.msgid[:70]!r}")
            # polib counts a plural entry as translated when form 0 is filled; a missing
            # form (Spanish has three) silently falls back to English at run time.
            forms = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
            nplurals = int(forms.group(1)) if forms else 2
            for entry in po:
                if entry.msgid_plural and not entry.obsolete and not entry.fuzzy:
                    filled = [i for i in range(nplurals) if entry.msgstr_plural.get(i)]
                    if len(filled) < nplurals:
                        problems.append(f"{rel} [{lang}] plural form missing: {entry.msgid[:70]!r}")
            checked += 1
        # Stale: strings in the code that the committed catalog does not have.
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / app.name
            shutil.copytree(app, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
            make(copy, ["en"])
            fresh = msgids(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
        committed_path = app / "locale" / "en" / "LC_MESSAGES" / "django.po"
        if committed_path.exists():
            missing = fresh - msgids(committed_path)
            for context, msgid in sorted(missing, key=lambda key: (key[1], key[0] or "")):
                where = f" (context {context!r})" if context else ""
                problems.append(
                    f"{rel}: catalog is stale, not in it: {msgid[:70]!r}{where} (run: make messages)"
                )
    for lang in LANGUAGES:
        problems.extend(clashes(catalogs[lang], lang))
    for problem in problems:
        print(problem)
    print(f"translations: {checked} catalogs checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
