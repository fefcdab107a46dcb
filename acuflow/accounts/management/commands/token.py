from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from acuflow.accounts.models import User
from acuflow.accounts.services import api_token_issue, api_tokens_revoke_all
from acuflow.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Issue a new API token for EMAIL (the token is the last word of the output; it is "
        "stored hashed and cannot be shown again), or revoke all of their tokens."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="command line", help="what the token is for")
        parser.add_argument("--days", type=int, default=90, help="days until it expires (90)")
        parser.add_argument(
            "--revoke", action="store_true", help="revoke every token of the user instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["email"].lower()).first()
        if user is None:
            raise CommandError(f"no user with email {options['email']}")
        if options["revoke"]:
            count = api_tokens_revoke_all(user=user)
            self.stdout.write(f"Revoked {count} API token(s) of {user.email}.")
            return
        try:
            token, key = api_token_issue(
                user=user, name=options["name"], lifetime=dt.timedelta(days=options["days"])
            )
        except DomainError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"API token for {user.email}, expires {token.expires_at:%Y-%m-%d}: {key}")
