"""Small extension points so domain apps can add to shared pages without editing them.

An app lists dotted paths in its AppConfig:
    nav_items = [("scheduling:calendar", _("Calendar"))]      # staff navigation
    dashboard_panel = "acuflow.scheduling.views.dashboard_panel"  # f(request, actor) -> html
    receivers = "acuflow.accounts.signals"          # a module of @receiver functions
    after_migrate = "acuflow.info.services.sync_library_after_migrate"  # post_migrate
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import Any

from django.apps import apps
from django.db.models.signals import post_migrate
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString


def nav_items() -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for config in apps.get_app_configs():
        items.extend(getattr(config, "nav_items", []))
    return items


# Links every signed-in page shows besides the apps' navigation.
STAFF_LINKS = {
    "dashboard": "accounts:dashboard",
    "settings": "accounts:settings",
    "profile": "accounts:profile",
    "logout": "accounts:logout",
}


def nav_links() -> dict[str, Any]:
    """The top bar's links, reversed once per process (and script prefix) instead of a
    {% url %} per link on every page: {"apps": [(url, label)], "dashboard": url, ...}.
    The labels stay lazy: each page shows them in its own language."""
    return _nav_links(get_script_prefix(), get_urlconf())


@cache
def _nav_links(prefix: str, urlconf: Any) -> dict[str, Any]:
    links: dict[str, Any] = {key: reverse(name) for key, name in STAFF_LINKS.items()}
    links["apps"] = [(reverse(name), label) for name, label in nav_items()]
    return links


def dashboard_panels(request: Any, actor: Any) -> list[SafeString]:
    panels = []
    for config in apps.get_app_configs():
        if path := getattr(config, "dashboard_panel", None):
            panels.append(import_string(path)(request, actor))
    return panels


def patient_sections(request: Any, actor: Any, patient: Any) -> list[SafeString]:
    """Sections other apps add to the patient page (assessments, courses, appointments).

    An app sets `patient_section = "acuflow.app.views.patient_section"` in its AppConfig;
    the callable gets (request, actor, patient) and returns HTML or "" (e.g. for reception).
    """
    sections = []
    for config in apps.get_app_configs():
        if path := getattr(config, "patient_section", None):
            sections.append(import_string(path)(request, actor, patient))
    return sections


def app_service(name: str) -> Callable[..., Any] | None:
    """A service an upper layer offers the layers below it, named in its AppConfig:
        closed_days = "acuflow.scheduling.selectors.closed_days"
    Course planning (protocols) skips the days scheduling knows the clinic is closed, and
    charting checks a session against its appointment, without importing scheduling.
    None when no installed app offers it."""
    for config in apps.get_app_configs():
        if path := getattr(config, name, None):
            found: Callable[..., Any] = import_string(path)
            return found
    return None


def connect_app_hooks() -> None:
    """Once the registry is ready (CoreConfig.ready): import each app's `receivers`
    module, so its @receiver functions are connected, and connect its `after_migrate`
    callable to post_migrate for that app. The apps name them instead of importing
    their own services inside ready()."""
    for config in apps.get_app_configs():
        if path := getattr(config, "receivers", None):
            import_module(path)
        if path := getattr(config, "after_migrate", None):
            post_migrate.connect(import_string(path), sender=config, dispatch_uid=path)
