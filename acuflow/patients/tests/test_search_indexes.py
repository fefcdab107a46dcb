"""On PostgreSQL the name and phone search can be served by the trigram indexes of
migration 0002: the index expressions match the SQL the search really sends."""

from __future__ import annotations

import unittest

from django.db import connection, transaction

from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.patients.models import Patient

postgres_only = unittest.skipUnless(connection.vendor == "postgresql", "needs PostgreSQL")


@postgres_only
class TrigramIndexTests(AcuflowTestCase):
    def plan(self, text: str) -> str:
        # Unscoped, so that the clinic's B-tree cannot stand in for the search itself.
        sql, params = Patient.objects.search(text).query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            # A test table is tiny, so the planner would rather scan it; forbid that (and
            # walking a B-tree in order) to see whether the trigram indexes can answer.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())

    def test_name_words_use_the_trigram_indexes(self) -> None:
        make_patient(self.clinic, "Bram", "Visser")
        plan = self.plan("viss")
        self.assertIn("patients_patient_family_trgm", plan)
        self.assertIn("patients_patient_given_trgm", plan)
        self.assertNotIn("Seq Scan", plan)

    def test_phone_digits_use_their_trigram_index(self) -> None:
        plan = self.plan("98760001")
        self.assertIn("patients_patient_phone_trgm", plan)

    def test_the_search_still_finds_by_any_part_of_a_name(self) -> None:
        make_patient(self.clinic, "Bram", "van der Visser")
        found = Patient.objects.for_clinic(self.clinic).search("DER vis")
        self.assertEqual([p.family_name for p in found], ["van der Visser"])
