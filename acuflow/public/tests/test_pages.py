from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from acuflow.core.testing import AcuflowTestCase, new_york_day_boundary
from acuflow.public import rules
from acuflow.public.models import ClinicProfile, ContactMessage, OpeningHours


def contact(**extra: str) -> dict[str, str]:
    return {
        "name": "Piet",
        "email": "piet@patients.example",
        "phone": "",
        "message": "Kan ik komen?",
        "website": "",
        **extra,
    }


class ClinicPageTests(AcuflowTestCase):
    def test_clinic_page_shows_practitioners_registrations_treatments_hours_and_contact(
        self,
    ) -> None:
        OpeningHours.objects.create(
            clinic=self.clinic, weekday=0, opens=dt.time(9), closes=dt.time(17, 30)
        )
        response = self.client.get("/en/clinic/test-nl/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Daan Acu")
        self.assertContains(response, f"number R-{self.practitioner.pk}")
        self.assertContains(response, "IMS (intramuscular stimulation)")
        self.assertContains(response, 'href="/en/clinic/test-nl/info/ims/"')
        self.assertContains(response, "Monday")
        self.assertContains(response, "https://wa.me/31612345678")
        self.assertContains(response, "tel:+31301234567")
        self.assertNotContains(response, "Lars Other")  # another clinic's practitioner

    def test_times_and_days_follow_the_page_language(self) -> None:
        OpeningHours.objects.create(
            clinic=self.clinic, weekday=0, opens=dt.time(9), closes=dt.time(17, 30)
        )
        self.assertContains(self.client.get("/nl/clinic/test-nl/"), "maandag")
        self.assertContains(self.client.get("/es/clinic/test-nl/"), "lunes")

    def test_registration_validity_is_judged_on_the_clinics_date(self) -> None:
        from unittest import mock

        instant = new_york_day_boundary(self.clinic, self.practitioner.practitioner)
        with mock.patch("django.utils.timezone.now", return_value=instant):
            page = self.client.get("/en/clinic/test-nl/")
        self.assertContains(page, "valid until March 10, 2026")
        self.assertNotContains(page, "registration expired")

    def test_unknown_or_unpublished_clinic_is_404(self) -> None:
        self.assertEqual(self.client.get("/en/clinic/nope/").status_code, 404)
        ClinicProfile.objects.create(clinic=self.clinic, published=False)
        self.assertEqual(self.client.get("/en/clinic/test-nl/").status_code, 404)

    def test_booking_link_only_when_the_booking_page_exists(self) -> None:
        from acuflow.public.views import booking_url

        response = self.client.get("/en/clinic/test-nl/")
        url = booking_url(self.clinic, "en")
        if url:
            self.assertContains(response, url)
        else:
            self.assertNotContains(response, "/en/book/")

    def test_clinic_page_queries_do_not_grow_with_practitioners(self) -> None:
        from acuflow.core.testing import make_staff

        counter = iter(range(1000))

        def rows(n: int) -> None:
            for _ in range(n):
                make_staff(
                    self.clinic,
                    f"p{next(counter)}@nl.example",
                    "practitioner",
                    modalities=["cupping"],
                )

        self.assertConstantQueries(rows, lambda: self.client.get("/en/clinic/test-nl/"))


class ContactFormTests(AcuflowTestCase):
    def test_a_message_lands_in_the_clinics_inbox_only(self) -> None:
        response = self.client.post("/nl/clinic/test-nl/", contact())
        self.assertEqual(response.status_code, 302)
        message = ContactMessage.objects.get()
        self.assertEqual((message.clinic, message.language), (self.clinic, "nl"))
        self.assertContains(
            self.client_for(self.reception).get(reverse("public_staff:inbox")), "Kan ik komen?"
        )
        self.assertNotContains(
            self.client_for(self.other).get(reverse("public_staff:inbox")), "Kan ik komen?"
        )

    def test_honeypot_filled_is_thanked_but_not_stored(self) -> None:
        response = self.client.post("/en/clinic/test-nl/", contact(website="http://spam.example"))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(ContactMessage.objects.exists())

    def test_a_message_needs_a_way_to_answer(self) -> None:
        response = self.client.post("/en/clinic/test-nl/", contact(email=""))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ContactMessage.objects.exists())

    def test_too_many_messages_from_one_address_are_refused(self) -> None:
        for _ in range(rules.CONTACT.limit):
            self.assertEqual(self.client.post("/en/clinic/test-nl/", contact()).status_code, 302)
        response = self.client.post("/en/clinic/test-nl/", contact())
        self.assertEqual(response.status_code, 429)
        self.assertEqual(ContactMessage.objects.count(), rules.CONTACT.limit)
        other_address = Client(REMOTE_ADDR="192.0.2.44")
        self.assertEqual(other_address.post("/en/clinic/test-nl/", contact()).status_code, 302)

    def test_staff_mark_a_message_answered_and_another_clinic_gets_404(self) -> None:
        self.client.post("/en/clinic/test-nl/", contact())
        message = ContactMessage.objects.get()
        url = reverse("public_staff:handled", args=[message.pk])
        self.assertEqual(self.client_for(self.other).post(url).status_code, 404)
        self.client_for(self.reception).post(url)
        message.refresh_from_db()
        self.assertEqual(message.handled_by, self.reception)

    def test_inbox_queries_do_not_grow(self) -> None:
        client = self.client_for(self.owner)

        def rows(n: int) -> None:
            ContactMessage.objects.bulk_create(
                ContactMessage(
                    clinic=self.clinic, name="N", email="n@x.example", message="m", language="en"
                )
                for _ in range(n)
            )

        self.assertConstantQueries(rows, lambda: client.get(reverse("public_staff:inbox")))


class RuleTests(AcuflowTestCase):
    def test_treatments_are_listed_once_in_catalogue_order(self) -> None:
        order = ["acupuncture", "ims", "cupping"]
        self.assertEqual(
            rules.treatments_offered([["cupping", "acupuncture"], ["acupuncture"]], order),
            ["acupuncture", "cupping"],
        )
