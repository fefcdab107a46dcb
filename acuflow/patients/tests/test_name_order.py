"""Patient lists file Dutch family names under their main part ("de Boer" under B), and
the search takes the list's own "Family, Given" form as well as "Given Family"."""

from __future__ import annotations

import datetime as dt
import importlib

from django.apps import apps
from django.urls import reverse

from acuflow.core.testing import AcuflowTestCase
from acuflow.patients import selectors, services
from acuflow.patients.models import Patient

fill_migration = importlib.import_module("acuflow.patients.migrations.0004_fill_family_sort")


class NameOrderTestCase(AcuflowTestCase):
    def create(self, given: str, family: str) -> Patient:
        return services.patient_create(
            actor=self.actor(self.reception),
            given_name=given,
            family_name=family,
            birth_date=dt.date(1980, 1, 2),
            sex="female",
            language="nl",
        )

    def listed(self, q: str = "") -> list[str]:
        return [p.full_name for p in selectors.patient_list(actor=self.actor(self.reception), q=q)]


class NameOrderTests(NameOrderTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.patient.delete()  # the personas' "Anna de Jong" is not part of these lists
        for given, family in [
            ("Sem", "Vos"),
            ("Lieke", "van Dijk"),
            ("Bram", "de Boer"),
            ("Anna", "Jansen"),
            ("Tess", "ter Horst"),
            ("Maarten", "van der Berg"),
            ("Ruben", "Bakker"),
            ("Anna", "Boer"),
            ("Zoë", "de Boer"),
        ]:
            self.create(given, family)

    def test_the_list_sorts_on_the_family_names_main_part_then_the_given_name(self) -> None:
        self.assertEqual(
            self.listed(),
            [
                "Ruben Bakker",
                "Maarten van der Berg",
                "Anna Boer",
                "Bram de Boer",
                "Zoë de Boer",
                "Lieke van Dijk",
                "Tess ter Horst",
                "Anna Jansen",
                "Sem Vos",
            ],
        )

    def test_the_patient_page_lists_de_boer_before_vos(self) -> None:
        page = self.client_for(self.reception).get(reverse("patients:list"))
        html = page.content.decode()
        positions = [html.index(name) for name in ("Bakker, Ruben", "de Boer, Bram", "Vos, Sem")]
        self.assertEqual(positions, sorted(positions))

    def test_a_changed_family_name_moves_in_the_list(self) -> None:
        patient = Patient.objects.get(family_name="Vos")
        services.patient_update(
            actor=self.actor(self.reception), patient=patient, data={"family_name": "van Aalst"}
        )
        patient.refresh_from_db()
        self.assertEqual(patient.family_sort, "aalst")
        self.assertEqual(self.listed()[0], "Sem van Aalst")

    def test_the_data_migration_gives_existing_rows_their_key(self) -> None:
        Patient.objects.update(family_sort="")
        fill_migration.fill(apps, None)
        self.assertEqual(
            dict(
                Patient.objects.filter(clinic=self.clinic).values_list("family_name", "family_sort")
            ),
            {
                "Vos": "vos",
                "van Dijk": "dijk",
                "de Boer": "boer",
                "Jansen": "jansen",
                "ter Horst": "horst",
                "van der Berg": "berg",
                "Bakker": "bakker",
                "Boer": "boer",
            },
        )


SEARCHES = [
    # what is typed, who is found (in list order)
    ("de Vries, Bram", ["Bram de Vries"]),
    ("de vries,bram", ["Bram de Vries"]),
    ("Vries, Bram", ["Bram de Vries"]),
    ("Vries, Bram de", ["Bram de Vries"]),
    ("Vries, B", ["Bram de Vries"]),
    ("Bram de Vries", ["Bram de Vries"]),
    ("bram vries", ["Bram de Vries"]),
    ("de Vries", ["Anna de Vries", "Bram de Vries"]),
    ("de Vries,", ["Anna de Vries", "Bram de Vries"]),
    ("Bram", ["Bram Visser", "Bram de Vries"]),
    ("Berg, Maarten van der", ["Maarten van der Berg"]),
    ("van der Berg, Maarten", ["Maarten van der Berg"]),
    ("Maarten van der Berg", ["Maarten van der Berg"]),
    ("Veld, Anna in 't", ["Anna in 't Veld"]),
    # The comma says which name is which: the given name before it finds nobody.
    ("Bram, de Vries", []),
    ("Visser, Anna", []),
]


class NameSearchTests(NameOrderTestCase):
    def setUp(self) -> None:
        super().setUp()
        for given, family in [
            ("Bram", "de Vries"),
            ("Anna", "de Vries"),
            ("Bram", "Visser"),
            ("Maarten", "van der Berg"),
            ("Anna", "in 't Veld"),
        ]:
            self.create(given, family)

    def test_each_form_of_a_name_finds_the_patient(self) -> None:
        for text, expected in SEARCHES:
            with self.subTest(text=text):
                self.assertEqual(self.listed(text), expected)

    def test_the_api_search_takes_the_lists_own_format(self) -> None:
        response = self.api(self.reception, "GET", "/api/v1/patients", {"q": "de Vries, Bram"})
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(
            [(p["given_name"], p["family_name"]) for p in body["items"]], [("Bram", "de Vries")]
        )

    def test_the_search_page_finds_the_lists_own_format(self) -> None:
        page = self.client_for(self.reception).get(
            reverse("patients:list"), {"q": "de Vries, Bram"}
        )
        self.assertContains(page, "de Vries, Bram")
        self.assertNotContains(page, "de Vries, Anna")
