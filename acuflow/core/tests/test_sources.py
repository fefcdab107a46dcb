from __future__ import annotations

from django.test import SimpleTestCase
from django.utils import translation

from acuflow.core.sources import plain_source, source_note

NOTE = "Clinic blog (docs/clinical-sources.md, source 4). Count of signs: convention (unverified)."


class SourceNoteTests(SimpleTestCase):
    def test_repository_references_read_as_words_in_the_readers_language(self) -> None:
        with translation.override("nl"):
            text = plain_source(NOTE)
        self.assertNotIn("docs/", text)
        self.assertNotIn("unverified", text)
        self.assertNotIn("source 4", text)
        self.assertIn("4", text)

    def test_the_english_note_is_marked_as_english_on_other_pages(self) -> None:
        with translation.override("nb"):
            self.assertTrue(source_note("Hill et al. <2008>").startswith('<span lang="en">'))
            self.assertIn("&lt;2008&gt;", source_note("Hill et al. <2008>"))
        with translation.override("en"):
            self.assertNotIn("lang=", source_note(NOTE))
