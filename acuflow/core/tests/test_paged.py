from __future__ import annotations

from acuflow.core.api.schemas import paged
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.patients.models import Patient


class PagedTests(AcuflowTestCase):
    """`paged` counts only when the page does not tell the total by itself."""

    def setUp(self) -> None:
        super().setUp()
        for i in range(4):
            make_patient(self.clinic, f"Paged{i}", "Test")
        self.qs = Patient.objects.filter(given_name__startswith="Paged").order_by("pk")
        self.ids = list(self.qs.values_list("pk", flat=True))

    def page(self, limit: int, offset: int, queries: int) -> tuple[list[int], int]:
        with self.assertNumQueries(queries):
            rows, count = paged(self.qs, limit, offset)
        return [p.pk for p in rows], count

    def test_a_page_that_holds_the_rest_needs_no_count(self) -> None:
        self.assertEqual(self.page(10, 0, 1), (self.ids, 4))
        self.assertEqual(self.page(4, 0, 1), (self.ids, 4))
        self.assertEqual(self.page(3, 2, 1), (self.ids[2:], 4))

    def test_more_rows_than_the_page_or_an_offset_past_the_end_are_counted(self) -> None:
        self.assertEqual(self.page(3, 0, 2), (self.ids[:3], 4))
        self.assertEqual(self.page(1, 1, 2), (self.ids[1:2], 4))
        self.assertEqual(self.page(5, 9, 2), ([], 4))

    def test_nothing_found(self) -> None:
        with self.assertNumQueries(1):
            self.assertEqual(paged(self.qs.filter(pk=0), 5, 0), ([], 0))
