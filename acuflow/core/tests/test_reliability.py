"""Errors are JSON on the API whatever happens (500, 503), the database being down is
503 with Retry-After on pages and API, and a deadlocked write is run once more, then
409 `conflict_retry` (acuflow.core.reliability)."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any
from unittest import mock

from django.db import connections, transaction
from django.db.utils import InterfaceError, OperationalError
from django.test import Client, SimpleTestCase, TestCase
from django.urls import reverse

from acuflow.core import reliability
from acuflow.core.testing import AcuflowTestCase
from acuflow.scheduling import services as scheduling_services
from acuflow.scheduling.models import Appointment
from acuflow.scheduling.tests.helpers import at, next_weekday, weekday_hours


def sqlstate_error(state: str, text: str = "") -> OperationalError:
    """What Django raises for a PostgreSQL error: its OperationalError with psycopg's
    error (which carries the SQLSTATE) as the cause."""
    cause = Exception(text or state)
    cause.sqlstate = state  # type: ignore[attr-defined]
    error = OperationalError(text or state)
    error.__cause__ = cause
    return error


def sqlite_unusable() -> OperationalError:
    error = OperationalError("unable to open database file")
    error.__cause__ = sqlite3.OperationalError("unable to open database file")
    return error


class ClassifyTests(SimpleTestCase):
    def test_connection_errors_mean_unavailable_and_statement_errors_do_not(self) -> None:
        for error, unavailable in (
            (sqlite_unusable(), True),
            (sqlstate_error("08006", "connection failure"), True),
            (sqlstate_error("57P01", "terminating connection due to administrator command"), True),
            (InterfaceError("connection already closed"), True),
            (OperationalError('connection failed: connection to server at "127.0.0.1"'), True),
            (sqlstate_error("57014", "canceling statement due to statement timeout"), False),
            (sqlstate_error("40P01", "deadlock detected"), False),
            (sqlstate_error("55P03", "lock not available"), False),
            (RuntimeError("connection"), False),
        ):
            with self.subTest(error=str(error)):
                self.assertEqual(reliability.is_unavailable(error), unavailable)

    def test_deadlocks_and_serialization_failures_are_retryable(self) -> None:
        self.assertTrue(reliability.is_retryable(sqlstate_error("40P01")))
        self.assertTrue(reliability.is_retryable(sqlstate_error("40001")))
        self.assertFalse(reliability.is_retryable(sqlstate_error("23505")))
        self.assertFalse(reliability.is_retryable(sqlite_unusable()))


class UnhandledErrorTests(AcuflowTestCase):
    def test_an_unhandled_exception_in_the_api_is_json_500(self) -> None:
        with (
            mock.patch(
                "acuflow.scheduling.api.selectors.appointment_get_for_actor",
                side_effect=RuntimeError("bug"),
            ),
            self.assertLogs("django.request", "ERROR") as logged,
        ):
            response = self.api(self.owner, "GET", "/api/v1/appointments/1")
        body = self.assertError(response, 500, "server_error")
        self.assertNotIn("bug", body["detail"])  # no internals to the client
        self.assertIn("RuntimeError: bug", "\n".join(logged.output))  # the traceback is logged

    def test_an_unhandled_exception_on_a_page_is_the_translated_page(self) -> None:
        client = self.client_for(self.practitioner)
        client.raise_request_exception = False
        with mock.patch(
            "acuflow.patients.views.selectors.patient_get_for_actor",
            side_effect=RuntimeError("bug"),
        ):
            response = client.get(f"/patients/{self.patient.pk}/")
        self.assertEqual(response.status_code, 500)
        self.assertIn("Er ging iets mis", response.content.decode())  # the user's Dutch

    def test_an_api_error_raised_before_the_endpoint_is_json_too(self) -> None:
        # A session request: middleware reads the session before the API sees it.
        client = self.client_for(self.owner)
        client.raise_request_exception = False
        with mock.patch(
            "acuflow.accounts.gate.GateMiddleware.__call__", side_effect=RuntimeError("bug")
        ):
            response = client.get("/api/v1/appointments/1")
        self.assertError(response, 500, "server_error")


class DatabaseDownTests(AcuflowTestCase):
    def down(self) -> Any:
        return mock.patch.object(
            connections["default"], "ensure_connection", side_effect=sqlite_unusable()
        )

    def test_pages_answer_503_with_retry_after(self) -> None:
        client = self.client_for(self.practitioner)
        client.raise_request_exception = False
        with self.down():
            response = client.get("/patients/", HTTP_ACCEPT_LANGUAGE="nb")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "5")
        self.assertIn("Midlertidig utilgjengelig", response.content.decode())

    def test_the_api_answers_json_503_with_a_token(self) -> None:
        token = self.token_for(self.owner)
        with self.down():
            response = Client().get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertError(response, 503, "service_unavailable")
        self.assertEqual(response["Retry-After"], "5")

    def test_the_api_answers_json_503_when_middleware_meets_it_first(self) -> None:
        client = self.client_for(self.owner)  # the session is read before the endpoint
        client.raise_request_exception = False
        with self.down():
            response = client.get("/api/v1/patients")
        self.assertError(response, 503, "service_unavailable")
        self.assertEqual(response["Retry-After"], "5")

    def test_a_lost_connection_inside_an_endpoint_is_503(self) -> None:
        with mock.patch(
            "acuflow.scheduling.api.selectors.appointment_get_for_actor",
            side_effect=sqlstate_error("57P01", "terminating connection"),
        ):
            response = self.api(self.owner, "GET", "/api/v1/appointments/1")
        self.assertError(response, 503, "service_unavailable")
        self.assertEqual(response["Retry-After"], "5")

    def test_a_statement_timeout_is_not_called_unavailable(self) -> None:
        with mock.patch(
            "acuflow.scheduling.api.selectors.appointment_get_for_actor",
            side_effect=sqlstate_error("57014", "canceling statement due to statement timeout"),
        ):
            response = self.api(self.owner, "GET", "/api/v1/appointments/1")
        self.assertError(response, 500, "server_error")


class PostgresDownTests(TestCase):
    """A real refused connection: PostgreSQL on a port nobody listens on."""

    databases = {"default"}

    def setUp(self) -> None:
        if connections["default"].vendor != "postgresql":
            self.skipTest("needs DATABASE_URL=postgresql://...")

    def test_pages_and_api_answer_503(self) -> None:
        conn = connections["default"]
        saved = dict(conn.settings_dict)
        # A second connection object to the wrong port; the test's own stays intact.
        wrong = type(conn)({**saved, "PORT": "1", "CONN_HEALTH_CHECKS": False}, alias="default")
        connections["default"] = wrong
        try:
            browser = Client(raise_request_exception=False)
            browser.cookies["sessionid"] = "a-session-to-look-up"
            page = browser.get("/patients/")
            api = Client(raise_request_exception=False).get(
                "/api/v1/patients", HTTP_AUTHORIZATION="Bearer x"
            )
        finally:
            connections["default"] = conn
        self.assertEqual(page.status_code, 503)
        self.assertEqual(page["Retry-After"], "5")
        self.assertEqual(api.status_code, 503, api.content)
        self.assertEqual(api.json()["error"], "service_unavailable")


class DeadlockRetryTests(AcuflowTestCase):
    def setUp(self) -> None:
        super().setUp()
        weekday_hours(self.practitioner.practitioner)
        self.monday = next_weekday(0)
        self.real_book = scheduling_services.appointment_book

    def book(self) -> Any:
        return self.api(
            self.practitioner,
            "POST",
            "/api/v1/appointments",
            {
                "patient": self.patient.pk,
                "practitioner": self.practitioner.practitioner.pk,
                "start": at(self.monday, 10).isoformat(),
                "type": "follow_up",
            },
        )

    def test_a_deadlock_is_retried_once_and_the_first_attempt_leaves_nothing(self) -> None:
        calls = []

        def first_deadlocks(**kwargs: Any) -> Any:
            calls.append(kwargs)
            if len(calls) == 1:
                with transaction.atomic():  # as the service's own transaction
                    self.real_book(**kwargs)  # written, then rolled back with the error
                    raise sqlstate_error("40P01", "deadlock detected")
            return self.real_book(**kwargs)

        with mock.patch(
            "acuflow.scheduling.services.appointment_book", side_effect=first_deadlocks
        ):
            response = self.book()
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(len(calls), 2)
        self.assertEqual(Appointment.objects.filter(patient=self.patient).count(), 1)

    def test_a_second_deadlock_answers_409_conflict_retry(self) -> None:
        with mock.patch(
            "acuflow.scheduling.services.appointment_book",
            side_effect=sqlstate_error("40001", "could not serialize access"),
        ) as booked:
            response = self.book()
        self.assertError(response, 409, "conflict_retry")
        self.assertEqual(booked.call_count, 2)
        self.assertFalse(Appointment.objects.filter(patient=self.patient).exists())

    def test_a_read_is_not_retried(self) -> None:
        with mock.patch(
            "acuflow.scheduling.api.selectors.appointment_get_for_actor",
            side_effect=sqlstate_error("40P01"),
        ) as read:
            response = self.api(self.owner, "GET", "/api/v1/appointments/1")
        self.assertError(response, 409, "conflict_retry")
        self.assertEqual(read.call_count, 1)

    def test_a_page_post_is_retried_then_says_so(self) -> None:
        appointment_id = self.book().json()["id"]
        client = self.client_for(self.practitioner)
        url = reverse("scheduling:status", args=[appointment_id])
        with mock.patch(
            "acuflow.scheduling.services.appointment_set_status",
            side_effect=sqlstate_error("40P01", "deadlock detected"),
        ) as status:
            response = client.post(url, {"status": "arrived"})
        self.assertEqual(status.call_count, 2)
        self.assertEqual(response.status_code, 409)
        self.assertIn("Er is niets opgeslagen", response.content.decode())


class PostgresDeadlockTests(SimpleTestCase):
    """A real deadlock (two transactions taking two locks in opposite order) is what
    the retry recognises: Django's OperationalError with SQLSTATE 40P01 as its cause."""

    databases = {"default"}

    def setUp(self) -> None:
        if connections["default"].vendor != "postgresql":
            self.skipTest("needs DATABASE_URL=postgresql://...")

    def test_a_real_deadlock_is_retryable_and_not_unavailable(self) -> None:
        both_hold_one = threading.Barrier(2, timeout=10)
        errors: list[BaseException] = []

        def take(first: int, second: int) -> None:
            try:
                with transaction.atomic(), connections["default"].cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [first])
                    both_hold_one.wait()
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [second])
            except BaseException as exc:  # noqa: BLE001 - the test inspects it
                errors.append(exc)
            finally:
                connections["default"].close()

        threads = [
            threading.Thread(target=take, args=(910001, 910002)),
            threading.Thread(target=take, args=(910002, 910001)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        self.assertEqual(len(errors), 1, errors)  # PostgreSQL ends one, the other commits
        self.assertTrue(reliability.is_retryable(errors[0]), repr(errors[0]))
        self.assertFalse(reliability.is_unavailable(errors[0]))
