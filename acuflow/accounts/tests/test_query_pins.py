"""Query count of the signed-in floor (the bench's "signed-in page (floor)": GET
/api/v1/clinic with a staff session, both factors given) does not grow with the
user's authenticators and API tokens."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.accounts.models import ApiToken
from acuflow.core.testing import AcuflowTestCase


class SignedInFloorQueryPinTests(AcuflowTestCase):
    def test_signed_in_floor(self) -> None:
        device = TOTPDevice.objects.create(user=self.owner, name="phone", confirmed=True)
        client = Client()
        client.force_login(self.owner)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        made = {"n": 0}

        def rows(n: int) -> None:
            for _ in range(n):
                made["n"] += 1
                TOTPDevice.objects.create(
                    user=self.owner, name=f"spare {made['n']}", confirmed=True
                )
                ApiToken.create_for(self.owner, name=f"script {made['n']}")

        def floor() -> None:
            r = client.get("/api/v1/clinic")
            self.assertEqual(r.status_code, 200, r.content)  # signed in: not demoted
            self.assertEqual(r.json()["slug"], "test-nl")

        self.assertConstantQueries(rows, floor)
        # Two: the session, then the user with membership, clinic, practitioner record
        # and the session's authenticator (StaffBackend; django-otp's own lookup of the
        # device was a third until issue 20).
        with self.assertNumQueries(2):
            floor()
