"""Test personas shared by every app's tests.

NL clinic: owner (also acupuncturist), practitioner (acupuncture only), ims (IMS and
acupuncture), reception, and a patient. NO clinic: `other`, a practitioner who must
see nothing of the NL clinic.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from contextlib import contextmanager
from typing import Any

from django.core.cache import caches
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from acuflow.accounts.models import ApiToken, Clinic, Location, Membership, Practitioner, Room, User
from acuflow.audit import sections
from acuflow.core.actor import Actor
from acuflow.patients.models import Patient
from acuflow.patients.names import family_sort_key

PASSWORD = "correct horse battery staple"


def make_staff(
    clinic: Clinic,
    email: str,
    role: str,
    *,
    modalities: list[str] | None = None,
    name: str = "",
    registration_expires: dt.date | None = None,
) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=name or email.split("@")[0].title())
    Membership.objects.create(user=user, clinic=clinic, role=role)
    if modalities is not None:
        Practitioner.objects.create(
            user=user,
            clinic=clinic,
            profession="Acupuncturist",
            professional_body="NVA",
            registration_number=f"R-{user.pk}",
            registration_expires=registration_expires or dt.date.today() + dt.timedelta(days=365),
            modalities=modalities,
        )
    return user


def new_york_day_boundary(clinic: Clinic, practitioner: Practitioner) -> dt.datetime:
    """Move `clinic` to New York, let `practitioner`'s registration run through 10 March
    2026, and return 23:30 UTC that day: already 11 March in Amsterdam (the server's
    zone), still 10 March in New York. Code that takes "today" from the server's zone
    instead of the clinic's sees an expired registration at that instant."""
    clinic.timezone = "America/New_York"
    clinic.save(update_fields=["timezone"])
    practitioner.registration_expires = dt.date(2026, 3, 10)
    practitioner.save(update_fields=["registration_expires"])
    return dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)


def make_patient(
    clinic: Clinic, given: str = "Anna", family: str = "de Jong", **extra: Any
) -> Patient:
    fields: dict[str, Any] = {
        "birth_date": dt.date(1970, 5, 17),
        "sex": "female",
        "language": clinic.language,
        "email": f"{given}.{family}@patients.example".lower().replace(" ", ""),
        "phone": "+31 6 1234 5678",
        "phone_digits": "31612345678",
    }
    fields.update(extra)
    fields.setdefault("family_sort", family_sort_key(family))
    return Patient.objects.create(clinic=clinic, given_name=given, family_name=family, **fields)


class AcuflowTestCase(TestCase):
    clinic: Clinic
    other_clinic: Clinic
    owner: User
    practitioner: User
    ims: User
    reception: User
    other: User
    patient: Patient
    other_patient: Patient
    room: Room

    @classmethod
    def setUpTestData(cls) -> None:
        cls.clinic = Clinic.objects.create(
            name="Test Clinic NL",
            slug="test-nl",
            country="NL",
            language="nl",
            timezone="Europe/Amsterdam",
            phone="+31 30 123 4567",
            whatsapp="+31 6 1234 5678",
        )
        location = Location.objects.create(clinic=cls.clinic, name="Main")
        cls.room = Room.objects.create(location=location, name="Room 1")
        cls.other_clinic = Clinic.objects.create(
            name="Test Clinic NO",
            slug="test-no",
            country="NO",
            language="nb",
            timezone="Europe/Oslo",
        )
        cls.owner = make_staff(
            cls.clinic,
            "owner@nl.example",
            "owner",
            modalities=["acupuncture", "electroacupuncture", "cupping", "acupressure"],
            name="Eva Owner",
        )
        cls.practitioner = make_staff(
            cls.clinic,
            "acupuncturist@nl.example",
            "practitioner",
            modalities=["acupuncture"],
            name="Daan Acu",
        )
        cls.ims = make_staff(
            cls.clinic,
            "ims@nl.example",
            "practitioner",
            modalities=["ims", "acupuncture"],
            name="Sanne Ims",
        )
        cls.reception = make_staff(
            cls.clinic, "reception@nl.example", "reception", name="Lotte Desk"
        )
        cls.other = make_staff(
            cls.other_clinic,
            "acupuncturist@no.example",
            "practitioner",
            modalities=["acupuncture"],
            name="Lars Other",
        )
        cls.patient = make_patient(cls.clinic)
        cls.other_patient = make_patient(cls.other_clinic, "Kari", "Nordmann", language="nb")

    # -- helpers -------------------------------------------------------------------
    def actor(self, user: User, channel: str = "web") -> Actor:
        membership = user.membership
        return Actor(
            user=user,
            clinic=membership.clinic,
            role=membership.role,
            channel=channel,
            client_address="127.0.0.1",
            on_behalf_of=membership.clinic.name,
        )

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def token_for(self, user: User) -> str:
        """A live API token of `user` (one per user and test: tokens are stored hashed,
        so the test keeps the plain one)."""
        tokens: dict[int, str] = self.__dict__.setdefault("_tokens", {})
        if user.pk not in tokens or not ApiToken.objects.live().filter(user=user).exists():
            tokens[user.pk] = ApiToken.create_for(user, name="test")[1]
        return tokens[user.pk]

    def api(
        self, user: User | None, method: str, path: str, data: Any = None, raw: str | None = None
    ) -> Any:
        """Call the JSON API with a bearer token; returns the response with .json() available."""
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token_for(user)}"} if user else {}
        body = (
            raw
            if raw is not None
            else (json.dumps(data, default=str) if data is not None else None)
        )
        client = Client()
        fn = getattr(client, method.lower())
        if method.upper() in {"GET", "DELETE"} and data is not None and raw is None:
            return fn(path, data, **headers)
        if body is None:
            return fn(path, **headers)
        return fn(path, body, content_type="application/json", **headers)

    def assertError(self, response: Any, status: int, code: str | None = None) -> dict[str, Any]:
        self.assertEqual(response.status_code, status, response.content[:500])
        body = response.json()
        self.assertIn("error", body)
        self.assertIn("detail", body)
        if code is not None:
            self.assertEqual(body["error"], code, body)
        return body

    @contextmanager
    def count_queries(self):  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as ctx:
            yield ctx

    def assertConstantQueries(self, make_rows: Any, request: Any) -> None:
        """Query count of `request()` is the same with 1 and with 50 related rows. Each
        measured request builds its record's parts anew (audit.sections): tests make rows
        without the services' audit rows, and the work to bound is the building."""
        make_rows(1)
        request()  # warm-up: tokens, sessions and caches created on first use
        caches[sections.CACHE].clear()
        with self.count_queries() as small:
            request()
        make_rows(49)
        caches[sections.CACHE].clear()
        with self.count_queries() as large:
            request()
        self.assertEqual(
            len(small.captured_queries),
            len(large.captured_queries),
            "query count grows with data:\n" + "\n".join(q["sql"] for q in large.captured_queries),
        )


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
    )
