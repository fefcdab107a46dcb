"""Fail when a catalog is missing, stale, untranslated or fuzzy, or keeps a "#|"
previous-msgid marker (nl, nb, en, es)."""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_messages import LANGUAGES, ROOT, app_dirs, has_strings, make  # noqa: E402


def msgids(path: Path) -> set[str]:
    return {e.msgid for e in polib.pofile(str(path)) if not e.obsolete}


def main() -> int:
    problems: list[str] = []
    checked = 0
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
            for msgid in sorted(missing):
                problems.append(
                    f"{rel}: catalog is stale, not in it: {msgid[:70]!r} (run: make messages)"
                )
    for problem in problems:
        print(problem)
    print(f"translations: {checked} catalogs checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
