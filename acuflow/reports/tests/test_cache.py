"""Report PDFs: an unchanged report is served from the cache (no render), a change to
the course is a new PDF, renders are limited per user, and one clinic's cached PDF is
never another's."""

from __future__ import annotations

import itertools
from typing import Any
from unittest import mock

from acuflow.core.actor import Actor
from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes.tests.factories import make_course, make_session
from acuflow.reports import services


class ReportCacheTests(AcuflowTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        actor = Actor(user=cls.owner, clinic=cls.clinic, role="owner", client_address="127.0.0.1")
        cls.course = make_course(actor, cls.patient, baseline_nrs=8)
        make_session(cls.course, days_ago=14, before=8, after=6)

    def setUp(self) -> None:
        super().setUp()
        self.renders: list[str] = []

    def fake_pdf(self, html: str) -> bytes:
        self.renders.append(html)
        return b"%PDF-1.7 render " + str(len(self.renders)).encode()

    def get(self, name: str = "progress", user: Any = None) -> Any:
        return self.api(
            user or self.practitioner, "GET", f"/api/v1/courses/{self.course.pk}/reports/{name}.pdf"
        )

    def test_a_second_request_for_an_unchanged_report_renders_nothing(self) -> None:
        with mock.patch.object(services, "write_pdf", side_effect=self.fake_pdf):
            first = self.get()
            second = self.get()
            by_owner = self.get(user=self.owner)  # another user: the same PDF
        self.assertEqual(first.status_code, 200, first.content[:300])
        self.assertEqual(len(self.renders), 1)
        self.assertEqual(second.content, first.content)
        self.assertEqual(by_owner.content, first.content)
        self.assertIn("Anna", self.renders[0])  # the HTML that went into the renderer

    def test_the_html_of_an_unchanged_report_is_the_same_each_time(self) -> None:
        # The cache key is a digest of it: nothing in it may change between requests.
        for kind in services.KINDS:
            with self.subTest(kind=kind):
                self.assertEqual(
                    services.render_html(self.course, kind=kind),
                    services.render_html(self.course, kind=kind),
                )

    def test_a_change_to_the_course_is_a_new_pdf(self) -> None:
        with mock.patch.object(services, "write_pdf", side_effect=self.fake_pdf):
            before = self.get()
            make_session(self.course, days_ago=7, before=5, after=3)
            after = self.get()
        self.assertEqual(len(self.renders), 2)
        self.assertNotEqual(before.content, after.content)

    def test_each_kind_is_its_own_pdf(self) -> None:
        with mock.patch.object(services, "write_pdf", side_effect=self.fake_pdf):
            self.get("progress")
            self.get("discharge")
        self.assertEqual(len(self.renders), 2)

    def test_renders_beyond_the_limit_answer_429_but_cached_reports_still_come(self) -> None:
        numbers = itertools.count()
        real_html = services.render_html
        with mock.patch.object(services, "write_pdf", side_effect=self.fake_pdf):
            cached = self.get()  # render 1
            with mock.patch.object(
                services,
                "render_html",
                side_effect=lambda course, kind: f"<p>changed {next(numbers)}</p>",
            ):
                answers = [self.get() for _ in range(services.RENDERS.limit)]
            again = self.get()  # the unchanged report: from the cache, not counted
        self.assertEqual(services.render_html, real_html)
        self.assertEqual([a.status_code for a in answers[:-1]], [200] * (len(answers) - 1))
        body = self.assertError(answers[-1], 429, "rate_limited")
        self.assertTrue(body["detail"])
        self.assertEqual(answers[-1]["Retry-After"], "60")
        self.assertEqual(len(self.renders), services.RENDERS.limit)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.content, cached.content)
        # Another user has their own allowance.
        with mock.patch.object(services, "write_pdf", side_effect=self.fake_pdf):
            self.assertEqual(self.get("discharge", user=self.owner).status_code, 200)

    def test_another_clinic_gets_404_before_any_cache_is_read(self) -> None:
        with mock.patch.object(services, "write_pdf", side_effect=self.fake_pdf):
            self.assertEqual(self.get().status_code, 200)
            with mock.patch.object(services, "report_pdf") as cached:
                self.assertError(self.get(user=self.other), 404, "not_found")
        cached.assert_not_called()
        key = services.cache_key(self.course, "progress", "<p>x</p>")
        self.assertIn(f":{self.clinic.pk}:{self.course.pk}:progress:", key)

    def test_the_portal_uses_the_same_cache(self) -> None:
        with mock.patch.object(services, "write_pdf", side_effect=self.fake_pdf):
            self.get()
            pdf = services.report_pdf(self.course, kind="progress", subject="patient:1")
        self.assertEqual(len(self.renders), 1)
        self.assertTrue(pdf.startswith(b"%PDF"))
