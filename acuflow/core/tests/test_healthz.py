from __future__ import annotations

from unittest import mock

from django.db.utils import OperationalError
from django.test import TestCase


class HealthzTests(TestCase):
    def test_it_is_ok_when_the_database_answers(self) -> None:
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["database"], "up")

    def test_it_is_503_when_the_database_does_not(self) -> None:
        with mock.patch(
            "acuflow.core.views.connection.cursor", side_effect=OperationalError("down")
        ):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
