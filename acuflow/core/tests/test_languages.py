"""One source for the language list (acuflow/core/languages.py).

Adding a language must touch only the files CONTRIBUTING.md names: the list itself, the
translation catalogs and the data files with text in every language. These tests keep
it so: nothing else spells out the list, no model keeps it as `choices` (which would
need a migration per app), and a run with a test language `xx` added to the list alone
gets it in settings, forms, API schemas and the translation scripts without a migration.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.test import SimpleTestCase

from acuflow.core import languages

ROOT = Path(__file__).resolve().parents[3]
SOURCE = "acuflow/core/languages.py"

# Places that still spell out the list, in apps being reworked on another branch; each
# entry goes when its file reads acuflow.core.languages (the test below says when).
PENDING_FILES: set[str] = set()
# Apps whose models still keep `choices=settings.LANGUAGES` (same reason).
PENDING_APPS: set[str] = set()

QUOTED_CODE = re.compile(r"""["']([a-z]{2})["']""")
SKIPPED_DIRS = {"tests", "migrations", "locale", "data", "content", "node_modules"}


def scanned_files() -> list[Path]:
    found = [
        *ROOT.glob("acuflow/**/*.py"),
        *ROOT.glob("acuflow/**/templates/**/*.*"),
        *ROOT.glob("scripts/*.py"),
        *ROOT.glob("bench/*.py"),
    ]
    return sorted(
        path
        for path in found
        if not (set(path.relative_to(ROOT).parts) & SKIPPED_DIRS)
        and path.relative_to(ROOT).as_posix() != SOURCE
    )


def spelled_out_lists() -> dict[str, list[str]]:
    """Lines that name three or more of the languages as string literals."""
    codes = set(languages.language_codes())
    hits: dict[str, list[str]] = {}
    for path in scanned_files():
        for number, line in enumerate(path.read_text(errors="ignore").splitlines(), 1):
            if len(set(QUOTED_CODE.findall(line)) & codes) >= 3:
                hits.setdefault(path.relative_to(ROOT).as_posix(), []).append(
                    f"{number}: {line.strip()}"
                )
    return hits


class OneLanguageListTests(SimpleTestCase):
    def test_settings_read_the_one_list(self) -> None:
        self.assertIs(settings.LANGUAGES, languages.LANGUAGES)
        self.assertEqual(languages.language_codes(), ["nl", "nb", "en", "es"])

    def test_nothing_else_spells_out_the_list(self) -> None:
        hits = spelled_out_lists()
        unexpected = {path: lines for path, lines in hits.items() if path not in PENDING_FILES}
        self.assertEqual(unexpected, {}, f"read the list from {SOURCE} instead")
        done = sorted(PENDING_FILES - set(hits))
        self.assertEqual(done, [], "no longer spelled out there: remove from PENDING_FILES")

    def test_the_scan_finds_a_spelled_out_list(self) -> None:
        line = 'LANGS = ("nl", "nb", "en", "es")'
        self.assertGreaterEqual(len(set(QUOTED_CODE.findall(line))), 3)

    def test_no_model_keeps_the_list_as_choices(self) -> None:
        codes = set(languages.language_codes())
        offenders = sorted(
            f"{model._meta.label}.{field.name}"
            for model in apps.get_models()
            if model._meta.app_label not in PENDING_APPS
            for field in model._meta.get_fields()
            if getattr(field, "choices", None) and codes <= {choice[0] for choice in field.choices}  # type: ignore[union-attr]
        )
        self.assertEqual(offenders, [], "store the code and validate it (validate_language)")
        still = [
            field.name
            for label in PENDING_APPS
            for model in apps.get_app_config(label).get_models()
            for field in model._meta.get_fields()
            if getattr(field, "choices", None) and codes <= {choice[0] for choice in field.choices}  # type: ignore[union-attr]
        ]
        self.assertEqual(
            bool(still),
            bool(PENDING_APPS),
            "no choices left there: remove the app from PENDING_APPS",
        )

    def test_adding_a_language_to_the_list_alone_reaches_everything_without_migration(
        self,
    ) -> None:
        labels = sorted(
            config.label
            for config in apps.get_app_configs()
            if config.name.startswith("acuflow.") and config.label not in PENDING_APPS
        )
        script = textwrap.dedent(
            f"""
            import sys
            import django
            from acuflow.core import languages
            languages.LANGUAGES.append(("xx", "Test language"))
            django.setup()

            from django.conf import settings
            from django.core.management import call_command
            from pydantic import TypeAdapter
            from acuflow.core.api.schemas import LanguageCode
            from acuflow.patients.forms import PatientForm

            assert "xx" in dict(settings.LANGUAGES), "settings"
            assert "xx" in dict(PatientForm().fields["language"].choices), "patient form"
            TypeAdapter(LanguageCode).validate_python("xx")
            languages.validate_language("xx")
            sys.path.insert(0, "scripts")
            import make_messages
            assert "xx" in make_messages.LANGUAGES, "translation scripts"
            call_command("makemigrations", *{labels!r}, check=True, dry_run=True, verbosity=0)
            print("xx reached everything")
            """
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "acuflow.settings",
            "DATABASE_URL": "sqlite:///:memory:",
        }
        run = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("xx reached everything", run.stdout)

    def test_contributing_names_the_list_as_the_first_step(self) -> None:
        text = (ROOT / "CONTRIBUTING.md").read_text()
        section = text.split("### A language", 1)[1].split("\n### ", 1)[0]
        self.assertIn(SOURCE, section)
        self.assertIn("make messages", section)
