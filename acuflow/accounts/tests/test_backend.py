from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.accounts.backends import StaffBackend, has_second_factor
from acuflow.core.testing import AcuflowTestCase


class StaffBackendTests(AcuflowTestCase):
    def test_one_query_loads_what_every_staff_request_needs(self) -> None:
        with self.assertNumQueries(1):
            user = StaffBackend().get_user(self.practitioner.pk)
            assert user is not None
            self.assertEqual(user.membership.clinic, self.clinic)
            self.assertEqual(user.practitioner.user_id, self.practitioner.pk)
            self.assertFalse(has_second_factor(user))

    def test_it_knows_a_confirmed_second_factor_but_not_an_unconfirmed_one(self) -> None:
        TOTPDevice.objects.create(user=self.owner, name="phone", confirmed=False)
        self.assertFalse(has_second_factor(StaffBackend().get_user(self.owner.pk)))
        TOTPDevice.objects.filter(user=self.owner).update(confirmed=True)
        self.assertTrue(has_second_factor(StaffBackend().get_user(self.owner.pk)))

    def test_unknown_or_inactive_users_are_nobody(self) -> None:
        self.assertIsNone(StaffBackend().get_user(999_999))
        self.assertIsNone(StaffBackend().get_user("not-a-number"))
        self.practitioner.is_active = False
        self.practitioner.save(update_fields=["is_active"])
        self.assertIsNone(StaffBackend().get_user(self.practitioner.pk))
