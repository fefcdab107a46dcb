"""Dutch family-name prefixes and the name search's forms: pure functions, no database."""

from __future__ import annotations

from django.test import SimpleTestCase

from acuflow.patients.names import (
    NameSearch,
    family_sort_key,
    parse_name_search,
    split_family_name,
)

SPLITS = [
    # family name, prefix, main part
    ("Jansen", "", "Jansen"),
    ("de Boer", "de", "Boer"),
    ("van Dijk", "van", "Dijk"),
    ("van der Berg", "van der", "Berg"),
    ("van den Heuvel", "van den", "Heuvel"),
    ("van de Kamp", "van de", "Kamp"),
    ("ten Brink", "ten", "Brink"),
    ("ter Horst", "ter", "Horst"),
    ("den Uyl", "den", "Uyl"),
    ("in 't Veld", "in 't", "Veld"),
    ("in \u2019t Veld", "in \u2019t", "Veld"),  # a typographic apostrophe
    ("op de Beek", "op de", "Beek"),
    ("uit den Bogaard", "uit den", "Bogaard"),
    ("van 't Hek", "van 't", "Hek"),
    ("Van Dijk", "Van", "Dijk"),  # capitalised as at the start of a sentence
    ("VAN DER BERG", "VAN DER", "BERG"),
    ("d'Ancona", "d'", "Ancona"),
    ("van Dijk-de Boer", "van", "Dijk-de Boer"),  # a double name sorts on its first
    ("de la Fuente", "de la", "Fuente"),  # Spanish files it under F as well
    ("Van", "", "Van"),  # a prefix word alone is the name itself
    ("de Van", "de", "Van"),
    ("Vandermeer", "", "Vandermeer"),  # not a prefix: one word
    ("Devries", "", "Devries"),
    ("Terhorst", "", "Terhorst"),
    ("  de   Vries  ", "de", "Vries"),
    ("", "", ""),
]

SORT_KEYS = [
    ("de Boer", "boer"),
    ("Boer", "boer"),
    ("van der Berg", "berg"),
    ("Özdemir", "ozdemir"),
    ("Núñez", "nunez"),
    ("Sørensen", "sørensen"),  # ø is a letter of its own, after z
    ("Åsheim", "åsheim"),  # so is å: not folded into a
]

SEARCHES = [
    # what is typed, what it means
    ("vries", NameSearch(either=("vries",))),
    ("Bram de Vries", NameSearch(either=("Bram", "de", "Vries"))),
    ("de Vries, Bram", NameSearch(family=("de", "Vries"), given=("Bram",))),
    ("de Vries,Bram", NameSearch(family=("de", "Vries"), given=("Bram",))),
    ("Vries, Bram de", NameSearch(family=("de", "Vries"), given=("Bram",))),
    ("Berg, Maarten van der", NameSearch(family=("van", "der", "Berg"), given=("Maarten",))),
    ("de Vries,", NameSearch(family=("de", "Vries"))),
    (", Bram", NameSearch(given=("Bram",))),
    ("Veld, Anna in \u2019t", NameSearch(family=("in", "\u2019t", "Veld"), given=("Anna",))),
    ("Smit, Anna Maria", NameSearch(family=("Smit",), given=("Anna", "Maria"))),
]


class PrefixSplitTests(SimpleTestCase):
    def test_family_names_split_into_prefix_and_main_part(self) -> None:
        for family, prefix, main in SPLITS:
            with self.subTest(family=family):
                self.assertEqual(split_family_name(family), (prefix, main))

    def test_sort_keys_are_the_folded_main_part(self) -> None:
        for family, key in SORT_KEYS:
            with self.subTest(family=family):
                self.assertEqual(family_sort_key(family), key)

    def test_dutch_names_sort_on_their_main_part(self) -> None:
        names = ["Vos", "van Dijk", "de Boer", "Jansen", "ter Horst", "van der Berg", "Bakker"]
        self.assertEqual(
            sorted(names, key=family_sort_key),
            ["Bakker", "van der Berg", "de Boer", "van Dijk", "ter Horst", "Jansen", "Vos"],
        )


class NameSearchFormTests(SimpleTestCase):
    def test_search_text_is_read_as_family_and_given_names(self) -> None:
        for text, expected in SEARCHES:
            with self.subTest(text=text):
                self.assertEqual(parse_name_search(text), expected)
