from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from acuflow.accounts.models import Clinic, Membership, Practitioner, User
from acuflow.patients.models import Patient


class DemoCommandTests(TestCase):
    def test_it_loads_two_clinics_idempotently(self) -> None:
        call_command("demo", stdout=StringIO())
        counts = (Clinic.objects.count(), User.objects.count(), Patient.objects.count())
        out = StringIO()
        call_command("demo", stdout=out)
        self.assertEqual(
            counts, (Clinic.objects.count(), User.objects.count(), Patient.objects.count())
        )
        self.assertEqual(Clinic.objects.count(), 2)
        self.assertIn("owner@nl.example", out.getvalue())
        nl = Clinic.objects.get(country="NL")
        self.assertEqual((nl.language, nl.timezone), ("nl", "Europe/Amsterdam"))
        no = Clinic.objects.get(country="NO")
        self.assertEqual((no.language, no.timezone), ("nb", "Europe/Oslo"))
        self.assertGreaterEqual(Patient.objects.filter(clinic=nl).count(), 30)
        self.assertGreaterEqual(Patient.objects.filter(clinic=no).count(), 30)
        owner = User.objects.get(email="owner@nl.example")
        self.assertEqual(owner.membership.role, "owner")
        self.assertNotIn("ims", owner.practitioner.modalities)
        self.assertIn("ims", Practitioner.objects.get(user__email="ims@nl.example").modalities)
        self.assertEqual(
            Membership.objects.get(user__email="reception@nl.example").role, "reception"
        )
        self.assertTrue(owner.check_password("acuflow-demo"))

    def test_if_empty_skips_a_database_with_clinics(self) -> None:
        Clinic.objects.create(name="Mine", slug="mine", country="ES", language="es")
        call_command("demo", "--if-empty", stdout=StringIO())
        self.assertEqual(Clinic.objects.count(), 1)


class TokenCommandTests(TestCase):
    def test_unknown_email_is_an_error(self) -> None:
        with self.assertRaises(CommandError):
            call_command("token", "nobody@nl.example", stdout=StringIO())
