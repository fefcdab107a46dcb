"""Query count of the patient search (the bench's "patient search") stays constant with
the number of matches."""

from __future__ import annotations

from acuflow.core.testing import AcuflowTestCase, make_patient


class PatientSearchQueryPinTests(AcuflowTestCase):
    def test_patient_search(self) -> None:
        made = {"n": 0}

        def rows(n: int) -> None:
            for _ in range(n):
                made["n"] += 1
                make_patient(self.clinic, f"Q{made['n']}", "Zoeklicht")

        # more matches than the page from the start: a page that holds every match
        # skips its COUNT (core.api.schemas.paged), one query fewer, not more
        rows(20)
        query = {"q": "Zoeklicht", "limit": 20}
        self.assertConstantQueries(
            rows, lambda: self.api(self.owner, "GET", "/api/v1/patients", query)
        )
        found = self.api(self.owner, "GET", "/api/v1/patients", query).json()
        self.assertEqual(found["count"], 70)
        self.assertEqual(len(found["items"]), 20)
