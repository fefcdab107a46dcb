"""Setting a password through a one-time link: staff who forgot theirs ask for one at
sign-in; an owner invites new staff from the clinic admin."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from acuflow.accounts.models import User
from acuflow.accounts.services import LINKS_PER_ADDRESS, LINKS_PER_EMAIL
from acuflow.core.testing import AcuflowTestCase

NEW_PASSWORD = "kaars-tulp-Molen-93"


def link_in(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://testserver(/password/set/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


class PasswordLinkTests(AcuflowTestCase):
    def ask(self, email: str) -> object:
        return Client().post("/password/reset/", {"email": email})

    def set_password(self, path: str, password: str = NEW_PASSWORD) -> Client:
        client = Client()
        form = client.get(path, follow=True)  # Django moves the token into the session
        self.assertContains(form, 'name="new_password1"')
        done = client.post(
            form.redirect_chain[-1][0],
            {"new_password1": password, "new_password2": password},
            follow=True,
        )
        self.assertEqual(done.redirect_chain[-1][0], "/login/")
        return client

    def test_sign_in_page_offers_the_link(self) -> None:
        page = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(page, 'href="/password/reset/"')

    def test_a_forgotten_password_is_replaced_through_the_mailed_link(self) -> None:
        page = self.ask(self.practitioner.email.upper())
        self.assertContains(page, 'id="link-sent"')
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, [self.practitioner.email])
        self.set_password(link_in(message))
        client = Client()
        signed_in = client.post(
            "/login/", {"email": self.practitioner.email, "password": NEW_PASSWORD}
        )
        self.assertEqual(signed_in.status_code, 302)
        self.assertNotIn("/login/", signed_in["Location"])

    def test_the_link_works_once(self) -> None:
        self.ask(self.practitioner.email)
        path = link_in(mail.outbox[0])
        self.set_password(path)
        again = Client().get(path, follow=True)
        self.assertContains(again, 'id="link-invalid"')
        self.assertNotContains(again, 'name="new_password1"')

    def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(self) -> None:
        known = self.ask(self.practitioner.email)
        self.practitioner.is_active = False
        self.practitioner.save(update_fields=["is_active"])
        mail.outbox.clear()
        for email in ("nobody@nl.example", self.practitioner.email):
            answer = self.ask(email)
            self.assertEqual(answer.status_code, known.status_code)
            self.assertContains(answer, 'id="link-sent"')
        self.assertEqual(mail.outbox, [])

    def test_requests_for_one_address_are_limited_without_telling(self) -> None:
        limit = LINKS_PER_EMAIL.limit
        answers = [self.ask(self.practitioner.email.upper()) for _ in range(limit + 2)]
        self.assertEqual(len(mail.outbox), limit)  # the rest are not mailed
        for answer in answers:
            self.assertContains(answer, 'id="link-sent"')  # and the page says the same

    def test_one_client_cannot_flood_many_addresses(self) -> None:
        for i in range(LINKS_PER_ADDRESS.limit):
            self.ask(f"guess{i}@nl.example")
        self.ask(self.practitioner.email)
        self.assertEqual(mail.outbox, [])
        other_client = Client(REMOTE_ADDR="192.0.2.7")
        other_client.post("/password/reset/", {"email": self.practitioner.email})
        self.assertEqual(len(mail.outbox), 1)

    def test_a_weak_password_is_refused_on_the_page(self) -> None:
        self.ask(self.practitioner.email)
        client = Client()
        form = client.get(link_in(mail.outbox[0]), follow=True)
        refused = client.post(
            form.redirect_chain[-1][0], {"new_password1": "1234", "new_password2": "1234"}
        )
        self.assertEqual(refused.status_code, 200)
        self.assertContains(refused, 'name="new_password1"')
        self.practitioner.refresh_from_db()
        self.assertFalse(self.practitioner.check_password("1234"))


class InvitationTests(AcuflowTestCase):
    def setUp(self) -> None:
        self.owner.is_staff = True
        self.owner.save(update_fields=["is_staff"])

    def test_an_owner_adds_staff_who_set_their_own_password(self) -> None:
        client = self.client_for(self.owner)
        added = client.post(
            "/admin/accounts/user/add/",
            {
                "email": "new.desk@nl.example",
                "full_name": "Noor Desk",
                "language": "nl",
                "is_active": "on",
            },
        )
        self.assertEqual(added.status_code, 302, added.content[:2000])
        user = User.objects.get(email="new.desk@nl.example")
        self.assertFalse(user.has_usable_password())
        from acuflow.accounts.models import Membership

        Membership.objects.create(user=user, clinic=self.clinic, role="reception")
        sent = client.post(
            "/admin/accounts/user/",
            {"action": "send_password_link", "_selected_action": [str(user.pk)]},
            follow=True,
        )
        self.assertEqual(sent.status_code, 200)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, ["new.desk@nl.example"])
        self.assertIn("Test Clinic NL", message.subject)
        self.assertIn("wachtwoord", message.body)  # in the new user's language (Dutch)
        PasswordLinkTests.set_password(self, link_in(message))  # type: ignore[arg-type]
        user.refresh_from_db()
        self.assertTrue(user.check_password(NEW_PASSWORD))

    def test_an_owner_cannot_invite_another_clinics_staff(self) -> None:
        client = self.client_for(self.owner)
        client.post(
            "/admin/accounts/user/",
            {"action": "send_password_link", "_selected_action": [str(self.other.pk)]},
            follow=True,
        )
        self.assertEqual(mail.outbox, [])
