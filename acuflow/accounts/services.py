from __future__ import annotations

from django.db import transaction

from acuflow.accounts.models import ApiToken, Clinic, User


def api_token_for_user(*, user: User) -> ApiToken:
    """The user's API token, created when they have none."""
    with transaction.atomic():
        token = ApiToken.objects.filter(user=user).order_by("created_at").first()
        if token is None:
            token = ApiToken.objects.create(user=user)
    return token


def clinic_update(*, clinic: Clinic, data: dict[str, object]) -> Clinic:
    for key, value in data.items():
        setattr(clinic, key, value)
    clinic.full_clean()
    clinic.save(update_fields=list(data))
    return clinic
