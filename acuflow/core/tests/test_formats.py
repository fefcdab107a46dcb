"""short_date() writes a date as the `date` template filter's SHORT_DATE_FORMAT does, in
every language the program ships (acuflow.core.formats)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.template import Context, Template
from django.test import SimpleTestCase
from django.utils import translation

from acuflow.core import formats
from acuflow.core.languages import language_codes

DAYS = [dt.date(2007, 8, 29), dt.date(2026, 1, 5), dt.date(1999, 12, 31), dt.date(2030, 10, 1)]


class ShortDateTests(SimpleTestCase):
    def test_it_writes_what_the_template_filter_writes_in_every_language(self) -> None:
        template = Template('{{ day|date:"SHORT_DATE_FORMAT" }}')
        for language in [*language_codes(), "de", "en-gb"]:
            with self.subTest(language=language), translation.override(language):
                write = formats.short_date()
                for day in DAYS:
                    self.assertEqual(write(day), template.render(Context({"day": day})))

    def test_a_format_with_other_letters_falls_back_to_django(self) -> None:
        with mock.patch.object(formats, "get_format", return_value="D j M Y"):
            write = formats.short_date()
        with mock.patch.object(formats, "date_format", return_value="Django's") as django:
            self.assertEqual(write(dt.date(2026, 1, 5)), "Django's")
        django.assert_called_once_with(dt.date(2026, 1, 5), "SHORT_DATE_FORMAT")

    def test_a_two_digit_year_and_literal_braces(self) -> None:
        with mock.patch.object(formats, "get_format", return_value="{d}/m/y"):
            write = formats.short_date()
        self.assertEqual(write(dt.date(2007, 8, 9)), "{09}/08/07")
