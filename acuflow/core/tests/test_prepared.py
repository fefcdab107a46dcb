"""A prepared lookup answers what its queryset answers, reads the current rows on every
call (nothing is cached but the SQL), and refuses a marker it cannot place."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from acuflow.accounts.models import Membership, User
from acuflow.core.prepared import (
    MARKER_DAY,
    MARKER_ID,
    MARKER_INSTANT,
    MARKER_KEY,
    MARKER_OTHER_DAY,
    MARKER_OTHER_INSTANT,
    Prepared,
)
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.patients.models import Patient


def users() -> QuerySet[User]:
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return User.objects.select_related("membership__clinic", "practitioner").annotate(
        has_device=Exists(confirmed)
    )


USER = Prepared(User, lambda: users().filter(pk=MARKER_ID), pk=MARKER_ID)
BY_EMAIL = Prepared(User, lambda: users().filter(email=MARKER_KEY), email=MARKER_KEY)


def fields(obj: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(obj).items() if k != "_state"}


class PreparedTests(AcuflowTestCase):
    def test_it_answers_what_the_queryset_answers(self) -> None:
        TOTPDevice.objects.create(user=self.owner, name="phone", confirmed=True)
        for user in (self.owner, self.reception, self.other):
            expected = users().get(pk=user.pk)
            with self.assertNumQueries(1):
                found = USER.first(pk=user.pk)
                assert found is not None
                self.assertEqual(fields(found), fields(expected))
                self.assertEqual(found.has_device, user == self.owner)  # type: ignore[attr-defined]
                self.assertEqual(fields(found.membership), fields(expected.membership))
                self.assertEqual(
                    fields(found.membership.clinic), fields(expected.membership.clinic)
                )
                self.assertEqual(found._state.db, "default")
                self.assertFalse(found._state.adding)
                if hasattr(expected, "practitioner"):
                    self.assertEqual(fields(found.practitioner), fields(expected.practitioner))
                else:  # reception: no practitioner record, known without a query
                    with self.assertRaises(ObjectDoesNotExist):
                        found.practitioner  # noqa: B018

    def test_a_string_marker_and_no_match(self) -> None:
        self.assertEqual(BY_EMAIL.first(email=self.practitioner.email), self.practitioner)
        self.assertIsNone(BY_EMAIL.first(email="nobody@example.org"))
        self.assertIsNone(USER.first(pk=999_999))

    def test_every_call_reads_the_current_rows(self) -> None:
        USER.first(pk=self.practitioner.pk)
        User.objects.filter(pk=self.practitioner.pk).update(is_active=False, language="nb")
        Membership.objects.filter(user=self.practitioner).update(role="reception")
        found = USER.first(pk=self.practitioner.pk)
        assert found is not None
        self.assertFalse(found.is_active)
        self.assertEqual(found.language, "nb")
        self.assertEqual(found.membership.role, "reception")
        Membership.objects.filter(user=self.practitioner).delete()
        found = USER.first(pk=self.practitioner.pk)
        assert found is not None
        with self.assertRaises(ObjectDoesNotExist):
            found.membership  # noqa: B018

    def test_values_rows_and_every_row(self) -> None:
        by_clinic = Prepared(
            User,
            lambda: (
                User.objects.filter(membership__clinic_id=MARKER_ID)
                .order_by("email")
                .values("email", "membership__role")
            ),
            clinic=MARKER_ID,
        )
        emails = Prepared(
            User,
            lambda: (
                User.objects.filter(membership__clinic_id=MARKER_ID)
                .order_by("email")
                .values_list("email", flat=True)
            ),
            clinic=MARKER_ID,
        )
        clinic = self.owner.membership.clinic_id
        expected = list(
            User.objects.filter(membership__clinic_id=clinic)
            .order_by("email")
            .values("email", "membership__role")
        )
        self.assertGreater(len(expected), 1)
        with self.assertNumQueries(1):
            self.assertEqual(by_clinic.rows(clinic=clinic), expected)
        self.assertEqual(by_clinic.first(clinic=clinic), expected[0])
        self.assertEqual(emails.rows(clinic=clinic), [row["email"] for row in expected])
        self.assertEqual(emails.rows(clinic=999_999), [])
        self.assertIsNone(emails.first(clinic=999_999))

    def test_day_and_instant_markers(self) -> None:
        # Passed as the backend adapts a DateField's and a DateTimeField's value (text
        # on SQLite), at the marker and at each call.
        def born() -> QuerySet[Patient, int]:
            return (
                Patient.objects.filter(
                    clinic_id=MARKER_ID,
                    birth_date__range=(MARKER_DAY, MARKER_OTHER_DAY),
                    created_at__gte=MARKER_INSTANT,
                    created_at__lt=MARKER_OTHER_INSTANT,
                )
                .order_by("id")
                .values_list("id", flat=True)
            )

        lookup = Prepared(
            Patient,
            born,
            clinic=MARKER_ID,
            first=MARKER_DAY,
            last=MARKER_OTHER_DAY,
            since=MARKER_INSTANT,
            until=MARKER_OTHER_INSTANT,
        )
        clinic = self.patient.clinic
        older = make_patient(clinic, "Bea", birth_date=dt.date(1950, 1, 2))
        make_patient(clinic, "Cor", birth_date=dt.date(1990, 3, 4))
        now = timezone.now()
        day_before = now - dt.timedelta(days=1)
        later = now + dt.timedelta(minutes=1)
        amsterdam = zoneinfo.ZoneInfo("Europe/Amsterdam")
        cases = [
            (dt.date(1940, 1, 1), dt.date(1980, 1, 1), day_before, later),
            (dt.date(1950, 1, 2), dt.date(1950, 1, 2), day_before.astimezone(amsterdam), later),
            (dt.date(1900, 1, 1), dt.date(2100, 1, 1), later, later + dt.timedelta(days=1)),
        ]
        answers = []
        for first, last, since, until in cases:
            expected = list(
                Patient.objects.filter(
                    clinic=clinic,
                    birth_date__range=(first, last),
                    created_at__gte=since,
                    created_at__lt=until,
                )
                .order_by("id")
                .values_list("id", flat=True)
            )
            found = lookup.rows(clinic=clinic.pk, first=first, last=last, since=since, until=until)
            self.assertEqual(found, expected)
            answers.append(found)
        self.assertEqual(len(answers[0]), 2)
        self.assertEqual(answers[1], [older.pk])
        self.assertEqual(answers[2], [])

    def test_rows_of_a_values_list_lookup(self) -> None:
        emails = Prepared(
            User,
            lambda: (
                User.objects.filter(membership__clinic_id=MARKER_ID)
                .order_by("-email")
                .values_list("email", "date_joined")
            ),
            clinic=MARKER_ID,
        )
        for clinic in (self.clinic.pk, self.other.membership.clinic_id, 999_999):
            expected = list(
                User.objects.filter(membership__clinic_id=clinic)
                .order_by("-email")
                .values_list("email", "date_joined")
            )
            with self.assertNumQueries(1):
                self.assertEqual(emails.rows(clinic=clinic), expected)
        self.assertGreater(len(emails.rows(clinic=self.clinic.pk)), 2)

    def test_a_page_and_a_marker_in_a_subquery_too(self) -> None:
        def members(clinic: int) -> QuerySet[User, dict[str, Any]]:
            same = User.objects.filter(membership__clinic_id=clinic)
            total = Subquery(
                same.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("*"))
                .values("n")
            )  # fmt: skip
            return same.order_by("email").values("email").annotate(total=total)

        paged = Prepared(User, lambda: members(MARKER_ID), clinic=MARKER_ID)
        everyone = list(members(self.clinic.pk))
        self.assertGreater(len(everyone), 3)
        for offset in (0, 1, len(everyone) - 1, len(everyone) + 5):
            with self.assertNumQueries(1):
                page = paged.rows(clinic=self.clinic.pk, limit=2, offset=offset)
            self.assertEqual(page, everyone[offset : offset + 2])
        self.assertEqual({row["total"] for row in everyone}, {len(everyone)})
        sliced = Prepared(User, lambda: User.objects.filter(pk=MARKER_ID)[:1], pk=MARKER_ID)
        with self.assertRaisesMessage(ImproperlyConfigured, "not sliced"):
            sliced.first(pk=1)

    def test_a_marker_that_is_not_in_the_query_is_refused(self) -> None:
        missing = Prepared(User, lambda: User.objects.filter(pk=1), pk=MARKER_ID)
        with self.assertRaisesMessage(ImproperlyConfigured, "occurs 0 times"):
            missing.first(pk=1)
