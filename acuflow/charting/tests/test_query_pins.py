"""Query counts of charting a session (the bench's "charting save") and of the course's
outcome chart stay constant as the course fills with sessions."""

from __future__ import annotations

import datetime as dt

from acuflow.charting import services
from acuflow.charting.models import Session
from acuflow.charting.tests.factories import make_course, session_body
from acuflow.core.testing import AcuflowTestCase


class ChartingQueryPinTests(AcuflowTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.course = make_course(self.actor(self.owner), self.patient)

    def make_rows(self, n: int) -> None:
        for i in range(n):
            services.session_create(
                unbooked_reason="walk-in",
                actor=self.actor(self.owner),
                course=self.course,
                started_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=i % 50),
                nrs_before=6,
                nrs_after=3,
                sites=[{"point": "BL40"}],
                needles_in=2,
                needles_out=2,
            )

    def test_charting_save(self) -> None:
        course = self.course
        url = f"/api/v1/courses/{course.pk}/sessions"
        make_rows = self.make_rows

        def save() -> None:
            r = self.api(self.owner, "POST", url, session_body())
            self.assertEqual(r.status_code, 201, r.content)

        self.assertConstantQueries(make_rows, save)
        self.assertEqual(Session.objects.filter(course=course).count(), 53)

    def test_outcome_chart_of_the_course(self) -> None:
        client = self.client_for(self.owner)
        url = f"/outcomes/courses/{self.course.pk}/"
        self.assertConstantQueries(self.make_rows, lambda: client.get(url))
        self.assertContains(client.get(url), "<svg")
