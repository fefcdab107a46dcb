from __future__ import annotations

from django.conf import settings
from django.test import SimpleTestCase

from acuflow.info.library import CONTENT_DIR, REQUIRED_SLUGS, library_articles, parse_article


class LibraryFileTests(SimpleTestCase):
    def test_every_required_article_exists_in_all_four_languages(self) -> None:
        found = {(a.slug, a.language) for a in library_articles()}
        for slug in REQUIRED_SLUGS:
            for code, _name in settings.LANGUAGES:
                self.assertIn((slug, code), found, f"missing {slug}/{code}.md")

    def test_each_article_has_the_sections_patients_need(self) -> None:
        # Evidence with its sources, the stop rule and warning signs, in every language.
        stop_words = {
            "en": "Stop rule",
            "nl": "Stopregel",
            "nb": "Stoppregel",
            "es": "Criterio de suspensión",
        }
        for article in library_articles():
            self.assertTrue(article.title and article.summary, article)
            self.assertIn(
                stop_words[article.language], article.body, (article.slug, article.language)
            )
            self.assertGreaterEqual(
                article.body.count("\n## "), 5, (article.slug, article.language)
            )

    def test_back_pain_articles_show_that_guidelines_disagree(self) -> None:
        for article in library_articles():
            if "back-pain" in article.slug or article.slug == "sciatica":
                self.assertIn("NICE", article.body)
                self.assertIn("ACP", article.body)

    def test_the_ms_article_says_the_evidence_is_weak_in_every_language(self) -> None:
        weak = {"en": "weak", "nl": "zwak", "nb": "svak", "es": "débil"}
        for article in library_articles():
            if article.slug == "multiple-sclerosis":
                self.assertIn("Karpatkin", article.body)
                self.assertIn(weak[article.language], article.body)

    def test_a_file_without_a_header_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            parse_article("no header here", slug="x", language="en")
        with self.assertRaises(ValueError):
            parse_article("---\ntitle: T\nno end", slug="x", language="en")

    def test_content_lives_in_one_folder_per_slug(self) -> None:
        self.assertTrue((CONTENT_DIR / "acupuncture" / "en.md").exists())
