"""The week calendar's column headers use the user's language for day and month names
and the language's own day-month order (Django's MONTH_DAY_FORMAT)."""

from __future__ import annotations

import datetime as dt
import re

from acuflow.scheduling.tests.test_pages import PagesTestCase

# A Monday in November, March and May: months whose Dutch, Norwegian and Spanish names
# differ from the English abbreviations.
DAYS = (dt.date(2026, 11, 16), dt.date(2027, 3, 15), dt.date(2027, 5, 3))
EXPECTED = {
    "nl": ("ma 16 november", "ma 15 maart", "ma 3 mei"),
    "nb": ("man 16. november", "man 15. mars", "man 3. mai"),
    "es": ("lun 16 de noviembre", "lun 15 de marzo", "lun 3 de mayo"),
    "en": ("Mon November 16", "Mon March 15", "Mon May 3"),
}


class WeekHeaderLanguageTests(PagesTestCase):
    def headers(self, language: str, day: dt.date) -> list[str]:
        self.reception.language = language
        self.reception.save(update_fields=["language"])
        page = self.client_for(self.reception).get(
            f"/calendar/?practitioner={self.acu.pk}&view=week&date={day}"
        )
        self.assertEqual(page.status_code, 200)
        # A public holiday adds its name in a span after the date.
        found = re.findall(
            r'<h2 class="cal-head">([^<]*)(?:<span class="cal-closed"[^>]*>[^<]*</span>)?</h2>',
            page.content.decode(),
        )
        return [" ".join(header.split()) for header in found]

    def test_the_weekday_has_a_line_of_its_own_so_the_date_is_never_cut_off(self) -> None:
        self.reception.language = "nb"
        self.reception.save(update_fields=["language"])
        page = self.client_for(self.reception).get(
            f"/calendar/?practitioner={self.acu.pk}&view=week&date={DAYS[0]}"
        )
        self.assertIn('<h2 class="cal-head">man\n16. november</h2>', page.content.decode())

    def test_week_headers_show_day_and_month_names_in_the_users_language(self) -> None:
        for language, expected in EXPECTED.items():
            for day, header in zip(DAYS, expected, strict=True):
                with self.subTest(language=language, day=day):
                    headers = self.headers(language, day)
                    self.assertEqual(len(headers), 7)  # one column per day
                    self.assertIn(header, headers)

    def test_dutch_week_headers_have_no_english_month_abbreviation(self) -> None:
        headers = self.headers("nl", DAYS[0])
        self.assertTrue(headers)
        for header in headers:
            self.assertNotRegex(header, r"\b(Nov|Mar|May|Oct|Mrt|Okt)\b")
