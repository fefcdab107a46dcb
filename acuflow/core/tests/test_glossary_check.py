"""scripts/check_glossary.py: the glossary tables it reads and what it flags."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location(
    "check_glossary", ROOT / "scripts" / "check_glossary.py"
)
assert _spec and _spec.loader
check_glossary = importlib.util.module_from_spec(_spec)
sys.modules["check_glossary"] = check_glossary  # dataclasses look their module up
_spec.loader.exec_module(check_glossary)

SAMPLE = """
# Sample

## Terms

| en | use | forbidden | notes |
| --- | --- | --- | --- |
| * | u | je, jij | address |
| course, treatment course | behandeltraject (`traject`) | behandelreeks* | |
| adverse event | ongewenst voorval (`voorval`) | bijwerking* | |
| cleared | vrijgegeven (`vrijgegeven`) | - | |
| cleared for treatment | vrijgegeven voor behandeling (`voor behandeling`) | - | |

## Exemptions

| msgid | term | reason |
| --- | --- | --- |
| Your scores over the course of... | course | idiom |
"""


class GlossaryCheckTests(SimpleTestCase):
    def setUp(self) -> None:
        self.glossary = check_glossary.parse_glossary(SAMPLE, "nl")

    def check(self, msgid: str, msgstr: str) -> list[str]:
        return check_glossary.check_entry(self.glossary, msgid, [msgstr])

    def test_it_reads_terms_required_words_and_exemptions(self) -> None:
        course = self.glossary.terms[1]
        self.assertEqual(course.english, ("course", "treatment course"))
        self.assertEqual((course.use, course.required), ("behandeltraject", "traject"))
        self.assertEqual(course.forbidden, ("behandelreeks*",))
        self.assertEqual(
            self.glossary.exemptions, [("Your scores over the course of...", "course")]
        )

    def test_a_forbidden_variant_is_flagged(self) -> None:
        problems = self.check("Adverse events", "Bijwerkingen")
        self.assertEqual(len(problems), 1)
        self.assertIn("bijwerking*", problems[0])

    def test_a_translation_without_the_one_word_is_flagged(self) -> None:
        self.assertEqual(len(self.check("Course closed.", "Reeks afgesloten.")), 1)
        self.assertEqual(self.check("Course closed.", "Traject afgesloten."), [])
        self.assertEqual(self.check("Treatment courses", "Behandeltrajecten"), [])

    def test_the_form_of_address_applies_to_every_message(self) -> None:
        self.assertEqual(len(self.check("Save", "Sla je werk op")), 1)
        self.assertEqual(self.check("Save", "Sla uw werk op"), [])
        # Whole words only: "beetje" is not "je".
        self.assertEqual(self.check("A little", "Een beetje"), [])

    def test_a_longer_term_hides_the_shorter_one_inside_it(self) -> None:
        # "cleared for treatment" needs its own words, not the bare "vrijgegeven" rule.
        self.assertEqual(self.check("Cleared for treatment", "Vrijgegeven voor behandeling"), [])
        self.assertEqual(len(self.check("Cleared for treatment", "Mag behandeld worden")), 1)
        self.assertEqual(len(self.check("cleared", "opgehelderd")), 1)

    def test_an_exempted_entry_is_not_checked_for_that_term(self) -> None:
        msgid = "Your scores over the course of treatment."
        self.assertEqual(self.check(msgid, "Uw scores tijdens de behandeling."), [])
        self.assertEqual(len(self.check("Course of treatment", "Behandeling")), 1)

    def test_placeholders_and_code_names_are_not_english_words(self) -> None:
        self.assertEqual(self.check("with %(course)s", "met %(course)s"), [])
        self.assertEqual(self.check("course_id is missing", "course_id ontbreekt"), [])

    def test_prose_is_held_to_the_words_no_text_may_use(self) -> None:
        self.assertEqual(
            len(check_glossary.check_text(self.glossary, "Zie je bij de volgende keer")), 1
        )
        self.assertEqual(
            check_glossary.check_text(self.glossary, "Tot de volgende behandeling"), []
        )

    def test_the_shipped_glossaries_parse_and_name_the_core_terms(self) -> None:
        for language in check_glossary.GLOSSARY_LANGUAGES:
            text = (check_glossary.GLOSSARY_DIR / f"{language}.md").read_text(encoding="utf-8")
            glossary = check_glossary.parse_glossary(text, language)
            english = {e for term in glossary.terms for e in term.english}
            for term in (
                "course",
                "session",
                "red flag",
                "referral",
                "adverse event",
                "home acupressure",
                "cleared",
                "progress report",
                "GP",
                "discharge summary",
                "registration number",
                "stop rule",
                "stop or refer",
            ):
                self.assertIn(term, english, (language, term))
            self.assertTrue(any(not t.english and t.forbidden for t in glossary.terms), language)
