"""A practitioner of ANOTHER clinic walks every API endpoint and every staff page that
names an object, with ids of the NL clinic's objects, and must get 404 for each.

Apps add their objects to OBJECTS (path parameter name -> id maker) and, for write
endpoints whose body is validated before the view runs, a valid body to BODIES.
A path parameter that is in neither OBJECTS nor PUBLIC_PARAMS fails the test, so a
new endpoint cannot slip past this check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern

from acuflow.core.testing import AcuflowTestCase

Maker = Callable[[AcuflowTestCase], Any]


def _course(tc: Any) -> Any:
    if getattr(tc, "_iso_course", None) is None:
        from acuflow.charting.tests.factories import make_course

        tc._iso_course = make_course(tc.actor(tc.owner), tc.patient)
    return tc._iso_course


def _session(tc: Any) -> Any:
    if getattr(tc, "_iso_session", None) is None:
        from django.utils import timezone

        from acuflow.charting import services

        tc._iso_session = services.session_create(
            unbooked_reason="walk-in",
            actor=tc.actor(tc.owner),
            course=_course(tc),
            started_at=timezone.now(),
            sites=[{"point": "BL40"}],
            needles_in=2,
            needles_out=2,
        )
    return tc._iso_session


def _assessment(tc: Any) -> Any:
    if getattr(tc, "_iso_assessment", None) is None:
        from acuflow.assessment.tests.factories import make_assessment

        tc._iso_assessment = make_assessment(tc.actor(tc.owner), tc.patient, red_flags=["fracture"])
    return tc._iso_assessment


def _referral(tc: Any) -> Any:
    import datetime as dt

    from acuflow.assessment.services import referral_create

    return referral_create(
        actor=tc.actor(tc.owner),
        assessment=_assessment(tc),
        to="GP",
        reason="Trauma",
        date=dt.date.today(),
    )


def _protocol_copy(tc: Any) -> Any:
    from acuflow.protocols.models import Protocol
    from acuflow.protocols.services import protocol_copy

    shipped = Protocol.objects.filter(clinic=None).first()
    return protocol_copy(actor=tc.actor(tc.owner), protocol=shipped)


def _token(tc: AcuflowTestCase) -> Any:
    from acuflow.accounts.models import ApiToken

    return ApiToken.create_for(tc.owner, name="isolation")[0]


def _article(tc: AcuflowTestCase) -> Any:
    from acuflow.info.models import Article

    return Article.objects.create(
        clinic=tc.clinic, slug="own-article", language="en", title="Own", body="Text."
    )


def _contact_message(tc: AcuflowTestCase) -> Any:
    from acuflow.public.models import ContactMessage

    return ContactMessage.objects.create(
        clinic=tc.clinic, name="Piet", email="piet@patients.example", message="Hi", language="nl"
    )


def _appointment(tc: Any) -> Any:
    if getattr(tc, "_iso_appointment", None) is None:
        import datetime as dt

        from django.utils import timezone

        from acuflow.scheduling.models import Appointment
        from acuflow.scheduling.selectors import appointment_type_by_code

        start = timezone.now() + dt.timedelta(days=3)
        tc._iso_appointment = Appointment.objects.create(
            clinic=tc.clinic,
            patient=tc.patient,
            practitioner=tc.practitioner.practitioner,
            type=appointment_type_by_code(tc.clinic, "follow_up"),
            start=start,
            end=start + dt.timedelta(minutes=30),
            busy_until=start + dt.timedelta(minutes=30),
        )
    return tc._iso_appointment


def _holiday(tc: Any) -> Any:
    import datetime as dt

    from acuflow.scheduling.models import Holiday

    return Holiday.objects.get_or_create(
        clinic=tc.clinic, date=dt.date(2030, 12, 25), defaults={"name": "Christmas"}
    )[0]


def _gp(tc: Any) -> Any:
    from acuflow.patients.models import GeneralPractitioner

    return GeneralPractitioner.objects.create(clinic=tc.clinic, name="Dr. Own")


def _merge(tc: Any) -> Any:
    from acuflow.core.testing import make_patient
    from acuflow.patients.services import patient_merge

    duplicate = make_patient(tc.clinic, "Anna", "Jong")
    return patient_merge(actor=tc.actor(tc.owner), kept=tc.patient, duplicate=duplicate)


OBJECTS: dict[str, Maker] = {
    "patient_id": lambda tc: tc.patient.pk,
    "practitioner_id": lambda tc: tc.practitioner.practitioner.pk,
    "assessment_id": lambda tc: _assessment(tc).pk,
    "referral_id": lambda tc: _referral(tc).pk,
    "protocol_id": lambda tc: _protocol_copy(tc).pk,
    "course_id": lambda tc: _course(tc).pk,
    "session_id": lambda tc: _session(tc).pk,
    "article_id": lambda tc: _article(tc).pk,
    "message_id": lambda tc: _contact_message(tc).pk,
    "appointment_id": lambda tc: _appointment(tc).pk,
    "holiday_id": lambda tc: _holiday(tc).pk,
    "gp_id": lambda tc: _gp(tc).pk,
    "merge_id": lambda tc: _merge(tc).pk,
    "token_id": lambda tc: _token(tc).pk,
}

# (METHOD, openapi path) -> body maker; a valid body so that validation passes and
# the access check is what answers.
BODIES: dict[tuple[str, str], Maker] = {
    ("PATCH", "/api/v1/appointments/{appointment_id}"): lambda tc: {"note": "call first"},
    ("POST", "/api/v1/appointments/{appointment_id}/status"): lambda tc: {"status": "arrived"},
    ("PATCH", "/api/v1/patients/{patient_id}"): lambda tc: {"phone": "+31 6 0000 0000"},
    ("POST", "/api/v1/patients/{patient_id}/merge"): lambda tc: {"duplicate": tc.patient.pk},
    ("POST", "/api/v1/patients/{patient_id}/responses"): lambda tc: {
        "instrument": "nrs",
        "answers": {"usual": 5},
    },
    ("POST", "/api/v1/patients/{patient_id}/assessments"): lambda tc: {
        "complaint": "Back pain",
        "condition": "acute_low_back_pain",
        "onset_date": "2025-01-01",
        "baseline_nrs": 5,
    },
    ("POST", "/api/v1/assessments/{assessment_id}/red-flags"): lambda tc: {"red_flags": []},
    ("POST", "/api/v1/assessments/{assessment_id}/referrals"): lambda tc: {
        "to": "GP",
        "reason": "Trauma",
        "date": "2025-01-02",
    },
    ("POST", "/api/v1/referrals/{referral_id}/outcome"): lambda tc: {"outcome": "cleared"},
    ("PATCH", "/api/v1/protocols/{protocol_id}"): lambda tc: {"notes": "local"},
    ("POST", "/api/v1/courses/{course_id}/sessions"): lambda tc: {
        "started_at": "2025-03-01T09:30:00+01:00",
        "sites": [{"point": "BL40", "side": "both"}],
        "needles_in": 2,
        "needles_out": 2,
    },
    ("POST", "/api/v1/courses/{course_id}/close"): lambda tc: {"state": "completed"},
}

# Parameters of public pages (clinic slug, language, article slug, signed tokens).
PUBLIC_PARAMS = {
    "clinic_slug",
    "slug",
    "lang",
    "token",
    "path",
    "document_root",
    "object_id",
    "app_label",
    "content_type_id",
    "url",
}

# Public (non-staff) page prefixes; these are checked by their own apps' tests.
SKIP_PAGE_PREFIXES = ("admin/", "api/", "static/")


def _page_patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and isinstance(entry.pattern, LocalePrefixPattern):
            continue  # public and portal pages (/nl/...): no staff objects, own tests
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_page_patterns(entry, route))
        else:
            found.append((route, entry))
    return found


class OtherClinicIsolationTests(AcuflowTestCase):
    def test_every_api_endpoint_answers_404_for_another_clinics_objects(self) -> None:
        doc = self.client.get("/api/v1/openapi.json").json()
        checked = 0
        for path, operations in doc["paths"].items():
            params = re.findall(r"{(\w+)}", path)
            if not params:
                continue
            unknown = [p for p in params if p not in OBJECTS and p not in PUBLIC_PARAMS]
            self.assertFalse(
                unknown, f"{path}: add {unknown} to OBJECTS in core/tests/test_isolation.py"
            )
            url = path
            for p in params:
                if p in OBJECTS:
                    url = url.replace(f"{{{p}}}", str(OBJECTS[p](self)))
            for method in operations:
                if method.upper() not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                    continue
                maker = BODIES.get((method.upper(), path))
                body = maker(self) if maker else None
                if method.upper() in {"POST", "PUT", "PATCH"} and body is None:
                    body = {}
                response = self.api(self.other, method.upper(), url, body)
                self.assertEqual(
                    response.status_code, 404, f"{method.upper()} {url}: {response.content[:300]!r}"
                )
                self.assertEqual(response.json()["error"], "not_found")
                checked += 1
        self.assertGreaterEqual(checked, 4)

    def test_every_staff_page_answers_404_for_another_clinics_objects(self) -> None:
        client = self.client_for(self.other)
        checked = 0
        for route, _pattern in _page_patterns(get_resolver()):
            if route.startswith(SKIP_PAGE_PREFIXES) or route.startswith("^"):
                continue
            params = re.findall(r"<(?:\w+:)?(\w+)>", route)
            if not params or set(params) & PUBLIC_PARAMS:
                continue
            unknown = [p for p in params if p not in OBJECTS]
            self.assertFalse(
                unknown, f"{route}: add {unknown} to OBJECTS in core/tests/test_isolation.py"
            )
            url = "/" + route
            for p in params:
                url = re.sub(rf"<(?:\w+:)?{p}>", str(OBJECTS[p](self)), url)
            response = client.get(url)
            self.assertEqual(response.status_code, 404, url)
            checked += 1
        self.assertGreaterEqual(checked, 2)
