from __future__ import annotations

import datetime as dt
import re
from unittest import mock

from django.core import mail
from django.test import Client
from django.utils import timezone

from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.patients.selectors import patient_get_for_actor
from acuflow.portal import rules
from acuflow.portal.decorators import COOKIE
from acuflow.portal.models import PortalAccount, PortalSession, SignInLink


def link_from_mail(index: int = -1) -> str:
    return re.search(r"https?://\S+", mail.outbox[index].body).group(0)  # type: ignore[union-attr]


class SignInTests(AcuflowTestCase):
    def request_link(self, client: Client, email: str | None = None, lang: str = "en") -> object:
        return client.post(f"/{lang}/portal/link/", {"email": email or self.patient.email})

    def test_link_signs_the_patient_in_once_in_their_own_language(self) -> None:
        client = Client()
        response = self.request_link(client)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(mail.outbox), 1)
        url = link_from_mail()
        self.assertIn("/nl/portal/sign-in/", url)  # the patient's language, not the page's
        self.assertIn("Test Clinic NL", mail.outbox[0].subject)
        path = url.split("testserver", 1)[1]
        self.assertEqual(client.get(path).status_code, 200)  # opening it does not use it
        response = client.post(path)
        self.assertRedirects(response, "/nl/portal/", fetch_redirect_response=False)
        self.assertContains(client.get("/nl/portal/"), "Anna")
        # Used: a second try fails.
        self.assertEqual(Client().post(path).status_code, 410)

    def test_the_portal_session_is_not_a_staff_session(self) -> None:
        client = Client()
        self.request_link(client)
        client.post(link_from_mail().split("testserver", 1)[1])
        self.assertIn(COOKIE, client.cookies)
        self.assertNotIn("_auth_user_id", client.session)
        self.assertEqual(client.get("/patients/").status_code, 302)  # staff pages: sign in

    def test_staff_login_does_not_open_the_portal(self) -> None:
        client = self.client_for(self.owner)
        response = client.get("/en/portal/")
        self.assertContains(response, "Email me a sign-in link")

    def test_unknown_address_gets_the_same_answer_and_no_mail(self) -> None:
        response = self.request_link(Client(), "nobody@patients.example")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(mail.outbox), 0)

    def test_expired_link_does_not_work(self) -> None:
        client = Client()
        self.request_link(client)
        SignInLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        self.assertEqual(client.post(link_from_mail().split("testserver", 1)[1]).status_code, 410)

    def test_link_requests_are_throttled_per_address(self) -> None:
        client = Client()
        for _ in range(rules.LINKS_PER_EMAIL.limit):
            self.assertEqual(self.request_link(client).status_code, 200)
        self.assertEqual(self.request_link(client).status_code, 429)
        self.assertEqual(len(mail.outbox), rules.LINKS_PER_EMAIL.limit)

    def test_attempts_older_than_the_window_no_longer_count(self) -> None:
        client = Client()
        start = timezone.now()
        with mock.patch("django.utils.timezone.now", return_value=start):
            for _ in range(rules.LINKS_PER_EMAIL.limit):
                self.request_link(client)
            self.assertEqual(self.request_link(client).status_code, 429)
        later = start + 2 * rules.THROTTLE_WINDOW
        with mock.patch("django.utils.timezone.now", return_value=later):
            self.assertEqual(self.request_link(client).status_code, 200)  # not throttled

    def test_password_sign_in_after_setting_one(self) -> None:
        client = Client()
        self.request_link(client)
        client.post(link_from_mail().split("testserver", 1)[1])
        response = client.post(
            "/en/portal/account/", {"password": "long enough pass", "confirm": "long enough pass"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(PortalAccount.objects.get(patient=self.patient).has_password)
        fresh = Client()
        bad = fresh.post("/en/portal/password/", {"email": self.patient.email, "password": "wrong"})
        self.assertEqual(bad.status_code, 401)
        good = fresh.post(
            "/en/portal/password/", {"email": self.patient.email, "password": "long enough pass"}
        )
        self.assertEqual(good.status_code, 302)
        self.assertContains(fresh.get("/en/portal/"), "Welcome, Anna")

    def test_repeated_wrong_passwords_are_locked_out(self) -> None:
        account = PortalAccount.objects.create(patient=self.patient)
        account.set_password("long enough pass")
        account.save()
        client = Client()
        for _ in range(rules.PASSWORD_FAILURES.limit):
            client.post("/en/portal/password/", {"email": self.patient.email, "password": "nope"})
        response = client.post(
            "/en/portal/password/", {"email": self.patient.email, "password": "long enough pass"}
        )
        self.assertEqual(response.status_code, 429)

    def test_right_passwords_do_not_count_as_failures(self) -> None:
        account = PortalAccount.objects.create(patient=self.patient)
        account.set_password("long enough pass")
        account.save()
        form = {"email": self.patient.email, "password": "long enough pass"}
        for _ in range(rules.PASSWORD_FAILURES.limit + 1):
            self.assertEqual(Client().post("/en/portal/password/", form).status_code, 302)

    def test_sign_out_ends_the_session(self) -> None:
        client = Client()
        self.request_link(client)
        client.post(link_from_mail().split("testserver", 1)[1])
        key = client.cookies[COOKIE].value
        client.post("/en/portal/sign-out/")
        self.assertIsNotNone(PortalSession.objects.get().ended_at)
        other = Client()
        other.cookies[COOKIE] = key
        self.assertContains(other.get("/en/portal/"), "Email me a sign-in link")

    def test_idle_session_expires(self) -> None:
        now = timezone.now()
        created = now - dt.timedelta(minutes=40)
        valid = rules.session_valid
        self.assertTrue(
            valid(
                now=now,
                created_at=created,
                last_seen_at=now - dt.timedelta(minutes=29),
                ended_at=None,
            )
        )
        self.assertFalse(
            valid(now=now, created_at=created, last_seen_at=now - rules.SESSION_IDLE, ended_at=None)
        )
        self.assertFalse(
            valid(now=now, created_at=now - rules.SESSION_MAX, last_seen_at=now, ended_at=None)
        )

    def test_pages_need_a_portal_session(self) -> None:
        for path in ("/en/portal/account/", "/en/portal/who-looked/"):
            self.assertRedirects(Client().get(path), "/en/portal/", fetch_redirect_response=False)


class AccessLogTests(AcuflowTestCase):
    def signed_in(self) -> Client:
        client = Client()
        client.post("/en/portal/link/", {"email": self.patient.email})
        client.post(link_from_mail().split("testserver", 1)[1])
        return client

    def test_patient_sees_staff_name_and_role_but_not_email_and_their_own_views(self) -> None:
        patient_get_for_actor(actor=self.actor(self.practitioner), patient_id=self.patient.pk)
        client = self.signed_in()
        response = client.get("/en/portal/who-looked/")
        self.assertContains(response, "Daan Acu")
        self.assertContains(response, "practitioner")
        self.assertNotContains(response, "acupuncturist@nl.example")
        self.assertContains(response, "You, in the patient portal")
        own = AuditEvent.objects.filter(patient=self.patient, channel="portal")
        self.assertTrue(own.filter(object_type="portal.access_log", user=None).exists())

    def test_another_patient_with_the_same_email_in_another_clinic_is_not_mixed_in(self) -> None:
        twin = make_patient(
            self.other_clinic, "Anna", "de Jong", email=self.patient.email, language="nb"
        )
        patient_get_for_actor(actor=self.actor(self.other), patient_id=twin.pk)
        client = Client()
        client.post("/en/portal/link/", {"email": self.patient.email})
        self.assertEqual(len(mail.outbox), 2)  # one link per record
        nl_link = next(m for m in mail.outbox if "Test Clinic NL" in m.subject)
        client.post(re.search(r"https?://\S+", nl_link.body).group(0).split("testserver", 1)[1])  # type: ignore[union-attr]
        self.assertNotContains(client.get("/en/portal/who-looked/"), "Lars Other")

    def test_access_log_queries_do_not_grow(self) -> None:
        client = self.signed_in()
        actor = self.actor(self.practitioner)

        def rows(n: int) -> None:
            for _ in range(n):
                patient_get_for_actor(actor=actor, patient_id=self.patient.pk)

        self.assertConstantQueries(rows, lambda: client.get("/en/portal/who-looked/"))
