"""The session engine (acuflow.accounts.sessions) reads Django's database sessions with a
compiled lookup: the same rows, expiry still honoured, an unknown key still nobody."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.accounts.sessions import SessionStore
from acuflow.core.testing import AcuflowTestCase


class SessionStoreTests(AcuflowTestCase):
    def test_it_is_the_configured_engine(self) -> None:
        self.assertEqual(settings.SESSION_ENGINE, "acuflow.accounts.sessions")

    def test_it_reads_a_session_written_by_djangos_own_store(self) -> None:
        written = DjangoStore()
        written["x"] = 1
        written.save()
        with self.assertNumQueries(1):
            self.assertEqual(SessionStore(written.session_key)["x"], 1)

    def test_an_expired_or_unknown_session_is_empty_and_gets_a_new_key(self) -> None:
        store = SessionStore()
        store["x"] = 1
        store.save()
        key = store.session_key
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - dt.timedelta(seconds=1)
        )
        for session_key in (key, "no-such-session-key"):
            loaded = SessionStore(session_key)
            self.assertNotIn("x", loaded)
            self.assertIsNone(loaded.session_key)
            loaded["y"] = 2
            loaded.save()
            self.assertNotEqual(loaded.session_key, session_key)

    def test_a_session_ends_at_once_when_its_row_goes(self) -> None:
        client = self.client_for(self.practitioner)
        self.assertEqual(client.get("/api/v1/clinic").status_code, 200)
        Session.objects.all().delete()  # signing out everywhere, the way an admin would
        self.assertEqual(client.get("/api/v1/clinic").status_code, 401)


class SessionAuthenticatorTests(AcuflowTestCase):
    """django-otp's middleware with the compiled device lookup: the session counts as
    verified only while its device exists, is confirmed and is the user's."""

    def verified_client(self, device: TOTPDevice) -> Client:
        client = self.client_for(self.owner)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    def test_the_sessions_device_must_stay_confirmed_and_the_users(self) -> None:
        device = TOTPDevice.objects.create(user=self.owner, name="phone", confirmed=True)
        client = self.verified_client(device)
        self.assertEqual(client.get("/api/v1/clinic").status_code, 200)
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
        # Still one confirmed device left: owes a code, as the session's is void now.
        TOTPDevice.objects.create(user=self.owner, name="spare", confirmed=True)
        self.assertError(client.get("/api/v1/clinic"), 401, "second_factor_required")

        client = self.verified_client(device)
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True, user=self.practitioner)
        self.assertError(client.get("/api/v1/clinic"), 401, "second_factor_required")

    def test_the_device_comes_with_the_user(self) -> None:
        device = TOTPDevice.objects.create(user=self.owner, name="phone", confirmed=True)
        client = self.verified_client(device)
        client.get("/api/v1/clinic")  # the idle stamp's write, once a minute
        with self.assertNumQueries(2):  # the session; the user with the device
            self.assertEqual(client.get("/api/v1/clinic").status_code, 200)
        self.assertEqual(client.session[DEVICE_ID_SESSION_KEY], device.persistent_id)

    def test_a_removed_device_unverifies_the_session(self) -> None:
        device = TOTPDevice.objects.create(user=self.owner, name="phone", confirmed=True)
        spare = TOTPDevice.objects.create(user=self.owner, name="spare", confirmed=True)
        client = self.verified_client(device)
        self.assertEqual(client.get("/api/v1/clinic").status_code, 200)
        device.delete()
        self.assertError(client.get("/api/v1/clinic"), 401, "second_factor_required")
        self.assertTrue(TOTPDevice.objects.filter(pk=spare.pk).exists())

    def test_a_password_change_ends_the_session(self) -> None:
        device = TOTPDevice.objects.create(user=self.owner, name="phone", confirmed=True)
        client = self.verified_client(device)
        self.assertEqual(client.get("/api/v1/clinic").status_code, 200)
        self.owner.set_password("another horse battery staple")
        self.owner.save(update_fields=["password"])
        self.assertEqual(client.get("/api/v1/clinic").status_code, 401)
        self.assertNotIn("_auth_user_id", client.session)
