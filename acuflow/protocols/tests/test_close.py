"""Closing a course: completed, stopped or referred; a closed course takes no sessions."""

from __future__ import annotations

from acuflow.audit.models import AuditEvent
from acuflow.charting.tests.factories import session_body
from acuflow.outcomes.tests.factories import make_course
from acuflow.protocols import services
from acuflow.protocols.models import Course
from acuflow.protocols.tests.test_pages import EnglishPagesTestCase


class CourseCloseTests(EnglishPagesTestCase):
    def setUp(self) -> None:
        self.course = make_course(
            self.actor(self.owner),
            self.patient,
            baseline_nrs=7,
            protocol_condition="acute_low_back_pain",
        )
        self.url = f"/api/v1/courses/{self.course.pk}/close"

    def test_service_closes_with_each_state_and_writes_one_audit_row(self) -> None:
        for state in ("completed", "stopped", "referred"):
            with self.subTest(state=state):
                Course.objects.filter(pk=self.course.pk).update(state="active")
                course = Course.objects.get(pk=self.course.pk)
                before = AuditEvent.objects.filter(object_id=str(course.pk)).count()
                services.course_close(
                    actor=self.actor(self.practitioner), course=course, state=state, note=" why "
                )
                course.refresh_from_db()
                self.assertEqual(course.state, state)
                self.assertEqual(course.close_note, "why")
                self.assertEqual(course.closed_by, self.practitioner)
                self.assertIsNotNone(course.closed_at)
                events = AuditEvent.objects.filter(object_id=str(course.pk))
                self.assertEqual(events.count(), before + 1)
                self.assertEqual(events.latest("id").action, "update")

    def test_api_closes_a_course_and_returns_its_state_and_note(self) -> None:
        response = self.api(
            self.practitioner, "POST", self.url, {"state": "referred", "note": "To the GP"}
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["state"], body["close_note"]), ("referred", "To the GP"))
        self.assertIsNotNone(body["closed_at"])
        self.assertEqual(Course.objects.get().state, "referred")

    def test_api_unknown_state_is_422_with_the_field_named_and_changes_nothing(self) -> None:
        for state in ("active", "finished", ""):
            with self.subTest(state=state):
                body = self.assertError(
                    self.api(self.practitioner, "POST", self.url, {"state": state}),
                    422,
                    "validation_error",
                )
                self.assertIn("state", body["fields"])
        self.assertEqual(Course.objects.get().state, "active")

    def test_api_closing_a_closed_course_is_409_course_closed(self) -> None:
        self.api(self.practitioner, "POST", self.url, {"state": "completed"})
        self.assertError(
            self.api(self.practitioner, "POST", self.url, {"state": "stopped"}),
            409,
            "course_closed",
        )
        self.assertEqual(Course.objects.get().state, "completed")

    def test_api_close_is_403_for_reception_and_404_for_another_clinic(self) -> None:
        self.assertError(self.api(self.reception, "POST", self.url, {"state": "stopped"}), 403)
        self.assertError(self.api(self.other, "POST", self.url, {"state": "stopped"}), 404)
        self.assertEqual(Course.objects.get().state, "active")

    def test_api_unknown_body_field_is_422(self) -> None:
        self.assertError(
            self.api(self.practitioner, "POST", self.url, {"state": "stopped", "why": "x"}), 422
        )

    def test_closed_course_refuses_a_new_session_with_409_course_closed(self) -> None:
        sessions = f"/api/v1/courses/{self.course.pk}/sessions"
        ok = self.api(self.practitioner, "POST", sessions, session_body())
        self.assertEqual(ok.status_code, 201, ok.content)
        self.api(self.practitioner, "POST", self.url, {"state": "stopped"})
        self.assertError(
            self.api(self.practitioner, "POST", sessions, session_body()), 409, "course_closed"
        )
        self.assertEqual(Course.objects.get().sessions_done, 1)

    def test_course_page_offers_the_close_form_next_to_the_recommendation(self) -> None:
        page = self.client_for(self.practitioner).get(f"/courses/{self.course.pk}/")
        html = page.content.decode()
        self.assertIn('id="close-course"', html)
        # the form sits inside the recommendation card
        card = html[html.index('id="recommendation"') :]
        self.assertLess(card.index('id="close-course"'), card.index("</section>"))
        self.assertNotContains(page, 'id="course-state"')

    def test_course_page_close_form_closes_and_shows_the_state_prominently(self) -> None:
        client = self.client_for(self.practitioner)
        response = client.post(
            f"/courses/{self.course.pk}/close/", {"state": "referred", "note": "Orthopaedics"}
        )
        self.assertRedirects(response, f"/courses/{self.course.pk}/")
        page = client.get(f"/courses/{self.course.pk}/")
        self.assertContains(page, 'id="course-state"')
        self.assertContains(page, "This course is closed: Referred.")
        self.assertContains(page, "Orthopaedics")
        self.assertNotContains(page, 'id="close-course"')
        self.assertEqual(Course.objects.get().state, "referred")

    def test_course_page_close_form_rejects_an_unknown_state(self) -> None:
        page = self.client_for(self.practitioner).post(
            f"/courses/{self.course.pk}/close/", {"state": "active"}
        )
        self.assertEqual(page.status_code, 422)
        self.assertEqual(Course.objects.get().state, "active")

    def test_course_page_close_of_another_clinic_is_404(self) -> None:
        page = self.client_for(self.other).post(
            f"/courses/{self.course.pk}/close/", {"state": "stopped"}
        )
        self.assertEqual(page.status_code, 404)
        self.assertEqual(Course.objects.get().state, "active")
