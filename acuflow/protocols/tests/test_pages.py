from __future__ import annotations

import datetime as dt

from django.utils import timezone

from acuflow.assessment.tests.factories import make_assessment
from acuflow.audit.models import AuditEvent
from acuflow.charting import services as charting
from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes.tests.factories import make_course
from acuflow.protocols import services
from acuflow.protocols.models import Course, PlannedSession, Protocol


class EnglishPagesTestCase(AcuflowTestCase):
    """Staff pages follow the user's language: these tests read them in English."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for user in (cls.owner, cls.practitioner, cls.ims, cls.reception):
            user.language = "en"
            user.save(update_fields=["language"])


TODAY = dt.date.today()


class CoursePageTests(EnglishPagesTestCase):
    def setUp(self) -> None:
        self.protocol = Protocol.objects.get(
            clinic=None, condition="acute_low_back_pain", modality="acupuncture"
        )

    def test_plan_form_starts_a_course_and_shows_the_recommendation(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient, condition="acute_low_back_pain")
        client = self.client_for(self.practitioner)
        page = client.get(f"/courses/new/{a.pk}/")
        self.assertContains(page, "Plan a treatment course")
        response = client.post(
            f"/courses/new/{a.pk}/",
            {
                "protocol": self.protocol.pk,
                "practitioner": self.practitioner.practitioner.pk,
                "start_date": str(TODAY),
            },
        )
        course = Course.objects.get()
        self.assertRedirects(response, f"/courses/{course.pk}/")
        page = client.get(f"/courses/{course.pk}/")
        self.assertContains(page, 'id="recommendation"')
        self.assertContains(page, "No session yet.")
        self.assertEqual(page.content.decode().count("<tr>"), 1 + 5)  # header + 5 planned

    def test_plan_form_shows_why_a_course_is_refused(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient, red_flags=["cauda_equina"])
        ims = Protocol.objects.get(clinic=None, condition="neuropathic_pain", modality="ims")
        client = self.client_for(self.practitioner)
        data = {"practitioner": self.practitioner.practitioner.pk, "start_date": str(TODAY)}
        page = client.post(f"/courses/new/{a.pk}/", {**data, "protocol": self.protocol.pk})
        self.assertContains(page, "refer first and record the referral")
        self.assertContains(page, "Cauda equina syndrome")
        clear = make_assessment(self.actor(self.owner), self.patient)
        page = client.post(f"/courses/new/{clear.pk}/", {**data, "protocol": ims.pk})
        self.assertContains(page, "is not qualified for ims")
        self.assertFalse(Course.objects.exists())

    def test_reception_sees_no_clinical_sections_on_the_patient_page(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient)
        services.course_create(actor=self.actor(self.owner), assessment=a, protocol=self.protocol)
        page = self.client_for(self.reception).get(f"/patients/{self.patient.pk}/")
        self.assertNotContains(page, 'id="assessments"')
        self.assertNotContains(page, 'id="courses"')
        page = self.client_for(self.owner).get(f"/patients/{self.patient.pk}/")
        self.assertContains(page, 'id="assessments"')
        self.assertContains(page, 'id="courses"')
        self.assertEqual(
            self.client_for(self.reception).get(f"/assessments/{a.pk}/").status_code, 403
        )

    def test_course_page_has_a_constant_query_count(self) -> None:
        a = make_assessment(self.actor(self.owner), self.patient)
        course = services.course_create(
            actor=self.actor(self.owner), assessment=a, protocol=self.protocol
        )
        client = self.client_for(self.owner)

        def make_rows(n: int) -> None:
            last = course.planned_sessions.order_by("-number").first()
            assert last is not None
            PlannedSession.objects.bulk_create(
                PlannedSession(course=course, number=last.number + i + 1, date=TODAY)
                for i in range(n)
            )

        self.assertConstantQueries(make_rows, lambda: client.get(f"/courses/{course.pk}/"))

    def test_patient_page_sections_have_a_constant_query_count(self) -> None:
        client = self.client_for(self.owner)

        def make_rows(n: int) -> None:
            for _ in range(n):
                a = make_assessment(self.actor(self.owner), self.patient)
                services.course_create(
                    actor=self.actor(self.owner), assessment=a, protocol=self.protocol
                )

        self.assertConstantQueries(make_rows, lambda: client.get(f"/patients/{self.patient.pk}/"))


class ProtocolPageTests(EnglishPagesTestCase):
    def test_owner_copies_and_edits_a_protocol_in_the_ui(self) -> None:
        shipped = Protocol.objects.get(
            clinic=None, condition="chronic_low_back_pain", modality="acupuncture"
        )
        client = self.client_for(self.owner)
        listing = client.get("/protocols/", {"condition": "chronic_low_back_pain"})
        self.assertContains(listing, shipped.label())
        detail = client.get(f"/protocols/{shipped.pk}/")
        self.assertContains(detail, "Gunn" if shipped.modality == "ims" else "Vickers")
        response = client.post(f"/protocols/{shipped.pk}/copy/")
        copy = Protocol.objects.get(clinic=self.clinic)
        self.assertRedirects(response, f"/protocols/{copy.pk}/edit/")
        form = client.get(f"/protocols/{copy.pk}/edit/")
        self.assertContains(form, "name_nb")
        data = {
            "cadence_days": 14,
            "expected_sessions": 8,
            "onset_session": 3,
            "review_session": 6,
            "max_sessions": 12,
            "active": "on",
            "name_en": "Our chronic back plan",
            "sources_text": "Own audit 2025 | our numbers",
            "point_set_text": "BL23, BL40",
        }
        response = client.post(f"/protocols/{copy.pk}/edit/", data)
        self.assertRedirects(response, f"/protocols/{copy.pk}/")
        copy.refresh_from_db()
        self.assertEqual(
            (copy.cadence_days, copy.point_set, copy.sources[0]["citation"], copy.name),
            (14, ["BL23", "BL40"], "Own audit 2025", {"en": "Our chronic back plan"}),
        )
        # a practitioner may look but not copy
        self.assertEqual(
            self.client_for(self.practitioner).post(f"/protocols/{shipped.pk}/copy/").status_code,
            403,
        )

    def test_edit_form_refuses_inconsistent_numbers(self) -> None:
        shipped = Protocol.objects.filter(clinic=None).first()
        assert shipped is not None
        copy = services.protocol_copy(actor=self.actor(self.owner), protocol=shipped)
        page = self.client_for(self.owner).post(
            f"/protocols/{copy.pk}/edit/",
            {
                "cadence_days": 7,
                "expected_sessions": 8,
                "onset_session": 3,
                "review_session": 20,
                "max_sessions": 10,
                "name_en": "x",
                "sources_text": "A source",
            },
        )
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Cannot be after the maximum number of sessions.")


class ChartedSessionsTests(EnglishPagesTestCase):
    """With charting installed, a charted session updates the course status and page."""

    def test_the_second_sessions_score_is_the_latest_and_the_page_shows_its_source(
        self,
    ) -> None:
        course = make_course(
            self.actor(self.owner), self.patient, protocol_condition="acute_low_back_pain"
        )
        # Begun a week ago: no session may be charted before its course starts.
        course.start_date = timezone.localdate() - dt.timedelta(days=7)
        course.save(update_fields=["start_date"])
        for days_ago, before in ((7, 8), (0, 4)):
            charting.session_create(
                unbooked_reason="walk-in",
                actor=self.actor(self.owner),
                course=course,
                started_at=timezone.now() - dt.timedelta(days=days_ago),
                sites=[{"point": "BL40"}],
                needles_in=2,
                needles_out=2,
                nrs_before=before,
            )
            course.refresh_from_db()
            if days_ago:  # the first session's score is where the course starts
                self.assertEqual((course.latest_nrs, course.response), (None, "not_measured"))
                self.assertEqual(course.recommendation, "measure")
        self.assertEqual(
            (course.sessions_done, course.latest_nrs, course.response), (2, 4, "substantial")
        )
        page = self.client_for(self.owner).get(f"/courses/{course.pk}/")
        self.assertContains(page, "2 of 5 done")
        self.assertContains(page, 'id="rule-source"')
        for link in ("link-chart", "link-book", "link-outcomes"):
            self.assertContains(page, f'id="{link}"')


class DashboardPanelTests(EnglishPagesTestCase):
    def test_courses_needing_review_are_listed_for_clinical_staff_only(self) -> None:
        course = make_course(
            self.actor(self.owner),
            self.patient,
            baseline_nrs=7,
            protocol_condition="acute_low_back_pain",
        )
        Course.objects.filter(pk=course.pk).update(recommendation="stop_or_refer")
        page = self.client_for(self.owner).get("/")
        self.assertContains(page, 'id="courses-attention"')
        self.assertContains(page, self.patient.full_name)
        self.assertNotContains(self.client_for(self.reception).get("/"), 'id="courses-attention"')
        self.assertNotContains(self.client_for(self.other).get("/"), self.patient.full_name)


class SingleSessionNoteTests(EnglishPagesTestCase):
    def test_new_pain_on_an_ims_course_says_one_session_may_suffice(self) -> None:
        ims = Protocol.objects.get(clinic=None, condition="neuropathic_pain", modality="ims")
        client = self.client_for(self.ims)
        for onset_days, shown in ((5, True), (30, False)):
            a = make_assessment(
                self.actor(self.ims),
                self.patient,
                condition="neuropathic_pain",
                onset_date=TODAY - dt.timedelta(days=onset_days),
            )
            course = services.course_create(actor=self.actor(self.ims), assessment=a, protocol=ims)
            page = client.get(f"/courses/{course.pk}/")
            (self.assertContains if shown else self.assertNotContains)(page, 'id="single-session"')


class ThresholdsPageTests(EnglishPagesTestCase):
    def test_owners_set_the_thresholds_beside_the_default_and_courses_follow(self) -> None:
        course = make_course(self.actor(self.owner), self.patient, baseline_nrs=8)
        client = self.client_for(self.owner)
        page = client.get("/protocols/thresholds/")
        self.assertContains(page, "Dworkin")
        self.assertContains(page, "Ostelo")
        values = {
            "minimal_pct": 10,
            "moderate_pct": 40,
            "substantial_pct": 60,
            "important_points": 2,
            "worse_points": 2,
            "worse_pct": 30,
            "assessable_from": 3,
            "note": "Stricter, as agreed in our quality circle",
        }
        bad = client.post("/protocols/thresholds/", {**values, "moderate_pct": 5})
        self.assertEqual(bad.status_code, 422)
        self.assertContains(bad, "Must be above the minimal threshold.", status_code=422)
        self.assertRedirects(
            client.post("/protocols/thresholds/", values), "/protocols/thresholds/"
        )
        page = client.get("/protocols/thresholds/")
        self.assertContains(page, "changed")
        self.assertContains(page, "quality circle")
        course.refresh_from_db()
        self.assertIsNotNone(course.status_updated_at)
        # The rejudged course is its patient's record: an update row on their trail.
        event = AuditEvent.objects.filter(action="update", object_type="protocols.course").get()
        self.assertEqual((event.patient_id, event.object_id), (self.patient.pk, str(course.pk)))
        # practitioners read them; only owners change them
        self.assertEqual(
            self.client_for(self.practitioner).get("/protocols/thresholds/").status_code, 200
        )
        refused = self.client_for(self.practitioner).post("/protocols/thresholds/", values)
        self.assertEqual(refused.status_code, 403)
        self.assertEqual(
            self.api(self.owner, "GET", "/api/v1/outcome-thresholds").json()["values"][
                "moderate_pct"
            ],
            40,
        )
        answer = self.assertError(
            self.api(
                self.practitioner, "PATCH", "/api/v1/outcome-thresholds", {"moderate_pct": 35}
            ),
            403,
        )
        self.assertEqual(answer["error"], "forbidden")
        answer = self.assertError(
            self.api(self.owner, "PATCH", "/api/v1/outcome-thresholds", {"substantial_pct": 20}),
            422,
        )
        self.assertIn("substantial_pct", answer["fields"])
