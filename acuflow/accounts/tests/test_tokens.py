"""API tokens have a lifecycle: stored as a digest, named, expiring, revoked on demand
and by a password change, refused (and the refusal recorded) once dead."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.accounts.models import ApiToken, token_digest
from acuflow.accounts.services import api_token_issue
from acuflow.accounts.tests.test_gate import code
from acuflow.audit.models import SecurityEvent
from acuflow.core.errors import DomainError
from acuflow.core.testing import AcuflowTestCase


class TokenLifecycleTests(AcuflowTestCase):
    def get(self, key: str, path: str = "/api/v1/clinic") -> object:
        return self.client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")

    def test_it_stores_only_the_digest_and_a_prefix(self) -> None:
        token, key = api_token_issue(user=self.practitioner, name="scripts")
        self.assertEqual(token.key_hash, token_digest(key))
        self.assertEqual(token.prefix, key[:8])
        self.assertNotIn(key, {v for v in ApiToken.objects.values_list("key_hash", "prefix")[0]})
        self.assertAlmostEqual(
            token.expires_at, timezone.now() + dt.timedelta(days=90), delta=dt.timedelta(minutes=1)
        )
        response = self.get(key)
        self.assertEqual(response.status_code, 200)
        token.refresh_from_db()
        self.assertIsNotNone(token.last_used_at)

    def test_an_expired_token_is_refused_and_recorded(self) -> None:
        token, key = api_token_issue(user=self.practitioner)
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
        self.assertError(self.get(key), 401, "token_expired")
        event = SecurityEvent.objects.get(kind="token_refused")
        self.assertEqual((event.reason, event.target_id), ("expired", str(token.pk)))
        self.assertEqual(event.clinic, self.clinic)

    def test_a_revoked_token_is_refused(self) -> None:
        _token, key = api_token_issue(user=self.practitioner)
        mine = self.api(self.practitioner, "GET", "/api/v1/tokens").json()["items"]
        target = next(t for t in mine if t["prefix"] == key[:8])
        response = self.api(self.practitioner, "DELETE", f"/api/v1/tokens/{target['id']}")
        self.assertEqual(response.json()["status"], "revoked")
        self.assertError(self.get(key), 401, "token_revoked")

    def test_a_password_change_revokes_every_token(self) -> None:
        _token, key = api_token_issue(user=self.practitioner)
        self.assertEqual(self.get(key).status_code, 200)
        self.practitioner.set_password("a-new-password-123")
        self.practitioner.save()
        self.assertError(self.get(key), 401, "token_revoked")

    def test_an_unknown_token_is_401_and_recorded(self) -> None:
        self.assertEqual(self.get("not-a-token").status_code, 401)
        self.assertEqual(SecurityEvent.objects.get().reason, "unknown token")

    def test_the_list_is_own_tokens_and_the_owners_is_the_clinics(self) -> None:
        api_token_issue(user=self.practitioner, name="practitioner's")
        api_token_issue(user=self.other, name="other clinic's")
        mine = self.api(self.practitioner, "GET", "/api/v1/tokens").json()["items"]
        self.assertEqual({t["user"] for t in mine}, {self.practitioner.email})
        owners = self.api(self.owner, "GET", "/api/v1/tokens").json()["items"]
        self.assertIn("practitioner's", {t["name"] for t in owners})
        self.assertNotIn("other clinic's", {t["name"] for t in owners})
        self.assertNotIn("key", owners[0])

    def test_a_practitioner_cannot_revoke_a_colleagues_token(self) -> None:
        token, _key = api_token_issue(user=self.owner)
        response = self.api(self.practitioner, "DELETE", f"/api/v1/tokens/{token.pk}")
        self.assertError(response, 404, "not_found")
        token.refresh_from_db()
        self.assertIsNone(token.revoked_at)
        self.assertTrue(SecurityEvent.objects.filter(target_id=str(token.pk)).exists())

    def test_where_2fa_is_required_only_the_page_with_a_code_issues_one(self) -> None:
        self.clinic.require_2fa = True
        self.clinic.save(update_fields=["require_2fa"])
        with self.assertRaises(DomainError):
            api_token_issue(user=self.practitioner)  # no authenticator
        device = TOTPDevice.objects.create(user=self.practitioner, name="app", confirmed=True)
        self.practitioner.refresh_from_db()
        with self.assertRaises(DomainError):
            api_token_issue(user=self.practitioner)  # no code checked for it
        with self.assertRaises(CommandError):
            call_command("token", self.practitioner.email, stdout=StringIO())
        client = self.client_for(self.practitioner)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        page = reverse("accounts:tokens")
        wrong = client.post(page, {"name": "scripts", "days": 90, "code": "000000"})
        self.assertFalse(ApiToken.objects.filter(user=self.practitioner).exists())
        self.assertIn("code", wrong.context["form"].errors)
        TOTPDevice.objects.filter(pk=device.pk).update(  # django-otp slows down retries
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
        right = client.post(page, {"name": "scripts", "days": 90, "code": code(device)})
        key = right.context["issued"]
        self.assertEqual(ApiToken.objects.get(user=self.practitioner).prefix, key[:8])
        self.assertEqual(self.get(key).status_code, 200)

    def test_the_page_revokes_a_token(self) -> None:
        token, key = api_token_issue(user=self.practitioner)
        client = self.client_for(self.practitioner)
        client.post(reverse("accounts:token_revoke", args=[token.pk]))
        self.assertError(self.get(key), 401, "token_revoked")


class TokenCommandTests(AcuflowTestCase):
    def test_it_issues_a_new_token_each_time_and_revokes_them_all(self) -> None:
        first, second = StringIO(), StringIO()
        call_command("token", self.practitioner.email, stdout=first)
        call_command("token", self.practitioner.email, "--days", "7", stdout=second)
        keys = [first.getvalue().split()[-1], second.getvalue().split()[-1]]
        self.assertNotEqual(keys[0], keys[1])
        self.assertEqual(ApiToken.objects.live().filter(user=self.practitioner).count(), 2)
        call_command("token", self.practitioner.email, "--revoke", stdout=StringIO())
        self.assertFalse(ApiToken.objects.live().filter(user=self.practitioner).exists())
        for key in keys:
            response = self.client.get("/api/v1/clinic", HTTP_AUTHORIZATION=f"Bearer {key}")
            self.assertEqual(response.status_code, 401)
