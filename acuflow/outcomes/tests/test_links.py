from __future__ import annotations

import datetime as dt

from django.core import signing
from django.utils import timezone

from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes import links, services
from acuflow.outcomes.models import Response, ResponseLink
from acuflow.outcomes.tests.factories import make_course


class ResponseLinkTests(AcuflowTestCase):
    def setUp(self) -> None:
        self.course = make_course(self.actor(self.owner), self.patient)

    def test_the_patient_fills_the_questionnaire_once_in_their_language(self) -> None:
        path = links.make_response_link(
            patient=self.patient, instrument="peg", course=self.course, actor=self.actor(self.owner)
        )
        self.assertTrue(path.startswith("/nl/questionnaire/"), path)
        page = self.client.get(path)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Welk getal beschrijft het best uw gemiddelde pijn")
        posted = self.client.post(path, {"a_pain": "6", "a_enjoyment": "5", "a_activity": "4"})
        self.assertEqual(posted.status_code, 200)
        response = Response.objects.get()
        self.assertEqual(
            (response.score, response.source, response.course), (5.0, "patient_link", self.course)
        )
        self.assertEqual(response.language, "nl")
        event = AuditEvent.objects.filter(action="create", object_type="outcomes.response").get()
        self.assertEqual((event.channel, event.user), ("portal", None))
        again = self.client.post(path, {"a_pain": "1", "a_enjoyment": "1", "a_activity": "1"})
        self.assertEqual(again.status_code, 410)
        self.assertEqual(self.client.get(path).status_code, 410)
        self.assertEqual(Response.objects.count(), 1)

    def test_the_link_page_gives_its_expiry_in_the_clinics_zone(self) -> None:
        from zoneinfo import ZoneInfo

        self.clinic.timezone = "America/New_York"
        self.clinic.save(update_fields=["timezone"])
        path = links.make_response_link(
            patient=self.patient, instrument="peg", course=self.course, actor=self.actor(self.owner)
        )
        expires = ResponseLink.objects.get().expires_at
        page = self.client.get(path)
        self.assertContains(
            page, expires.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
        )
        self.assertNotContains(
            page, expires.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%H:%M")
        )

    def test_missing_answers_show_the_form_again_and_keep_the_link_usable(self) -> None:
        path = links.make_response_link(
            patient=self.patient, instrument="nrs", actor=self.actor(self.owner)
        )
        page = self.client.post(path, {"a_worst": "7"})
        self.assertEqual(page.status_code, 422)
        self.assertFalse(Response.objects.exists())
        self.assertIsNone(ResponseLink.objects.get().used_at)
        self.assertEqual(self.client.post(path, {"a_usual": "5"}).status_code, 200)

    def test_an_expired_link_is_refused(self) -> None:
        path = links.make_response_link(
            patient=self.patient, instrument="nrs", expires_hours=1, actor=self.actor(self.owner)
        )
        ResponseLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
        self.assertEqual(self.client.get(path).status_code, 410)
        self.assertEqual(self.client.post(path, {"a_usual": "5"}).status_code, 410)
        self.assertFalse(Response.objects.exists())

    def test_a_tampered_or_forged_token_is_404(self) -> None:
        path = links.make_response_link(
            patient=self.patient, instrument="nrs", actor=self.actor(self.owner)
        )
        token = path.rstrip("/").rsplit("/", 1)[1]
        self.assertEqual(self.client.get(path.replace(token, token[:-2] + "xx")).status_code, 404)
        link = ResponseLink.objects.get()
        forged = signing.dumps({"l": link.pk, "n": "guessed"}, salt="wrong-salt")
        self.assertEqual(self.client.get(f"/nl/questionnaire/{forged}/").status_code, 404)
        wrong_nonce = signing.dumps({"l": link.pk, "n": "guessed"}, salt=links.SALT)
        self.assertEqual(self.client.get(f"/nl/questionnaire/{wrong_nonce}/").status_code, 404)

    def test_another_language_prefix_shows_that_language(self) -> None:
        path = links.make_response_link(
            patient=self.patient, instrument="nrs", actor=self.actor(self.owner)
        )
        page = self.client.get(path.replace("/nl/", "/es/", 1))
        self.assertContains(page, "Su dolor habitual durante la última semana")

    def test_staff_only_and_licensed_instruments_without_text_get_no_link(self) -> None:
        with self.assertRaises(ValueError):
            links.make_response_link(
                patient=self.patient, instrument="gunn_signs", actor=self.actor(self.owner)
            )
        with self.assertRaises(ValueError):
            links.make_response_link(
                patient=self.patient, instrument="odi", actor=self.actor(self.owner)
            )
        content = {
            "items": {
                f"s{i}": {"text": f"Section {i}", "options": list("abcdef")} for i in range(1, 11)
            }
        }
        services.instrument_text_load(
            actor=self.actor(self.owner), instrument="odi", language="nl", content=content
        )
        path = links.make_response_link(
            patient=self.patient, instrument="odi", actor=self.actor(self.owner)
        )
        self.assertContains(self.client.get(path), "Section 7")

    def test_making_a_link_is_written_to_the_patients_trail(self) -> None:
        links.make_response_link(
            patient=self.patient, instrument="nrs", course=self.course, actor=self.actor(self.owner)
        )
        link = ResponseLink.objects.get()
        event = AuditEvent.objects.filter(
            action="create", object_type="outcomes.responselink"
        ).get()
        self.assertEqual((event.patient_id, event.object_id), (self.patient.pk, str(link.pk)))
        self.assertEqual(link.created_by, self.owner)

    def test_a_course_of_another_patient_is_refused(self) -> None:
        other_course = make_course(self.actor(self.other), self.other_patient)
        with self.assertRaises(ValueError):
            links.make_response_link(
                patient=self.patient,
                instrument="nrs",
                course=other_course,
                actor=self.actor(self.owner),
            )
