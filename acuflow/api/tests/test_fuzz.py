"""Fuzz the whole JSON API from its OpenAPI document (schemathesis).

Every operation of /api/v1/openapi.json gets generated requests, valid and invalid,
signed in as the clinic's owner with a bearer token, through the WSGI application
in this process (the test database, no server). An answer of 500 or more fails the
test, and so does a status the operation does not document: bad input is a 4xx
`{"error", "detail"}` that the OpenAPI document lists.

Deterministic (fixed seed, derandomized) and bounded: FUZZ_EXAMPLES examples per
operation (environment variable, default below) keep the test within a few minutes
on a small machine. Each example runs in a savepoint that is rolled back, so the
personas' data stay the same for every request.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, status_code_conformance
from schemathesis.core.failures import FailureGroup

from acuflow.charting.tests.factories import make_course
from acuflow.core.testing import AcuflowTestCase

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
OPENAPI = "/api/v1/openapi.json"
CHECKS = [not_a_server_error, status_code_conformance]


def load_schema() -> Any:
    return schemathesis.openapi.from_wsgi(OPENAPI, WSGIHandler())


def operations(schema: Any) -> list[Any]:
    found = []
    for result in schema.get_all_operations():
        found.append(result.ok())
    return found


def fuzz_operation(
    operation: Any, headers: dict[str, str], examples: int, real_ids: dict[str, int]
) -> list[str]:
    """Run `examples` generated cases of one operation; the failures as text. In about
    half the cases an id in the path is replaced by one of a real record (`real_ids`),
    so the bodies reach the services and the database, not only the 404."""
    failures: list[str] = []

    @seed(20261127)
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(), use_real=st.booleans())
    def run(case: Any, use_real: bool) -> None:
        if use_real and case.path_parameters:
            for name in list(case.path_parameters):
                if name in real_ids:
                    case.path_parameters[name] = real_ids[name]
        with transaction.atomic():
            try:
                response = case.call(headers=headers)
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Exception, FailureGroup) as exc:  # a failed check: note it, go on
                    body = response.content[:300] if response.content else b""
                    failures.append(
                        f"{case.method} {case.formatted_path} -> {response.status_code} "
                        f"{body!r}\n  {case.as_curl_command()}\n  {type(exc).__name__}"
                    )
            finally:
                transaction.set_rollback(True)

    run()
    return failures


class ApiFuzzTest(AcuflowTestCase):
    def setUp(self) -> None:
        # As Django's test client does: the end of a request must not close the test's
        # connection (it holds the test's transaction; PostgreSQL would lose it).
        for signal in (request_started, request_finished):
            signal.disconnect(close_old_connections)
            self.addCleanup(signal.connect, close_old_connections)
        logging.disable(logging.WARNING)  # the 4xx answers' log lines; errors still show
        self.addCleanup(logging.disable, logging.NOTSET)

    def test_no_operation_answers_500_or_an_undocumented_status(self) -> None:
        headers = {"Authorization": f"Bearer {self.token_for(self.owner)}"}
        course = make_course(self.actor(self.owner), self.patient)
        real_ids = {
            "patient_id": self.patient.pk,
            "assessment_id": course.assessment_id,
            "course_id": course.pk,
            "protocol_id": course.protocol_id,
        }
        found = operations(load_schema())
        self.assertGreater(len(found), 30)  # the whole API, not an empty document
        failures: list[str] = []
        for operation in found:
            failures += fuzz_operation(operation, headers, EXAMPLES, real_ids)
        self.assertEqual(failures, [], "\n".join(failures[:40]))
