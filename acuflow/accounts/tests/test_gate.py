"""The one authentication gate: each way around the second factor that was open before
(admin, API session, bearer token, the admin sign-in without lockout) now fails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.accounts import gate
from acuflow.accounts.models import User
from acuflow.core.testing import PASSWORD, AcuflowTestCase


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    """Every `timezone.now()` (sessions, the gate) answers `at`."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


class GateTestCase(AcuflowTestCase):
    def sign_in(self, client: Client, user: User, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        return client.post(reverse("accounts:login"), {"email": user.email, "password": password})

    def enrol(self, user: User) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    def require_2fa(self) -> None:
        self.clinic.require_2fa = True
        self.clinic.save(update_fields=["require_2fa"])


class SecondFactorRuleTests(GateTestCase):
    def test_it_owes_nothing_without_device_or_requirement(self) -> None:
        self.assertIsNone(gate.second_factor_owed(self.practitioner, verified=False))

    def test_it_owes_a_code_with_a_confirmed_device(self) -> None:
        self.enrol(self.practitioner)
        self.assertEqual(gate.second_factor_owed(self.practitioner, verified=False), "verify")
        self.assertIsNone(gate.second_factor_owed(self.practitioner, verified=True))

    def test_it_owes_an_enrolment_where_the_clinic_requires_it(self) -> None:
        self.require_2fa()
        self.practitioner.refresh_from_db()
        self.assertEqual(gate.second_factor_owed(self.practitioner, verified=False), "setup")


class PendingHalfStepTests(GateTestCase):
    def test_a_right_password_alone_does_not_sign_in_when_a_code_is_owed(self) -> None:
        device = self.enrol(self.owner)
        client = Client()
        response = self.sign_in(client, self.owner)
        self.assertTrue(response["Location"].startswith(reverse("accounts:verify")))
        self.assertNotIn("_auth_user_id", client.session)
        self.assertEqual(client.session[gate.PENDING]["user"], self.owner.pk)
        self.assertEqual(client.get(reverse("patients:list")).status_code, 302)
        pending_key = client.session.session_key

        response = client.post(reverse("accounts:verify"), {"token": code(device)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(client.session["_auth_user_id"], str(self.owner.pk))
        self.assertNotIn(gate.PENDING, client.session)
        self.assertNotEqual(client.session.session_key, pending_key)  # rotated
        self.assertEqual(client.get(reverse("patients:list")).status_code, 200)

    def test_sign_in_rotates_the_session_key(self) -> None:
        client = Client()
        client.get(reverse("accounts:login"))
        session = client.session
        session["x"] = 1
        session.save()
        client.cookies["sessionid"] = session.session_key
        before = session.session_key
        self.sign_in(client, self.practitioner)
        self.assertEqual(client.session["_auth_user_id"], str(self.practitioner.pk))
        self.assertNotEqual(client.session.session_key, before)

    def test_a_wrong_code_keeps_the_user_signed_out(self) -> None:
        self.enrol(self.owner)
        client = Client()
        self.sign_in(client, self.owner)
        response = client.post(reverse("accounts:verify"), {"token": "000000"})
        self.assertContains(response, "errorlist")
        self.assertNotIn("_auth_user_id", client.session)

    def test_the_code_page_without_a_password_first_goes_to_sign_in(self) -> None:
        self.enrol(self.owner)
        response = Client().post(reverse("accounts:verify"), {"token": "123456"})
        self.assertTrue(response["Location"].startswith(reverse("accounts:login")))

    def test_a_pending_half_step_expires(self) -> None:
        device = self.enrol(self.owner)
        client = Client()
        start = timezone.now()
        with clock(start):
            self.sign_in(client, self.owner)
        with clock(start + gate.PENDING_LIFETIME + dt.timedelta(seconds=1)):
            response = client.post(reverse("accounts:verify"), {"token": code(device)})
            self.assertTrue(response["Location"].startswith(reverse("accounts:login")))
            self.assertNotIn("_auth_user_id", client.session)

    def test_a_required_enrolment_completes_the_sign_in(self) -> None:
        self.require_2fa()
        client = Client()
        response = self.sign_in(client, self.practitioner)
        self.assertTrue(response["Location"].startswith(reverse("accounts:setup")))
        self.assertNotIn("_auth_user_id", client.session)
        page = client.get(reverse("accounts:setup"))
        self.assertContains(page, "<svg")
        device = TOTPDevice.objects.get(user=self.practitioner, confirmed=False)
        response = client.post(reverse("accounts:setup"), {"token": code(device)})
        self.assertEqual(response.status_code, 302)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertEqual(client.session["_auth_user_id"], str(self.practitioner.pk))
        self.assertEqual(client.get(reverse("patients:list")).status_code, 200)
        self.assertEqual(client.get("/api/v1/patients").status_code, 200)


class BypassTests(GateTestCase):
    """The three ways around the second factor, and the admin sign-in without lockout."""

    def setUp(self) -> None:
        self.owner.is_staff = True
        self.owner.save(update_fields=["is_staff"])

    def test_a_password_only_session_does_not_open_the_admin_where_2fa_is_required(
        self,
    ) -> None:
        self.require_2fa()
        client = Client()
        self.sign_in(client, self.owner)
        response = client.get("/admin/")
        self.assertEqual(response.status_code, 302)
        # A session signed in before the requirement (or before this gate) is no better.
        legacy = self.client_for(self.owner)
        response = legacy.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertNotIn("_auth_user_id", legacy.session)
        self.assertEqual(legacy.get("/admin/accounts/location/").status_code, 302)

    def test_the_api_with_a_session_asks_for_the_code_the_pages_ask_for(self) -> None:
        self.enrol(self.practitioner)  # enrolled, not required by the clinic
        client = Client()
        self.sign_in(client, self.practitioner)
        self.assertError(client.get("/api/v1/patients"), 401, "second_factor_required")
        legacy = self.client_for(self.practitioner)
        self.assertIn(reverse("accounts:verify"), legacy.get(reverse("patients:list"))["Location"])
        self.assertError(legacy.get("/api/v1/patients"), 401, "second_factor_required")

    def test_a_token_is_refused_where_2fa_is_required_and_no_device_is_enrolled(self) -> None:
        self.require_2fa()
        self.assertError(
            self.api(self.practitioner, "GET", "/api/v1/patients"), 403, "second_factor_required"
        )
        self.enrol(self.practitioner)
        self.assertEqual(self.api(self.practitioner, "GET", "/api/v1/patients").status_code, 200)

    @override_settings(AXES_FAILURE_LIMIT=5)
    def test_the_admin_sign_in_has_the_lockout_of_the_staff_sign_in(self) -> None:
        client = Client()
        for _ in range(12):
            response = client.post(
                "/admin/login/?next=/admin/", {"username": self.owner.email, "password": "wrong"}
            )
            self.assertNotEqual(response.status_code, 200)
            self.sign_in(client, self.owner, "wrong")
        response = client.post(
            "/admin/login/?next=/admin/", {"username": self.owner.email, "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "/login/?next=/admin/")
        self.assertNotIn("_auth_user_id", client.session)
        self.assertEqual(self.sign_in(client, self.owner).status_code, 429)
        self.assertNotIn("_auth_user_id", client.session)
        self.assertEqual(client.get("/admin/").status_code, 302)

    def test_the_admin_signs_in_through_the_staff_form_and_its_second_factor(self) -> None:
        device = self.enrol(self.owner)
        client = Client()
        response = client.get("/admin/")
        self.assertEqual(response["Location"], "/admin/login/?next=/admin/")
        response = client.get(response["Location"])
        self.assertEqual(response["Location"], "/login/?next=/admin/")
        response = client.post(
            "/login/", {"email": self.owner.email, "password": PASSWORD, "next": "/admin/"}
        )
        self.assertEqual(response["Location"], "/login/verify/?next=/admin/")
        self.assertEqual(client.get("/admin/").status_code, 302)
        response = client.post(
            "/login/verify/?next=/admin/", {"token": code(device), "next": "/admin/"}
        )
        self.assertEqual(response["Location"], "/admin/")
        self.assertEqual(client.get("/admin/").status_code, 200)


class SessionLifetimeTests(GateTestCase):
    def signed_in(self, at: dt.datetime) -> Client:
        client = Client()
        with clock(at):
            self.sign_in(client, self.practitioner)
        return client

    def test_a_session_ends_after_the_idle_timeout(self) -> None:
        start = timezone.now()
        client = self.signed_in(start)
        with clock(start + dt.timedelta(minutes=29)):
            self.assertEqual(client.get(reverse("patients:list")).status_code, 200)
        with clock(start + dt.timedelta(minutes=29 + 31)):
            response = client.get(reverse("patients:list"))
            self.assertTrue(response["Location"].startswith(reverse("accounts:login")))
            self.assertNotIn("_auth_user_id", client.session)
            page = client.get(response["Location"])
            self.assertContains(page, 'id="session-ended"')
            self.assertContains(page, "30 minutes")

    @override_settings(SESSION_IDLE_MINUTES=5)
    def test_the_idle_timeout_is_a_setting(self) -> None:
        start = timezone.now()
        client = self.signed_in(start)
        with clock(start + dt.timedelta(minutes=6)):
            self.assertEqual(client.get(reverse("patients:list")).status_code, 302)

    def test_an_active_session_ends_after_twelve_hours(self) -> None:
        start = timezone.now()
        client = self.signed_in(start)
        at = start
        while at < start + dt.timedelta(hours=11, minutes=50):
            at += dt.timedelta(minutes=20)
            with clock(at):
                self.assertEqual(client.get("/api/v1/patients").status_code, 200, at - start)
        with clock(start + dt.timedelta(hours=12, minutes=1)):
            self.assertEqual(client.get("/api/v1/patients").status_code, 401)
            self.assertNotIn("_auth_user_id", client.session)
            self.assertContains(client.get(reverse("accounts:login")), "12 hours")
