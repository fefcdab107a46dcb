"""Refresh every app's translation catalogs (nl, nb, en, es).

English is the source language: its catalog is filled with the msgids so that the
completeness check can treat all four languages alike. Run: make messages
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

from acuflow.core.languages import language_codes

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = language_codes()  # the one list: acuflow/core/languages.py


def app_dirs() -> list[Path]:
    return sorted(p.parent for p in (ROOT / "acuflow").glob("*/apps.py"))


def has_strings(app: Path) -> bool:
    for path in app.rglob("*"):
        if "tests" in path.parts or "migrations" in path.parts or "locale" in path.parts:
            continue
        if path.suffix in {".py", ".html", ".txt"} and path.is_file():
            text = path.read_text(errors="ignore")
            if (
                "gettext" in text
                or "{% translate" in text
                or "{% blocktranslate" in text
                or "{% trans" in text
            ):
                return True
    return False


def make(app: Path, languages: list[str] = LANGUAGES) -> None:
    (app / "locale").mkdir(exist_ok=True)
    # The django-admin script, not `python -m django`: with cwd on sys.path an app's
    # selectors.py would shadow the standard library module of that name.
    args = [
        str(Path(sys.executable).parent / "django-admin"),
        "makemessages",
        "--no-obsolete",
        "--add-location=never",
        "--ignore=tests/*",
        "--ignore=migrations/*",
        "-v",
        "0",
    ]
    for lang in languages:
        args += ["-l", lang]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "acuflow.settings", "PYTHONPATH": str(ROOT)}
    subprocess.run(args, cwd=app, check=True, env=env)
    fill_english(app / "locale" / "en" / "LC_MESSAGES" / "django.po")


def fill_english(path: Path) -> None:
    if not path.exists():
        return
    po = polib.pofile(str(path))
    for entry in po:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        # English is filled from the msgid, so the fuzzy match's old msgid means nothing.
        entry.previous_msgid = None
        entry.previous_msgid_plural = None
        entry.previous_msgctxt = None
    po.save()


def main() -> None:
    apps = [Path(a).resolve() for a in sys.argv[1:]] or app_dirs()
    for app in apps:
        if has_strings(app):
            make(app)
            print(f"updated {app.relative_to(ROOT)}/locale")


if __name__ == "__main__":
    main()
