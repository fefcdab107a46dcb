"""Sending reminders exactly once: the reminder row is the outbox.

A message goes pending -> sending -> sent (or failed after the last attempt), in three
short steps, and the hand-over to the channel happens between two transactions, never
inside one (a slow mail server must not hold row locks, and a commit that fails after
the hand-over must not leave a sent message looking unsent):

1. claim (one transaction): the row is locked with select_for_update(skip_locked) - a
   second worker skips it - and marked `sending` with `claimed_at`; the first claim
   gives it its idempotency `key`, which never changes afterwards;
2. hand over (no transaction): the channel sends the message carrying the key (the
   email's Message-ID; the SMS provider's idempotency key);
3. record (one transaction): `sent` and the audit row; or, when the channel refused,
   `pending` again with a back-off, or `failed` after the last attempt.

A worker that dies between 1 and 3 leaves the row `sending`. After the lease
(`claimed_at` older than `lease`) another worker takes it again and hands it over
with the SAME key: if the first hand-over did arrive, the receiver recognises the key
(mail stores and clients keep one message per Message-ID; SMS providers drop a repeated
idempotency key), so the patient gets it once; if it did not, this is the delivery.
The message is never sent again under a new identity.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.actor import Actor
from acuflow.scheduling import rules
from acuflow.scheduling.channels import ChannelError, channel
from acuflow.scheduling.models import Reminder, Status

log = logging.getLogger(__name__)

# A message claimed longer ago than this whose worker never recorded the outcome is
# taken again (with its key). Longer than one hand-over can take (EMAIL_TIMEOUT bounds
# every wait of an SMTP exchange).
LEASE = dt.timedelta(minutes=2)


@task()
def send_reminder(reminder_id: int) -> str:
    """Queued by earlier versions; `acuflow worker` now reads the outbox itself."""
    return reminder_send(reminder_id=reminder_id)


def _due(now: dt.datetime, lease: dt.timedelta) -> Q:
    return Q(status=Reminder.State.PENDING, next_attempt_at__lte=now) | Q(
        status=Reminder.State.SENDING, claimed_at__lte=now - lease
    )


def reminder_claim(
    *, now: dt.datetime, lease: dt.timedelta = LEASE, reminder_id: int | None = None
) -> Reminder | None:
    """Step 1: lock one due message (or the given one), mark it `sending`, commit."""
    with transaction.atomic():
        rows = Reminder.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            _due(now, lease)
        )
        if reminder_id is not None:
            rows = rows.filter(pk=reminder_id)
        reminder = (
            rows.select_related(
                "appointment__patient",
                "appointment__clinic",
                "appointment__type",
                "appointment__practitioner__user",
                "appointment__location",
            )
            .order_by("next_attempt_at", "id")
            .first()
        )
        if reminder is None:
            return None
        in_doubt = reminder.status == Reminder.State.SENDING
        appointment = reminder.appointment
        if not in_doubt and (appointment.status != Status.BOOKED or appointment.start <= now):
            reminder.status = Reminder.State.CANCELLED
            reminder.save(update_fields=["status"])
            log.info("reminder %s not needed: appointment no longer booked", reminder.pk)
            return reminder
        if reminder.attempts >= rules.MAX_SEND_ATTEMPTS:
            reminder.status = Reminder.State.FAILED
            reminder.last_error = (reminder.last_error or "no outcome recorded")[:500]
            reminder.save(update_fields=["status", "last_error"])
            log.warning(
                "reminder %s failed for good after %s attempts", reminder.pk, reminder.attempts
            )
            return reminder
        if in_doubt:
            log.warning(
                "reminder %s was claimed at %s and never recorded: handing it over again "
                "with its key %s",
                reminder.pk,
                reminder.claimed_at,
                reminder.key,
            )
        reminder.key = reminder.key or uuid.uuid4().hex
        reminder.status = Reminder.State.SENDING
        reminder.claimed_at = now
        reminder.attempts += 1
        reminder.save(update_fields=["key", "status", "claimed_at", "attempts"])
    return reminder


def reminder_deliver(reminder: Reminder, *, now: dt.datetime | None = None) -> str:
    """Steps 2 and 3 for a claimed message."""
    if reminder.status != Reminder.State.SENDING:
        return str(reminder.status)  # cancelled or failed while claiming
    try:
        channel(reminder.channel).send_reminder(reminder.appointment, key=reminder.key)
    except ChannelError as exc:
        reminder_failed(reminder=reminder, error=str(exc), now=now or timezone.now())
        return "retry"
    reminder_sent(reminder=reminder, now=now or timezone.now())
    return "sent"


def reminder_sent(*, reminder: Reminder, now: dt.datetime) -> None:
    with transaction.atomic():
        marked = Reminder.objects.filter(
            pk=reminder.pk, status=Reminder.State.SENDING, key=reminder.key
        ).update(status=Reminder.State.SENT, sent_at=now, last_error="")
        if marked:
            appointment = reminder.appointment
            audit_record(
                actor=Actor.system(appointment.clinic, label="appointment reminders"),
                action=Action.EXPORT,
                patient=appointment.patient,
                obj=reminder,
            )
    log.info("reminder %s sent (key %s)", reminder.pk, reminder.key)


def reminder_failed(*, reminder: Reminder, error: str, now: dt.datetime) -> None:
    """The channel refused the hand-over: nothing arrived, so a later attempt may send."""
    with transaction.atomic():
        row = (
            Reminder.objects.select_for_update()
            .filter(pk=reminder.pk, status=Reminder.State.SENDING, key=reminder.key)
            .first()
        )
        if row is None:
            return
        row.last_error = error[:500]
        if row.attempts >= rules.MAX_SEND_ATTEMPTS:
            row.status = Reminder.State.FAILED
            log.warning("reminder %s failed for good: %s", row.pk, error)
        else:
            row.status = Reminder.State.PENDING
            row.next_attempt_at = now + rules.backoff(row.attempts)
            log.info(
                "reminder %s refused (%s); next attempt at %s", row.pk, error, row.next_attempt_at
            )
        row.save(update_fields=["last_error", "status", "next_attempt_at"])


def reminder_send(*, reminder_id: int, now: dt.datetime | None = None) -> str:
    """Send one given message if it is due (claim, hand over, record)."""
    now = now or timezone.now()
    reminder = reminder_claim(now=now, reminder_id=reminder_id)
    if reminder is None:
        return "skipped"  # not due, sent already, cancelled, or another worker has it
    return reminder_deliver(reminder, now=now)


def reminders_send_due(
    *,
    lease: dt.timedelta = LEASE,
    limit: int = 100,
    stopping: Callable[[], bool] = lambda: False,
) -> Counter[str]:
    """Send due messages one at a time until none is left, `limit` is reached or
    `stopping()` says so (checked between messages: a message being handed over is
    finished first)."""
    outcomes: Counter[str] = Counter()
    for _ in range(limit):
        if stopping():
            break
        reminder = reminder_claim(now=timezone.now(), lease=lease)
        if reminder is None:
            break
        outcomes[reminder_deliver(reminder)] += 1
    return outcomes
