from __future__ import annotations

from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.core.testing import PASSWORD, AcuflowTestCase


class LoginTests(AcuflowTestCase):
    def post_login(self, client: Client, email: str, password: str):  # type: ignore[no-untyped-def]
        return client.post(reverse("accounts:login"), {"email": email, "password": password})

    def test_it_logs_in_with_email_and_password(self) -> None:
        client = Client()
        response = self.post_login(client, "OWNER@nl.example", PASSWORD)
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertContains(client.get("/"), "Eva Owner")

    def test_it_rejects_a_wrong_password_with_a_form_error(self) -> None:
        response = self.post_login(Client(), "owner@nl.example", "wrong")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "errorlist")
        self.assertNotIn("_auth_user_id", Client().session)

    def test_it_throttles_repeated_failures(self) -> None:
        client = Client()
        for _ in range(5):
            self.post_login(client, "owner@nl.example", "wrong")
        response = self.post_login(client, "owner@nl.example", PASSWORD)
        self.assertEqual(response.status_code, 429)
        self.assertFalse(client.session.get("_auth_user_id"))

    def test_it_redirects_anonymous_users_to_login(self) -> None:
        response = Client().get(reverse("patients:list"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])

    def test_it_does_not_open_redirect_after_login(self) -> None:
        response = Client().post(
            reverse("accounts:login"),
            {"email": "owner@nl.example", "password": PASSWORD, "next": "https://evil.example/"},
        )
        self.assertEqual(response["Location"], "/")


class TwoFactorTests(AcuflowTestCase):
    def code(self, device: TOTPDevice) -> str:
        return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"

    def test_it_enrols_and_then_demands_a_code(self) -> None:
        client = self.client_for(self.owner)
        response = client.get(reverse("accounts:two_factor"))
        self.assertContains(response, "<svg")
        device = TOTPDevice.objects.get(user=self.owner, confirmed=False)
        response = client.post(reverse("accounts:two_factor"), {"token": "000000"})
        self.assertContains(response, "errorlist")
        device.refresh_from_db()
        device.throttle_reset()  # django-otp slows down guessing after a wrong code
        response = client.post(reverse("accounts:two_factor"), {"token": self.code(device)})
        self.assertRedirects(response, reverse("accounts:profile"))
        device.refresh_from_db()
        self.assertTrue(device.confirmed)

        # A fresh sign-in now needs the code before any page opens.
        fresh = Client()
        fresh.post(reverse("accounts:login"), {"email": "owner@nl.example", "password": PASSWORD})
        response = fresh.get(reverse("patients:list"))
        self.assertIn(reverse("accounts:verify"), response["Location"])
        device.last_t = -1
        device.save()
        response = fresh.post(reverse("accounts:verify"), {"token": self.code(device)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(fresh.get(reverse("patients:list")).status_code, 200)

    def test_a_clinic_can_enforce_two_factor(self) -> None:
        self.clinic.require_2fa = True
        self.clinic.save()
        client = self.client_for(self.practitioner)
        response = client.get(reverse("patients:list"))
        self.assertTrue(response["Location"].startswith(reverse("accounts:setup")))
        # and the API session path is closed too until enrolled
        self.assertEqual(client.get("/api/v1/patients").status_code, 401)


@override_settings(AXES_FAILURE_LIMIT=50)
class ClinicSettingsTests(AcuflowTestCase):
    def test_owner_can_change_clinic_settings(self) -> None:
        client = self.client_for(self.owner)
        response = client.post(
            reverse("accounts:settings"),
            {
                "name": "Renamed",
                "address": "",
                "phone": "+31 30 000 0000",
                "email": "",
                "whatsapp": "",
                "language": "nl",
                "timezone": "Europe/Amsterdam",
            },
        )
        self.assertRedirects(response, reverse("accounts:settings"))
        self.clinic.refresh_from_db()
        self.assertEqual(self.clinic.name, "Renamed")

    def test_bad_timezone_is_a_form_error(self) -> None:
        client = self.client_for(self.owner)
        response = client.post(
            reverse("accounts:settings"),
            {"name": "X", "phone": "", "language": "nl", "timezone": "Mars/Olympus"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "id_timezone_error")

    def test_practitioner_and_reception_may_not_open_settings(self) -> None:
        for user in (self.practitioner, self.reception):
            self.assertEqual(
                self.client_for(user).get(reverse("accounts:settings")).status_code, 403
            )
