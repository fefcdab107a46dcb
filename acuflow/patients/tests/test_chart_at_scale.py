"""The patient page stays cheap for a patient with a long history (issue 7 budgets)."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template
from django.utils import translation

from acuflow.charting.models import Session
from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes.tests.factories import make_course
from acuflow.protocols.models import PlannedSession


class PatientPageAtScaleTests(AcuflowTestCase):
    def setUp(self) -> None:
        self.course = make_course(
            self.actor(self.owner),
            self.patient,
            baseline_nrs=7,
            protocol_condition="acute_low_back_pain",
        )

    def test_the_courses_table_does_not_load_planned_sessions(self) -> None:
        # A 1,000-session course has 1,000 planned sessions; the table shows counts only.
        self.assertTrue(PlannedSession.objects.filter(course=self.course).exists())
        client = self.client_for(self.owner)
        with self.count_queries() as queries:
            response = client.get(f"/patients/{self.patient.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f"/courses/{self.course.pk}/")
        touched = [
            q["sql"] for q in queries.captured_queries if "protocols_plannedsession" in q["sql"]
        ]
        self.assertEqual(touched, [])

    def test_a_long_history_shows_the_newest_page_and_the_totals(self) -> None:
        from django.utils import timezone

        from acuflow.charting import services as charting
        from acuflow.charting.views import SECTION_ROWS

        self.owner.language = "en"
        self.owner.save(update_fields=["language"])
        first = timezone.now() - dt.timedelta(days=200)
        self.course.start_date = timezone.localdate(first)  # no session before the course
        self.course.save(update_fields=["start_date"])
        for i in range(SECTION_ROWS + 2):
            charting.session_create(
                unbooked_reason="walk-in",
                actor=self.actor(self.owner),
                course=self.course,
                started_at=first + dt.timedelta(days=7 * i),
                sites=[{"point": "BL40"}],
                needles_in=1,
                needles_out=1,
            )
        response = self.client_for(self.owner).get(f"/patients/{self.patient.pk}/")
        self.assertContains(response, f"The latest {SECTION_ROWS} of {SECTION_ROWS + 2} sessions")
        self.assertContains(response, "/charting/sessions/", count=SECTION_ROWS)

    def test_the_sections_share_one_read_of_the_courses_and_of_the_clinic(self) -> None:
        # Courses, booking, charting and outcomes all show the patient's courses; the
        # page reads them once. The clinic comes with the signed-in user.
        client = self.client_for(self.owner)
        client.get(f"/patients/{self.patient.pk}/")
        with self.count_queries() as queries:
            response = client.get(f"/patients/{self.patient.pk}/")
        self.assertContains(response, f"/charting/courses/{self.course.pk}/")
        sql = [q["sql"] for q in queries.captured_queries]
        self.assertEqual(len([s for s in sql if s.startswith('SELECT "protocols_course"')]), 1)
        self.assertEqual(len([s for s in sql if 'FROM "accounts_clinic"' in s]), 0)
        self.assertEqual(len([s for s in sql if 'FROM "accounts_membership"' in s]), 0)
        # The sections' audit rows are written together, in one INSERT (on PostgreSQL
        # in the statement that also moves the chain's head).
        self.assertEqual(len([s for s in sql if 'INSERT INTO "audit_auditevent"' in s]), 1)


class SessionRowsTests(AcuflowTestCase):
    def test_a_row_shows_the_local_time_who_the_sites_and_the_pain(self) -> None:
        course = make_course(self.actor(self.owner), self.patient, baseline_nrs=7)
        started = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)  # 11 March in Amsterdam
        session = Session.objects.create(
            course=course,
            patient=self.patient,
            practitioner=course.practitioner,
            started_at=started,
            nrs_before=6,
            nrs_after=None,
            sites=[{"point": "BL40"}, {"ims_segment": "L5", "side": "left"}, {"point": "<b>"}],
            needles_in=0,
            needles_out=0,
        )
        self.owner.language = "en"
        self.owner.save(update_fields=["language"])
        page = self.client_for(self.owner).get(f"/patients/{self.patient.pk}/")
        with translation.override("en"):
            when = Template(
                '{% load tz %}{{ d|timezone:"Europe/Amsterdam"|date:"SHORT_DATETIME_FORMAT" }}'
            ).render(Context({"d": started}))
        self.assertIn("03/11/2026", when)
        name = course.practitioner.user.full_name
        self.assertContains(
            page,
            f'<tr><td><a href="/charting/sessions/{session.pk}/">{when}</a></td>'
            f"<td>{name}</td><td>BL40, L5, &lt;b&gt;</td><td>6 / \u2013</td></tr>",
            html=True,
        )
