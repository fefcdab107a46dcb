from __future__ import annotations

import datetime as dt
import io

from django.template import Context, Template
from django.utils import timezone, translation

from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes.models import InstrumentText, Response
from acuflow.outcomes.tests.factories import make_course, make_session
from acuflow.protocols.models import PlannedSession


class ResponsePageTests(AcuflowTestCase):
    def test_staff_enter_a_peg_for_a_course_and_land_on_its_outcome_page(self) -> None:
        course = make_course(self.actor(self.owner), self.patient)
        client = self.client_for(self.practitioner)
        url = f"/outcomes/patients/{self.patient.pk}/responses/new/"
        page = client.get(url, {"instrument": "peg", "course": course.pk})
        self.assertContains(page, 'name="a_enjoyment"')
        resp = client.post(
            url,
            {
                "instrument": "peg",
                "course": str(course.pk),
                "a_pain": "6",
                "a_enjoyment": "6",
                "a_activity": "3",
            },
        )
        self.assertRedirects(resp, f"/outcomes/courses/{course.pk}/")
        saved = Response.objects.get()
        self.assertEqual(
            (saved.score, saved.course, saved.entered_by), (5.0, course, self.practitioner)
        )

    def test_errors_are_shown_next_to_the_item_and_nothing_is_saved(self) -> None:
        client = self.client_for(self.practitioner)
        url = f"/outcomes/patients/{self.patient.pk}/responses/new/"
        page = client.post(url, {"instrument": "nrs", "a_worst": "12"})
        self.assertContains(page, "this answer is required")
        self.assertContains(page, "must be between 0 and 10")
        self.assertFalse(Response.objects.exists())

    def test_psfs_activities_are_carried_into_the_next_form(self) -> None:
        client = self.client_for(self.practitioner)
        url = f"/outcomes/patients/{self.patient.pk}/responses/new/"
        client.post(
            url,
            {
                "instrument": "psfs",
                "act_name_1": "Gardening",
                "act_score_1": "3",
                "act_name_2": "Cycling",
                "act_score_2": "4",
                "act_name_3": "Lifting the grandchildren",
                "act_score_3": "2",
            },
        )
        self.assertEqual(Response.objects.get().score, 3.0)
        page = client.get(url, {"instrument": "psfs"}, HTTP_HX_REQUEST="true")
        self.assertContains(page, 'value="Lifting the grandchildren"')
        self.assertNotContains(page, "<html")

    def test_a_licensed_instrument_shows_its_licence_note_and_accepts_a_paper_form(self) -> None:
        client = self.client_for(self.practitioner)
        url = f"/outcomes/patients/{self.patient.pk}/responses/new/"
        page = client.get(url, {"instrument": "rmdq"})
        self.assertContains(page, "data-licence")
        data = {"instrument": "rmdq"} | {f"a_q{i}": "1" if i <= 5 else "0" for i in range(1, 25)}
        client.post(url, data)
        self.assertEqual(Response.objects.get().score, 5)

    def test_reception_cannot_open_the_questionnaire_pages(self) -> None:
        client = self.client_for(self.reception)
        self.assertEqual(
            client.get(f"/outcomes/patients/{self.patient.pk}/responses/new/").status_code, 403
        )

    def test_patient_page_lists_recent_scores(self) -> None:
        client = self.client_for(self.practitioner)
        client.post(
            f"/outcomes/patients/{self.patient.pk}/responses/new/",
            {"instrument": "nrs", "a_usual": "7"},
        )
        page = client.get(f"/patients/{self.patient.pk}/")
        self.assertContains(page, 'id="outcomes"')
        reception_page = self.client_for(self.reception).get(f"/patients/{self.patient.pk}/")
        self.assertNotContains(reception_page, 'id="outcomes"')


class CourseOutcomePageTests(AcuflowTestCase):
    def setUp(self) -> None:
        self.course = make_course(self.actor(self.owner), self.patient)

    def test_page_shows_the_chart_scores_and_report_links(self) -> None:
        make_session(self.course, days_ago=7, before=7, after=5)
        page = self.client_for(self.practitioner).get(f"/outcomes/courses/{self.course.pk}/")
        self.assertContains(page, 'class="outcome-chart"')
        self.assertContains(page, 'data-series="nrs_before" data-session="1" data-value="7"')
        self.assertContains(page, f"/api/v1/courses/{self.course.pk}/reports/gp-letter.pdf")

    def test_sessions_table_shows_the_local_date_in_the_language_and_a_dash_for_no_nrs(
        self,
    ) -> None:
        # 23:30 UTC is the next day in Amsterdam: the row shows the clinic's date.
        session = make_session(self.course, days_ago=7, before=7, after=None)
        session.started_at = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)
        session.save(update_fields=["started_at"])
        make_session(self.course, days_ago=1, before=None, after=3)
        for language in ("en", "nl"):
            with self.subTest(language=language):
                self.practitioner.language = language
                self.practitioner.save(update_fields=["language"])
                page = self.client_for(self.practitioner).get(
                    f"/outcomes/courses/{self.course.pk}/"
                )
                self.assertEqual(page.headers["Content-Language"], language)
                with translation.override(language), timezone.override("Europe/Amsterdam"):
                    shown = Template('{{ d|date:"SHORT_DATE_FORMAT" }}').render(
                        Context({"d": dt.datetime(2026, 3, 11, 0, 30, tzinfo=dt.UTC)})
                    )
                self.assertIn(shown, ("03/11/2026", "11-3-2026"))
                self.assertContains(
                    page, f"<tr><td>1</td><td>{shown}</td><td>7</td><td>\u2014</td></tr>", html=True
                )
                self.assertContains(page, "<td>2</td>", count=1)

    def test_the_page_does_not_load_the_planned_sessions(self) -> None:
        # A 1,000-session course has 1,000 planned sessions; the page lists none of them.
        self.assertTrue(PlannedSession.objects.filter(course=self.course).exists())
        client = self.client_for(self.practitioner)
        with self.count_queries() as queries:
            page = client.get(f"/outcomes/courses/{self.course.pk}/")
        self.assertEqual(page.status_code, 200)
        touched = [
            q["sql"] for q in queries.captured_queries if "protocols_plannedsession" in q["sql"]
        ]
        self.assertEqual(touched, [])

    def test_a_one_time_link_is_made_for_the_patient(self) -> None:
        client = self.client_for(self.practitioner)
        resp = client.post(
            f"/outcomes/courses/{self.course.pk}/link/",
            {"instrument": "nrs"},
            HTTP_HX_REQUEST="true",
        )
        self.assertContains(resp, "/nl/questionnaire/")

    def test_query_count_does_not_grow_with_sessions_and_responses(self) -> None:
        days = iter(range(300, 0, -1))
        client = self.client_for(self.practitioner)

        def make_rows(n: int) -> None:
            for _ in range(n):
                day = next(days)
                make_session(self.course, days_ago=day, before=6, after=4)
                Response.objects.create(
                    patient=self.patient,
                    course=self.course,
                    instrument="nrs",
                    instrument_version="1",
                    language="nl",
                    answers={"usual": 5},
                    score=5,
                    subscores={"usual": 5},
                    interpretation="moderate",
                    source="staff",
                    recorded_at=timezone.now() - dt.timedelta(days=day),
                )

        url = f"/outcomes/courses/{self.course.pk}/"
        self.assertConstantQueries(make_rows, lambda: client.get(url))


class InstrumentPageTests(AcuflowTestCase):
    def test_owner_loads_a_licensed_text_file(self) -> None:
        import json

        content = {
            "title": "STarT Back (licensed)",
            "items": {f"q{i}": {"text": f"Item {i}"} for i in range(1, 10)},
        }
        upload = io.BytesIO(json.dumps(content).encode())
        upload.name = "startback-nl.json"
        client = self.client_for(self.owner)
        resp = client.post(
            "/outcomes/instruments/",
            {
                "instrument": "startback",
                "language": "nl",
                "file": upload,
                "licence_reference": "Keele non-commercial",
            },
        )
        self.assertRedirects(resp, "/outcomes/instruments/")
        text = InstrumentText.objects.get()
        self.assertEqual(
            (text.clinic, text.instrument, text.language), (self.clinic, "startback", "nl")
        )
        page = client.get("/outcomes/instruments/")
        self.assertContains(page, "Keele")

    def test_a_file_that_does_not_fit_is_refused_and_a_practitioner_may_not_load(self) -> None:
        upload = io.BytesIO(b'{"items": {"q1": {"text": "only one"}}}')
        upload.name = "bad.json"
        page = self.client_for(self.owner).post(
            "/outcomes/instruments/", {"instrument": "startback", "language": "nl", "file": upload}
        )
        self.assertContains(page, "no text for")
        upload.seek(0)
        resp = self.client_for(self.practitioner).post(
            "/outcomes/instruments/", {"instrument": "startback", "language": "nl", "file": upload}
        )
        self.assertEqual(resp.status_code, 403)
        self.assertFalse(InstrumentText.objects.exists())
