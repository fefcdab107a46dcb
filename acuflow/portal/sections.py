"""Parts of the portal home page that come from other apps. Each part is shown only
when its app is installed (apps.is_installed), so the portal works before they land."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.utils.safestring import SafeString

from acuflow.patients.models import Patient
from acuflow.portal.actor import PatientActor

Section = Callable[[HttpRequest, PatientActor, Patient], SafeString | str]


def _parts() -> list[tuple[str, Section]]:
    return []


def home_sections(request: HttpRequest, actor: PatientActor, patient: Patient) -> list[Any]:
    rendered = []
    for app, part in _parts():
        if apps.is_installed(app):
            html = part(request, actor, patient)
            if html:
                rendered.append(html)
    return rendered
