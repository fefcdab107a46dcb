from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from acuflow.accounts.models import Clinic
from acuflow.public.models import ContactMessage

if TYPE_CHECKING:
    from acuflow.core.actor import Actor


def contact_message_receive(
    *,
    clinic: Clinic,
    name: str,
    email: str,
    phone: str,
    message: str,
    language: str,
    client_address: str | None,
) -> ContactMessage:
    row = ContactMessage(
        clinic=clinic,
        name=name.strip(),
        email=email.strip().lower(),
        phone=phone.strip(),
        message=message.strip(),
        language=language,
        client_address=client_address,
    )
    row.full_clean()
    with transaction.atomic():
        row.save()
    return row


def contact_message_mark_handled(*, actor: Actor, message: ContactMessage) -> ContactMessage:
    if message.clinic_id != actor.clinic.pk:
        raise PermissionError("message of another clinic")
    message.handled_at = timezone.now()
    message.handled_by = actor.user
    with transaction.atomic():
        message.save(update_fields=["handled_at", "handled_by"])
    return message
