from __future__ import annotations

from acuflow.accounts.models import Location
from acuflow.core.testing import AcuflowTestCase
from acuflow.public.models import ContactMessage


class OwnerAdminScopingTests(AcuflowTestCase):
    def setUp(self) -> None:
        self.owner.is_staff = True
        self.owner.save(update_fields=["is_staff"])
        Location.objects.create(clinic=self.other_clinic, name="Bergen sentrum")

    def test_owner_sees_only_the_own_clinics_rows(self) -> None:
        client = self.client_for(self.owner)
        page = client.get("/admin/accounts/location/")
        self.assertContains(page, "Main")
        self.assertNotContains(page, "Bergen sentrum")

    def test_choices_offer_only_the_own_clinic(self) -> None:
        page = self.client_for(self.owner).get("/admin/accounts/location/add/")
        self.assertContains(page, "Test Clinic NL")
        self.assertNotContains(page, "Test Clinic NO")
        room_form = self.client_for(self.owner).get("/admin/accounts/room/add/")
        self.assertNotContains(room_form, "Bergen sentrum")

    def test_contact_messages_of_another_clinic_stay_hidden(self) -> None:
        mine = ContactMessage.objects.create(
            clinic=self.clinic, name="Mine Sender", email="a@x.example", message="hi"
        )
        theirs = ContactMessage.objects.create(
            clinic=self.other_clinic, name="Their Sender", email="b@x.example", message="hei"
        )
        client = self.client_for(self.owner)
        page = client.get("/admin/public/contactmessage/")
        self.assertContains(page, "Mine Sender")
        self.assertNotContains(page, "Their Sender")
        self.assertEqual(
            client.get(f"/admin/public/contactmessage/{theirs.pk}/change/").status_code, 302
        )
        self.assertEqual(
            client.get(f"/admin/public/contactmessage/{mine.pk}/change/").status_code, 200
        )

    def test_staff_without_the_owner_role_get_no_admin_modules(self) -> None:
        self.practitioner.is_staff = True
        self.practitioner.save(update_fields=["is_staff"])
        page = self.client_for(self.practitioner).get("/admin/public/contactmessage/")
        self.assertEqual(page.status_code, 403)

    def test_the_language_is_chosen_from_the_list_and_checked(self) -> None:
        client = self.client_for(self.owner)
        url = f"/admin/accounts/user/{self.practitioner.pk}/change/"
        page = client.get(url)
        self.assertContains(page, '<select name="language"')
        self.assertContains(page, '<option value="nb">')
        response = client.post(
            url,
            {"email": self.practitioner.email, "full_name": "X", "language": "xx"},
        )
        self.assertEqual(response.status_code, 200)  # the form again, with the error
        self.assertIn("language", response.context["adminform"].form.errors)
        self.practitioner.refresh_from_db()
        self.assertNotEqual(self.practitioner.language, "xx")
