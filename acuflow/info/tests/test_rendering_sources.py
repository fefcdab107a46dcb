from __future__ import annotations

from django.test import SimpleTestCase

from acuflow.info.rendering import render_markdown


class SourcesListLanguageTests(SimpleTestCase):
    def test_the_reference_list_is_marked_as_english_and_the_rest_is_not(self) -> None:
        html = render_markdown(
            "## Wat u kunt verwachten\n\n- rust\n\n## Bronnen\n\n- Vickers AJ. *J Pain* 2018.\n"
        )
        self.assertEqual(html.count('lang="en"'), 1)
        self.assertIn('<ul lang="en">\n<li>Vickers AJ.', html)
        self.assertIn("<ul>\n<li>rust</li>", html)

    def test_raw_html_is_still_escaped(self) -> None:
        self.assertNotIn("<script>", render_markdown("## Bronnen\n\n- <script>x</script>\n"))
