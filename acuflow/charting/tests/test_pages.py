from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from acuflow.audit.models import AuditEvent
from acuflow.charting import services
from acuflow.charting.models import Session, SessionDraft
from acuflow.charting.tests.factories import make_course
from acuflow.core.testing import AcuflowTestCase


class ChartingPageTests(AcuflowTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.course = make_course(
            cls.actor(cls, cls.owner),  # type: ignore[arg-type]
            cls.patient,
            start_date=dt.date(2025, 2, 1),
        )

    def chart_url(self) -> str:
        return f"/charting/courses/{self.course.pk}/chart/"

    def draft_url(self) -> str:
        return f"/charting/courses/{self.course.pk}/draft/"

    def make_session(self, **extra):  # type: ignore[no-untyped-def]
        fields = {
            "started_at": timezone.now(),
            "sites": [{"point": "BL40"}],
            "needles_in": 2,
            "needles_out": 2,
            "unbooked_reason": "walk-in",
        }
        fields.update(extra)
        return services.session_create(actor=self.actor(self.owner), course=self.course, **fields)

    def test_the_charting_screen_offers_the_protocol_point_set_and_the_previous_session(
        self,
    ) -> None:
        client = self.client_for(self.owner)
        response = client.get(self.chart_url())
        self.assertContains(response, 'id="point-q"')
        self.assertContains(response, 'id="apply-protocol"')
        self.assertNotContains(response, 'id="copy-previous"')
        protocol = response.context["protocol_sites"]
        self.assertIn({"point": "BL40", "side": "both"}, protocol)
        self.assertIn({"point": "GV4", "side": "none"}, protocol)
        self.make_session(sites=[{"point": "GB30", "side": "left"}], needles_in=1, needles_out=1)
        response = client.get(self.chart_url())
        self.assertContains(response, 'id="copy-previous"')
        self.assertEqual(
            response.context["previous_data"]["sites"], [{"point": "GB30", "side": "left"}]
        )

    def test_point_search_partial_finds_codes_regions_and_ims_segments(self) -> None:
        client = self.client_for(self.ims)
        response = client.get("/charting/points/", {"q": "bl 40 l"})
        self.assertContains(response, 'data-code="BL40"')
        self.assertContains(response, 'data-side="left"')
        response = client.get("/charting/points/", {"q": "knee"})
        self.assertContains(response, 'data-code="ASHI-KNEE"')
        response = client.get("/charting/points/", {"q": "L5 glut"})
        self.assertContains(response, 'data-muscle="gluteus_medius"')
        self.assertNotContains(response, 'data-muscle="multifidus"')
        not_ims = self.client_for(self.owner).get("/charting/points/", {"q": "L5"})
        self.assertNotContains(not_ims, "data-muscle")
        self.assertContains(not_ims, 'aria-disabled="true"')

    def test_the_draft_is_saved_and_comes_back(self) -> None:
        client = self.client_for(self.owner)
        state = {"sites": [{"point": "LI4", "side": "both"}], "subjective": "half typed"}
        response = client.post(self.draft_url(), json.dumps(state), content_type="application/json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(SessionDraft.objects.get().data, state)
        page = client.get(self.chart_url())
        self.assertEqual(page.context["state"], state)
        self.assertTrue(page.context["draft_saved_at"])
        self.assertEqual(client.get(self.draft_url()).json()["data"], state)
        # Another practitioner has their own draft, not this one.
        self.assertIsNone(self.client_for(self.practitioner).get(self.draft_url()).json()["data"])
        client.post(self.draft_url(), {"discard": "1"})
        self.assertFalse(SessionDraft.objects.exists())

    def test_a_closed_course_offers_no_charting_form_and_keeps_no_draft(self) -> None:
        from acuflow.protocols.services import course_close

        client = self.client_for(self.owner)
        self.assertEqual(
            client.post(self.draft_url(), json.dumps({"n": 1}), content_type="application/json")
            .json()
            .keys(),
            {"saved_at"},
        )
        course_close(actor=self.actor(self.owner), course=self.course, state="stopped")
        page = client.get(self.chart_url())
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'id="course-closed"')
        self.assertNotContains(page, 'id="chart-form"')
        refused = client.post(
            self.draft_url(), json.dumps({"n": 2}), content_type="application/json"
        )
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused.json()["error"], "course_closed")
        self.assertEqual(SessionDraft.objects.get().data, {"n": 1})  # unchanged
        # A session posted from a stale screen is refused with the reason, and nothing saved.
        payload = {
            "started_at": "2025-03-01T09:30",
            "sites": [{"point": "BL40", "side": "both"}],
            "needles_in": 2,
            "needles_out": 2,
        }
        posted = client.post(self.chart_url(), {"payload": json.dumps(payload)})
        self.assertEqual(posted.status_code, 409)
        self.assertContains(posted, "closed", status_code=409)
        self.assertFalse(Session.objects.filter(course=self.course).exists())
        # The leftover draft can still be discarded.
        client.post(self.draft_url(), {"discard": "1"})
        self.assertFalse(SessionDraft.objects.exists())

    def test_a_draft_that_is_not_json_is_refused(self) -> None:
        client = self.client_for(self.owner)
        response = client.post(self.draft_url(), "{", content_type="application/json")
        self.assertEqual(response.status_code, 400)

    def test_saving_from_the_screen_creates_the_session(self) -> None:
        client = self.client_for(self.owner)
        payload = {
            "started_at": "2025-03-01T09:30",
            "sites": [{"point": "BL40", "side": "both"}, {"point": "GV4", "side": "none"}],
            "needles_in": 3,
            "needles_out": 3,
            "nrs_before": 5,
            "stimulation": "manual",
            "adjuncts": ["heat"],
            "adverse_events": [{"code": "bruising", "severity": "mild"}],
            "home_care": [],
            "unbooked_reason": "walk-in",
        }
        response = client.post(self.chart_url(), {"payload": json.dumps(payload)})
        session = Session.objects.get()
        self.assertRedirects(response, f"/charting/sessions/{session.pk}/")
        # Sides and severity are shown through their labels in the owner's language (nl).
        detail_text = client.get(f"/charting/sessions/{session.pk}/").content.decode()
        self.assertIn("(beide)", detail_text)
        self.assertIn("(licht)", detail_text)
        self.assertNotIn("(both)", detail_text)
        self.assertNotIn("(mild)", detail_text)
        # The local time is the clinic's (Europe/Amsterdam, UTC+1 in March).
        self.assertEqual(session.started_at.isoformat(), "2025-03-01T08:30:00+00:00")
        detail = client.get(f"/charting/sessions/{session.pk}/")
        self.assertContains(detail, "BL40 Weizhong")

    FULL_SCREEN = {
        "started_at": "2025-03-01T09:30",
        "unbooked_reason": "walk-in",
        "nrs_before": 6,
        "pregnant": False,
        "sites": [{"point": "BL40", "side": "both"}, {"point": "GV4", "side": "none"}],
        "needles_in": 3,
        "needles_out": 2,
        "needle_discrepancy_note": "",
        "stimulation": "electro",
        "electro_frequency_hz": 2.5,
        "retention_minutes": 20,
        "nrs_after": 3,
        "adjuncts": ["heat"],
        "adverse_events": [{"code": "bruising", "severity": "mild", "action_taken": "Pressure"}],
        "subjective": "keep me",
        "objective": "tender L4-L5",
        "assessment": "improving",
        "plan": "weekly",
        "home_care": [{"point": "LI4", "duration_minutes": 2, "frequency": "daily"}],
    }

    def post_screen(self, language: str = "en", **changes):  # type: ignore[no-untyped-def]
        client = self.client_for(self.owner)
        client.cookies["django_language"] = language
        payload = {**self.FULL_SCREEN, **changes}
        return client.post(
            self.chart_url(), {"payload": json.dumps(payload)}, HTTP_ACCEPT_LANGUAGE=language
        )

    def test_a_refused_save_keeps_every_field_and_says_why_next_to_it(self) -> None:
        response = self.post_screen()  # needles 3 in, 2 out, no reason given
        self.assertEqual(response.status_code, 422)
        self.assertFalse(Session.objects.exists())
        # Every field comes back as typed, "started at" in the form its input takes.
        self.assertEqual(response.context["state"], self.FULL_SCREEN)
        html = response.content.decode()
        self.assertIn('id="error-needle_discrepancy_note"', html)
        errors = response.context["field_errors"]
        self.assertEqual(list(errors), ["needle_discrepancy_note"])
        # The message names no field code.
        self.assertNotIn("needle_discrepancy_note", " ".join(errors["needle_discrepancy_note"]))

    def test_schema_errors_sit_next_to_their_fields_in_the_users_language(self) -> None:
        response = self.post_screen("nl", electro_frequency_hz=None)
        self.assertEqual(list(response.context["field_errors"]), ["electro_frequency_hz"])
        response = self.post_screen("nl", nrs_before=14, needles_in=None)
        self.assertEqual(response.status_code, 422)
        errors = response.context["field_errors"]
        self.assertEqual(set(errors), {"nrs_before", "needles_in"})
        text = " ".join(m for msgs in errors.values() for m in msgs)
        # Dutch, never pydantic's English ("Input should be ...", "Field required").
        self.assertNotIn("Input should", text)
        self.assertNotIn("required", text.lower())
        self.assertIn("0 tot 10", " ".join(errors["nrs_before"]))
        self.assertEqual(response.context["state"]["subjective"], "keep me")
        self.assertEqual(response.context["state"]["started_at"], "2025-03-01T09:30")

    def test_a_session_before_the_course_start_is_refused_on_started_at(self) -> None:
        response = self.post_screen(started_at="2025-01-15T09:30", needles_out=3)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(list(response.context["field_errors"]), ["started_at"])
        self.assertEqual(response.context["state"]["started_at"], "2025-01-15T09:30")
        self.assertFalse(Session.objects.exists())

    def test_a_start_the_clock_change_skips_is_refused_not_moved(self) -> None:
        # 30 March 2025, 02:30 in Amsterdam: the clocks went from 02:00 to 03:00.
        response = self.post_screen(started_at="2025-03-30T02:30", needles_out=3)
        self.assertEqual(response.status_code, 422)
        errors = response.context["field_errors"]
        self.assertEqual(list(errors), ["started_at"])
        self.assertIn("Europe/Amsterdam", errors["started_at"][0])
        self.assertIn("02:30", errors["started_at"][0])
        self.assertEqual(response.context["state"]["started_at"], "2025-03-30T02:30")
        self.assertFalse(Session.objects.exists())

    def test_charting_without_an_appointment_asks_why(self) -> None:
        response = self.post_screen(unbooked_reason="", needles_out=3)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(list(response.context["field_errors"]), ["unbooked_reason"])
        response = self.post_screen(needles_out=3)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Session.objects.get().unbooked_reason, "walk-in")

    def test_ims_sites_from_the_screen_by_an_unqualified_practitioner_are_refused(self) -> None:
        client = self.client_for(self.practitioner)
        payload = {
            "started_at": "2025-03-01T09:30",
            "sites": [{"ims_segment": "L5", "side": "left", "muscle": "multifidus"}],
            "needles_in": 1,
            "needles_out": 1,
            "unbooked_reason": "walk-in",
        }
        response = client.post(self.chart_url(), {"payload": json.dumps(payload)})
        self.assertContains(response, 'id="chart-errors"', status_code=403)
        self.assertFalse(Session.objects.exists())

    def test_reception_cannot_open_the_charting_screen(self) -> None:
        self.assertEqual(self.client_for(self.reception).get(self.chart_url()).status_code, 403)

    def test_another_clinic_gets_404_everywhere(self) -> None:
        session = self.make_session()
        client = self.client_for(self.other)
        for url in (self.chart_url(), self.draft_url(), f"/charting/sessions/{session.pk}/"):
            with self.subTest(url=url):
                self.assertEqual(client.get(url).status_code, 404)
        response = client.post(self.draft_url(), "{}", content_type="application/json")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            self.api(self.other, "GET", f"/api/v1/sessions/{session.pk}").status_code, 404
        )

    def test_the_patient_page_lists_sessions_and_links_the_chart(self) -> None:
        session = self.make_session()
        response = self.client_for(self.owner).get(f"/patients/{self.patient.pk}/")
        self.assertContains(response, f"/charting/sessions/{session.pk}/")
        self.assertContains(response, self.chart_url())
        reception = self.client_for(self.reception).get(f"/patients/{self.patient.pk}/")
        self.assertNotContains(reception, "/charting/sessions/")

    def test_opening_a_session_is_audited(self) -> None:
        session = self.make_session()
        self.client_for(self.owner).get(f"/charting/sessions/{session.pk}/")
        self.assertTrue(
            AuditEvent.objects.filter(
                action="read", object_type="charting.session", object_id=str(session.pk)
            ).exists()
        )

    def test_charting_page_has_a_constant_query_count(self) -> None:
        client = self.client_for(self.owner)

        def make_rows(n: int) -> None:
            for _i in range(n):
                self.make_session()

        self.assertConstantQueries(make_rows, lambda: client.get(self.chart_url()))

    def test_patient_page_sessions_section_has_a_constant_query_count(self) -> None:
        client = self.client_for(self.owner)

        def make_rows(n: int) -> None:
            for _i in range(n):
                self.make_session()

        self.assertConstantQueries(make_rows, lambda: client.get(f"/patients/{self.patient.pk}/"))
