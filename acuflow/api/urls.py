"""The JSON API at /api/v1/. Each domain app contributes a ninja Router in its api.py."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.urls import path

from acuflow.accounts.api_auth import StaffSessionAuth, TokenAuth
from acuflow.core.api.errors import AcuflowAPI, install_error_handlers

api = AcuflowAPI(
    title="acuflow API",
    version="1",
    description=(
        "JSON API of acuflow. Authenticate with `Authorization: Bearer <token>` "
        "(`acuflow token EMAIL`) or a staff session. Errors are "
        '`{"error": code, "detail": text}`, 500 and 503 included (503 '
        "`service_unavailable` with `Retry-After: 5` while the database is down). A write "
        "that hit a deadlock is run once more; 409 `conflict_retry` when it happens again. "
        'Lists take `limit`/`offset` and answer `{"items": [...], "count": N}`.'
    ),
    auth=[TokenAuth(), StaffSessionAuth()],
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_error_handlers(api)

for config in apps.get_app_configs():
    if not config.name.startswith("acuflow."):
        continue
    try:
        module = import_module(f"{config.name}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"{config.name}.api":
            raise
        continue
    router = getattr(module, "router", None)
    if router is not None:
        api.add_router("", router)

urlpatterns = [path("", api.urls)]
