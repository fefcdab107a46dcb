"""The "Our results" page, its CSV and its PDF."""

from __future__ import annotations

import csv
import io

from pypdf import PdfReader

from acuflow.analytics.tests.factories import Spec, make_cohort, protocol
from acuflow.analytics.tests.test_claims_api import cohort_specs
from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase


class ResultsPageTests(AcuflowTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.protocol = protocol()
        make_cohort(cls.actor(cls, cls.owner), cls.patient, cohort_specs(cls.practitioner))

    def test_it_shows_the_claims_table_and_charts(self) -> None:
        response = self.client_for(self.owner).get("/analytics/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn(f'data-protocol="{self.protocol.pk}"', html)  # the busiest protocol
        self.assertIn('data-code="onset" data-verdict="holds"', html)
        self.assertIn('class="analytics-chart km-chart"', html)
        self.assertIn('data-day="14" data-value="0.6000"', html)  # session 3 is day 14
        days_chart = html[html.index('id="km-days"') :]
        days_chart = days_chart[: days_chart.index("</svg>")]
        self.assertIn('data-series="median" data-value="14"', days_chart)
        self.assertNotIn('data-series="onset"', days_chart)  # onset is a session number
        self.assertIn('data-series="practitioner"', html)
        self.assertIn('data-series="limit95"', html)
        self.assertIn('id="honesty"', html)

    def test_it_greys_small_cells(self) -> None:
        html = (
            self.client_for(self.owner)
            .get(
                "/analytics/",
                {"protocol": self.protocol.pk, "practitioner": self.practitioner.practitioner.pk},
            )
            .content.decode()
        )
        self.assertIn('data-code="review" data-verdict="too_few" class="greyed"', html)

    def test_it_is_in_the_navigation(self) -> None:
        html = self.client_for(self.practitioner).get("/").content.decode()
        self.assertIn('href="/analytics/"', html)

    def test_it_refuses_reception(self) -> None:
        client = self.client_for(self.reception)
        for path in ("/analytics/", "/analytics/results.csv", "/analytics/results.pdf"):
            self.assertEqual(client.get(path).status_code, 403, path)

    def test_it_shows_a_practitioner_their_own_point(self) -> None:
        html = self.client_for(self.practitioner).get("/analytics/").content.decode()
        self.assertIn('id="funnel-me"', html)
        self.assertIn("<title>Daan Acu: ", html)
        self.assertNotIn("<title>Eva Owner: ", html)

    def test_it_offers_the_practitioner_filter_to_owners_only(self) -> None:
        owner = self.client_for(self.owner).get("/analytics/").content.decode()
        mine = self.client_for(self.practitioner).get("/analytics/").content.decode()
        self.assertIn('name="practitioner"', owner)
        self.assertNotIn('name="practitioner"', mine)

    def test_it_answers_bad_filters_on_the_exports_with_400(self) -> None:
        client = self.client_for(self.owner)
        response = client.get("/analytics/results.csv", {"protocol": self.protocol.pk, "from": "x"})
        self.assertEqual(response.status_code, 400)

    def test_it_exports_the_aggregate_table_as_csv(self) -> None:
        response = self.client_for(self.owner).get(
            "/analytics/results.csv", {"protocol": self.protocol.pk}
        )
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        row = next(
            r
            for r in rows
            if r["row"] == "session"
            and r["session"] == "3"
            and r["measure"] == "responders_30"
            and r["denominator"] == "itt"
        )
        self.assertEqual((row["n"], row["count"], row["low"]), ("100", "60", "0.5020"))
        onset = next(r for r in rows if r["row"] == "claim" and r["measure"] == "onset")
        self.assertEqual(onset["verdict"], "holds")
        self.assertNotIn("de Jong", response.content.decode())  # counts only
        self.assertTrue(
            AuditEvent.objects.filter(object_type="analytics.csv", action="export").exists()
        )

    def test_it_makes_a_pdf_quality_report(self) -> None:
        response = self.client_for(self.owner).get(
            "/analytics/results.pdf", {"protocol": self.protocol.pk}, HTTP_ACCEPT_LANGUAGE="nl"
        )
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        self.assertIn("Test Clinic NL", text)
        self.assertIn("60 %", text)

    def test_it_shows_an_empty_cohort_without_error(self) -> None:
        other = protocol("neck_pain")
        response = self.client_for(self.owner).get("/analytics/", {"protocol": other.pk})
        self.assertEqual(response.status_code, 200)
        self.assertIn("too_few", response.content.decode())

    def test_it_keeps_a_constant_number_of_queries(self) -> None:
        client = self.client_for(self.owner)

        def make_rows(n: int) -> None:
            make_cohort(
                self.actor(self.owner),
                self.patient,
                [Spec([8, 5, 5, 5], practitioner=self.ims)] * n,
            )

        self.assertConstantQueries(
            make_rows, lambda: client.get("/analytics/", {"protocol": self.protocol.pk})
        )
