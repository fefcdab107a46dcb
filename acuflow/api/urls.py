"""The JSON API at /api/v1/. Each domain app contributes a ninja Router in its api.py."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from django.urls import path
from ninja import NinjaAPI

from acuflow.accounts.api_auth import StaffSessionAuth, TokenAuth
from acuflow.core.api.errors import install_error_handlers
from acuflow.core.api.openapi import add_common_errors


class AcuflowAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return add_common_errors(super().get_openapi_schema(**kwargs))


api = AcuflowAPI(
    title="acuflow API",
    version="1",
    description=(
        "JSON API of acuflow. Authenticate with `Authorization: Bearer <token>` "
        "(`acuflow token EMAIL`) or a staff session. Errors are "
        '`{"error": code, "detail": text}`. Lists take `limit`/`offset` and answer '
        '`{"items": [...], "count": N}`.'
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
