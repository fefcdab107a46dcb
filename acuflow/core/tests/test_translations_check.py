"""scripts/check_translations.py: two apps that translate one msgid differently."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import polib
from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location(
    "check_translations", ROOT / "scripts" / "check_translations.py"
)
assert _spec and _spec.loader
check_translations = importlib.util.module_from_spec(_spec)
sys.modules["check_translations"] = check_translations
_spec.loader.exec_module(check_translations)

HEADER = 'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'


def catalog(body: str) -> polib.POFile:
    return polib.pofile(HEADER + body)


class TranslationClashTests(SimpleTestCase):
    def test_one_msgid_translated_two_ways_is_flagged_with_both_apps_and_words(self) -> None:
        problems = check_translations.clashes(
            {
                "acuflow/patients": catalog('msgid "Cancel"\nmsgstr "Annuleren"\n'),
                "acuflow/scheduling": catalog('msgid "Cancel"\nmsgstr "Afzeggen"\n'),
            },
            "nl",
        )
        self.assertEqual(len(problems), 1)
        for part in ("[nl]", "'Cancel'", "acuflow/patients", "'Annuleren'", "'Afzeggen'"):
            self.assertIn(part, problems[0])
        self.assertIn("acuflow/scheduling", problems[0])

    def test_the_same_translation_in_both_apps_passes(self) -> None:
        same = 'msgid "No patients found."\nmsgstr "Geen patiënten gevonden."\n'
        self.assertEqual(
            check_translations.clashes(
                {"acuflow/patients": catalog(same), "acuflow/scheduling": catalog(same)}, "nl"
            ),
            [],
        )

    def test_a_context_keeps_two_meanings_apart(self) -> None:
        problems = check_translations.clashes(
            {
                "acuflow/patients": catalog('msgid "Cancel"\nmsgstr "Annuleren"\n'),
                "acuflow/scheduling": catalog(
                    'msgctxt "appointment"\nmsgid "Cancel"\nmsgstr "Afzeggen"\n'
                ),
            },
            "nl",
        )
        self.assertEqual(problems, [])

    def test_one_context_translated_two_ways_is_flagged_with_its_context(self) -> None:
        problems = check_translations.clashes(
            {
                "acuflow/a": catalog('msgctxt "SOAP note"\nmsgid "Assessment"\nmsgstr "A"\n'),
                "acuflow/b": catalog('msgctxt "SOAP note"\nmsgid "Assessment"\nmsgstr "B"\n'),
            },
            "nl",
        )
        self.assertEqual(len(problems), 1)
        self.assertIn("context 'SOAP note'", problems[0])

    def test_plural_forms_are_compared_form_by_form(self) -> None:
        def plural(other: str) -> polib.POFile:
            return catalog(
                'msgid "%(n)s session"\nmsgid_plural "%(n)s sessions"\n'
                f'msgstr[0] "%(n)s behandeling"\nmsgstr[1] "{other}"\n'
            )

        problems = check_translations.clashes(
            {"acuflow/a": plural("%(n)s behandelingen"), "acuflow/b": plural("%(n)s keer")},
            "nl",
        )
        self.assertEqual(len(problems), 1)
        self.assertIn("'%(n)s behandeling | %(n)s keer'", problems[0])
        self.assertEqual(
            check_translations.clashes(
                {
                    "acuflow/a": plural("%(n)s behandelingen"),
                    "acuflow/b": plural("%(n)s behandelingen"),
                },
                "nl",
            ),
            [],
        )

    def test_untranslated_fuzzy_and_obsolete_entries_do_not_count(self) -> None:
        # None of them reaches the compiled catalog, so none can win over another app.
        others = catalog(
            'msgid "Show"\nmsgstr ""\n\n'
            '#, fuzzy\nmsgid "Done"\nmsgstr "Gedaan"\n\n'
            '#~ msgid "Closed"\n#~ msgstr "Afgesloten"\n'
        )
        ours = catalog(
            'msgid "Show"\nmsgstr "Tonen"\n\nmsgid "Done"\nmsgstr "Afgerond"\n\n'
            'msgid "Closed"\nmsgstr "Gesloten"\n'
        )
        self.assertEqual(
            check_translations.clashes({"acuflow/a": others, "acuflow/b": ours}, "nl"), []
        )

    def test_a_missing_context_entry_is_stale_even_when_the_bare_msgid_is_there(self) -> None:
        # pgettext("appointment", "Cancel") renders in English if only "Cancel" is there.
        with tempfile.TemporaryDirectory() as tmp:
            fresh, committed = Path(tmp) / "fresh.po", Path(tmp) / "committed.po"
            fresh.write_text(
                HEADER + 'msgctxt "appointment"\nmsgid "Cancel"\nmsgstr ""\n', encoding="utf-8"
            )
            committed.write_text(HEADER + 'msgid "Cancel"\nmsgstr "Afzeggen"\n', encoding="utf-8")
            self.assertEqual(
                check_translations.msgids(fresh) - check_translations.msgids(committed),
                {("appointment", "Cancel")},
            )

    def test_the_shipped_catalogs_have_no_clash(self) -> None:
        for lang in check_translations.LANGUAGES:
            catalogs = {
                str(path.relative_to(ROOT)): polib.pofile(str(path))
                for path in sorted(ROOT.glob(f"acuflow/*/locale/{lang}/LC_MESSAGES/django.po"))
            }
            self.assertEqual(check_translations.clashes(catalogs, lang), [], lang)
