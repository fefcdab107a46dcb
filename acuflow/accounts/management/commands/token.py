from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from acuflow.accounts.models import User
from acuflow.accounts.services import api_token_for_user


class Command(BaseCommand):
    help = (
        "Print an API token for EMAIL (created when the user has none). The token is the last word."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["email"].lower()).first()
        if user is None:
            raise CommandError(f"no user with email {options['email']}")
        token = api_token_for_user(user=user)
        self.stdout.write(f"API token for {user.email}: {token.key}")
