"""Load a clinic's licensed text of an instrument from a JSON file the clinic owns:

    acuflow load_instrument_text --clinic test-nl --instrument odi --language nl odi-nl.json

File: {"title": ..., "instructions": ..., "items": {"s1": {"text": ..., "options": [...]}}}
(options: one label per answer value, lowest first). The audit trail names the owner.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from acuflow.accounts.models import Clinic, Membership
from acuflow.core.actor import Actor
from acuflow.outcomes import catalog, services


class Command(BaseCommand):
    help = "Load a licensed instrument text (JSON file) for one clinic."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--clinic", required=True, help="clinic slug")
        parser.add_argument("--instrument", required=True, choices=catalog.codes())
        parser.add_argument("--language", required=True, choices=list(catalog.LANGUAGES))
        parser.add_argument(
            "--owner", help="email of the owner who loads it (default: first owner)"
        )
        parser.add_argument("--licence-reference", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            clinic = Clinic.objects.get(slug=options["clinic"])
        except Clinic.DoesNotExist:
            raise CommandError(f"no clinic {options['clinic']!r}")
        owners = Membership.objects.filter(clinic=clinic, role="owner").select_related("user")
        if options["owner"]:
            owners = owners.filter(user__email=options["owner"].lower())
        membership = owners.order_by("id").first()
        if membership is None:
            raise CommandError("the clinic has no such owner")
        try:
            content = json.loads(options["file"].read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}")
        actor = Actor(
            user=membership.user,
            clinic=clinic,
            role="owner",
            channel="system",
            on_behalf_of=clinic.name,
        )
        try:
            text = services.instrument_text_load(
                actor=actor,
                instrument=options["instrument"],
                language=options["language"],
                content=content,
                licence_reference=options["licence_reference"],
            )
        except ValueError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"loaded {text.instrument} ({text.language}) for {clinic.slug}")
