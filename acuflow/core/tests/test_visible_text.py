from __future__ import annotations

from django.test import SimpleTestCase

from acuflow.core.visible_text import problems, visible_text


class VisibleTextTests(SimpleTestCase):
    def test_it_reads_text_and_labels_but_not_scripts_hidden_or_other_languages(self) -> None:
        html = (
            "<p>Uw afspraak<script>var the_code = 1;</script></p>"
            '<input type="search" placeholder="Zoeken"><input type="hidden" value="the">'
            '<div hidden>Select an option</div><cite lang="en">Low back pain</cite>'
            "<p>Volgende<br>stap</p>"
        )
        self.assertEqual(visible_text(html, "nl"), ["Uw afspraak", "Zoeken", "Volgende", "stap"])

    def test_it_finds_english_words_and_codes_on_a_dutch_page(self) -> None:
        found = problems("Soort afspraak: Follow-up treatment (both) bladder_bowel", "nl")
        self.assertEqual(
            found, ["code 'bladder_bowel'", "word 'Follow-up'", "word 'treatment'", "word 'both'"]
        )

    def test_dutch_words_it_shares_with_english_pass(self) -> None:
        self.assertEqual(problems("Week 48, november: is het open of mild?", "nl"), [])

    def test_an_english_page_is_checked_for_dutch_and_norwegian(self) -> None:
        self.assertEqual(problems("Eerlijk over wat u mag verwachten", "en"), ["word 'wat'"])
        self.assertEqual(problems("What you can expect", "en"), [])
