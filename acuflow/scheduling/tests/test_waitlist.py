"""Waitlist: a cancelled slot is offered to waiting patients in the order they joined."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.core import mail
from django.utils import timezone

from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.scheduling import services
from acuflow.scheduling.models import Appointment, WaitlistEntry, WaitlistOffer
from acuflow.scheduling.selectors import appointment_type_by_code
from acuflow.scheduling.tests.helpers import at, next_weekday, weekday_hours


class WaitlistTests(AcuflowTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.acu = self.practitioner.practitioner
        weekday_hours(self.acu)
        self.monday = next_weekday(0)
        self.type = appointment_type_by_code(self.clinic, "follow_up")
        self.booked = services.appointment_book(
            actor=self.actor(self.reception),
            patient=self.patient,
            practitioner=self.acu,
            type=self.type,
            start=at(self.monday, 10),
        )
        self.first = make_patient(self.clinic, "Eerste", "Wachter")
        self.second = make_patient(self.clinic, "Tweede", "Wachter")
        self.elsewhere = make_patient(self.clinic, "Andere", "Week")
        # joined in this order; the middle one wants another week and is skipped
        for patient, start in [
            (self.first, self.monday),
            (self.elsewhere, self.monday + dt.timedelta(days=14)),
            (self.second, self.monday),
        ]:
            services.waitlist_join(
                actor=self.actor(self.reception),
                patient=patient,
                practitioner=self.acu,
                type=self.type,
                earliest=start,
                latest=start + dt.timedelta(days=4),
            )

    def cancel(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            services.appointment_cancel(
                actor=self.actor(self.reception), appointment=self.booked, reason="ill"
            )

    def offer_of(self, patient) -> WaitlistOffer:  # type: ignore[no-untyped-def]
        return WaitlistOffer.objects.get(entry__patient=patient, status="open")

    def test_a_cancellation_offers_the_slot_to_the_first_in_line_by_email(self) -> None:
        self.cancel()
        offer = self.offer_of(self.first)
        self.assertEqual(offer.start, at(self.monday, 10))
        self.assertEqual([m.to[0] for m in mail.outbox], [self.first.email])
        self.assertIn(f"/book/offer/{offer.token}/", mail.outbox[0].body)
        self.assertFalse(WaitlistOffer.objects.exclude(pk=offer.pk).exists())

    def test_declining_passes_it_on_and_the_next_one_books_it(self) -> None:
        self.cancel()
        offer = self.offer_of(self.first)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/en/book/offer/{offer.token}/", {"answer": "no"})
        second_offer = self.offer_of(self.second)  # the other-week entry was skipped
        page = self.client.post(f"/en/book/offer/{second_offer.token}/", {"answer": "yes"})
        self.assertContains(page, "Booked")
        appointment = Appointment.objects.get(patient=self.second)
        self.assertEqual((appointment.start, appointment.source), (at(self.monday, 10), "waitlist"))
        self.assertEqual(WaitlistEntry.objects.get(patient=self.second).status, "booked")
        self.assertEqual(WaitlistEntry.objects.get(patient=self.first).status, "waiting")
        # the first one's link is closed now
        late = self.client.post(f"/en/book/offer/{offer.token}/", {"answer": "yes"})
        self.assertContains(late, "no longer open")
        self.assertFalse(Appointment.objects.filter(patient=self.first).exists())

    def test_an_unanswered_offer_expires_and_moves_on(self) -> None:
        self.cancel()
        offer = self.offer_of(self.first)
        with mock.patch(
            "django.utils.timezone.now", return_value=offer.expires_at + dt.timedelta(minutes=1)
        ):
            self.assertEqual(services.waitlist_expire(), 1)
        self.assertEqual(WaitlistOffer.objects.get(pk=offer.pk).status, "expired")
        self.assertTrue(self.offer_of(self.second))
        # The first patient's offer ran out: an update row on their own trail.
        event = AuditEvent.objects.filter(
            patient=self.first, action="update", object_type="scheduling.waitlistoffer"
        ).get()
        self.assertEqual((event.object_id, event.channel), (str(offer.pk), "system"))

    def test_accepting_a_slot_someone_else_took_keeps_the_patient_waiting(self) -> None:
        self.cancel()
        offer = self.offer_of(self.first)
        services.appointment_book(
            actor=self.actor(self.reception),
            patient=make_patient(self.clinic, "Snel", "Boeker"),
            practitioner=self.acu,
            type=self.type,
            start=at(self.monday, 10),
        )
        result = services.waitlist_answer(offer=offer, accept=True, now=timezone.now())
        self.assertEqual(result.status, "taken")
        self.assertEqual(WaitlistEntry.objects.get(patient=self.first).status, "waiting")

    def test_the_waitlist_page_shows_entries_in_order(self) -> None:
        page = self.client_for(self.reception).get("/calendar/waitlist/").content.decode()
        self.assertLess(page.index("Eerste Wachter"), page.index("Tweede Wachter"))
