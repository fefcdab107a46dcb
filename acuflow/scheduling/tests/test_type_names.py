"""An appointment type is read in the reader's language: calendars, booking, reminders
and .ics; a clinic edits the name per language."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from acuflow.core.testing import AcuflowTestCase
from acuflow.scheduling import ics, selectors
from acuflow.scheduling.channels import reminder_text
from acuflow.scheduling.forms import TypeForm
from acuflow.scheduling.models import Appointment


class AppointmentTypeNameTests(AcuflowTestCase):
    def test_shipped_types_carry_a_name_in_every_language(self) -> None:
        follow_up = selectors.appointment_types(self.clinic).get(code="follow_up")
        wanted = {
            "nl": "Vervolgbehandeling",
            "nb": "Oppfølgingsbehandling",
            "en": "Follow-up treatment",
            "es": "Tratamiento de seguimiento",
        }
        for language, name in wanted.items():
            with self.subTest(language=language), translation.override(language):
                self.assertEqual(str(follow_up), name)
                self.assertEqual(follow_up.label(language), name)

    def test_a_clinic_edits_the_name_per_language_and_the_page_shows_its_own(self) -> None:
        follow_up = selectors.appointment_types(self.clinic).get(code="follow_up")
        self.client.force_login(self.owner)
        data = {
            "type_id": follow_up.pk,
            "duration_minutes": follow_up.duration_minutes,
            "buffer_minutes": follow_up.buffer_minutes,
            "online": "on",
            "active": "on",
            "name_nl": "Vervolgconsult",
            "name_nb": "Oppfølging",
            "name_en": "Follow-up",
            "name_es": "Seguimiento",
        }
        response = self.client.post("/calendar/types/", data)
        self.assertEqual(response.status_code, 302)
        follow_up.refresh_from_db()
        self.assertEqual(follow_up.label("nl"), "Vervolgconsult")
        self.assertEqual(follow_up.label("es"), "Seguimiento")
        page = self.client.get("/calendar/types/").content.decode()
        self.assertIn("Vervolgconsult", page)  # the owner reads Dutch
        self.assertNotIn("follow_up", page)

    def test_a_language_without_a_name_falls_back_to_the_clinics_own(self) -> None:
        follow_up = selectors.appointment_types(self.clinic).get(code="follow_up")
        follow_up.names = {"nl": "Vervolgconsult"}
        follow_up.name = "Vervolgconsult"
        self.assertEqual(follow_up.label("es"), "Vervolgconsult")
        form = TypeForm(instance=follow_up)
        self.assertEqual(form.fields["name_es"].initial, "Vervolgconsult")

    def test_reminders_and_the_calendar_feed_name_the_type_in_their_language(self) -> None:
        start = dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC)
        appointment = Appointment(
            clinic=self.clinic,
            patient=self.patient,
            practitioner=self.practitioner.practitioner,
            type=selectors.appointment_types(self.clinic).get(code="follow_up"),
            start=start,
            end=start + dt.timedelta(minutes=30),
            busy_until=start + dt.timedelta(minutes=30),
        )
        with translation.override("es"):
            subject, body = reminder_text(appointment)
            feed = ics.practitioner_feed([appointment], name="Daan")
        self.assertIn("Tratamiento de seguimiento", body)
        self.assertNotIn("Follow-up", body)
        self.assertIn("SUMMARY:Tratamiento de seguimiento", feed)
