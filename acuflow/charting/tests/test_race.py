"""On PostgreSQL: sessions saved at the same moment, and a close racing them, keep the
course's counts exact (every write locks the course row first)."""

from __future__ import annotations

import datetime as dt
import threading
import unittest

from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from acuflow.charting import services
from acuflow.charting.models import Session
from acuflow.core.errors import DomainError
from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes.tests.factories import make_course
from acuflow.protocols import services as protocol_services
from acuflow.protocols.models import Course, CourseObservation

postgres_only = unittest.skipUnless(connection.vendor == "postgresql", "needs PostgreSQL")


@postgres_only
class RacingSessionsTests(TransactionTestCase):
    saves = 20

    def setUp(self) -> None:
        AcuflowTestCase.setUpTestData.__func__(self)  # type: ignore[attr-defined]
        self.actor_owner = AcuflowTestCase.actor(self, self.owner)  # type: ignore[arg-type,attr-defined]

    def _race(self, *, with_close: bool) -> tuple[list[str], Course]:
        course = make_course(self.actor_owner, self.patient)  # type: ignore[attr-defined]
        barrier = threading.Barrier(self.saves + (1 if with_close else 0))
        outcomes: list[str] = []
        guard = threading.Lock()

        def save(i: int) -> None:
            try:
                mine = Course.objects.select_related("patient", "assessment").get(pk=course.pk)
                barrier.wait(timeout=30)
                try:
                    services.session_create(
                        unbooked_reason="walk-in",
                        actor=self.actor_owner,
                        course=mine,
                        started_at=timezone.now() - dt.timedelta(minutes=self.saves - i),
                        sites=[{"point": "BL40"}],
                        needles_in=2,
                        needles_out=2,
                        nrs_before=5,
                    )
                    result = "saved"
                except DomainError as exc:
                    result = exc.code
                with guard:
                    outcomes.append(result)
            finally:
                connection.close()

        def close() -> None:
            try:
                mine = Course.objects.select_related("patient").get(pk=course.pk)
                barrier.wait(timeout=30)
                protocol_services.course_close(
                    actor=self.actor_owner, course=mine, state="stopped", note="race"
                )
                with guard:
                    outcomes.append("closed")
            finally:
                connection.close()

        threads = [threading.Thread(target=save, args=(i,)) for i in range(self.saves)]
        if with_close:
            threads.append(threading.Thread(target=close))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        course.refresh_from_db()
        return outcomes, course

    def assertCountsAgree(self, course: Course) -> None:  # noqa: N802
        sessions = Session.objects.filter(course=course).count()
        observed = CourseObservation.objects.filter(course=course, source="session").count()
        self.assertEqual((course.sessions_done, observed), (sessions, sessions))

    def test_twenty_concurrent_saves_are_all_counted(self) -> None:
        outcomes, course = self._race(with_close=False)
        self.assertEqual(outcomes.count("saved"), self.saves, outcomes)
        self.assertEqual(course.sessions_done, self.saves)
        self.assertCountsAgree(course)

    def test_a_close_racing_the_saves_lets_no_session_in_after_it(self) -> None:
        outcomes, course = self._race(with_close=True)
        self.assertIn("closed", outcomes)
        saved = outcomes.count("saved")
        refused = outcomes.count("course_closed")
        self.assertEqual(saved + refused, self.saves, outcomes)
        self.assertEqual(course.state, "stopped")
        self.assertCountsAgree(course)
        self.assertEqual(course.sessions_done, saved)
        # nothing was committed after the close
        self.assertFalse(
            Session.objects.filter(course=course, created_at__gt=course.closed_at).exists()
        )
