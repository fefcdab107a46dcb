from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from acuflow.accounts.demo import CLINICS, DEMO_PASSWORD
from acuflow.accounts.models import Clinic


class Command(BaseCommand):
    help = "Load the demo clinics, staff and patients (idempotent). Demo passwords are printed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="only when there is no clinic yet"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Clinic.objects.exists():
            self.stdout.write("Database has clinics already; demo data not loaded.")
        else:
            with transaction.atomic():
                from acuflow.accounts import demo

                clinics = demo.load()
                # Every other acuflow app may add its own demo data in a demo.py module.
                for config in apps.get_app_configs():
                    if not config.name.startswith("acuflow.") or config.name == "acuflow.accounts":
                        continue
                    try:
                        module = import_module(f"{config.name}.demo")
                    except ModuleNotFoundError as exc:
                        if exc.name != f"{config.name}.demo":
                            raise
                        continue
                    module.load(clinics=clinics)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for spec in CLINICS.values():
            for person in spec["staff"]:  # type: ignore[attr-defined]
                self.stdout.write(f"  {person.email:28} {person.role:13} {spec['slug']}")
