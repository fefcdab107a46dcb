"""Sending reminders exactly once.

The reminder row is the outbox. `reminder_send` claims the row with
select_for_update(skip_locked) - a second worker skips it instead of waiting - writes
`status=sent` and only then hands the message to the channel, all in ONE transaction:

- the hand-over fails (SMTP error): the transaction rolls back, the row is pending
  again and gets a later attempt (backoff) - retried, not lost;
- the worker dies before the hand-over completes: the database rolls the transaction
  back when the connection drops; the row is pending and `reminders_requeue` (run by
  `acuflow worker` on every pass) queues it again - sent once, by the next worker;
- the hand-over succeeded: the commit follows immediately and the row is `sent`; no
  later task or worker sends it again.

The one window left is a crash between the SMTP server accepting the message and the
COMMIT a few microseconds later; SMTP offers no idempotency key to close it.

On SQLite the IMMEDIATE transaction holds the write lock for the hand-over, so
concurrent workers are serialised the same way (keep EMAIL_TIMEOUT short there).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.actor import Actor
from acuflow.scheduling import rules
from acuflow.scheduling.channels import ChannelError, channel
from acuflow.scheduling.models import Reminder, Status

log = logging.getLogger(__name__)

# A due reminder whose task has not run after this long is queued again.
STALE_AFTER = dt.timedelta(minutes=2)


@task()
def send_reminder(reminder_id: int) -> str:
    """The background task (`acuflow worker`) that sends one reminder."""
    return reminder_send(reminder_id=reminder_id)


def reminder_enqueue(reminder: Reminder, *, now: dt.datetime) -> None:
    """Queue the send task for the reminder's next attempt (in the caller's transaction:
    the task row commits, or not, together with the reminder)."""
    result = send_reminder.using(run_after=reminder.next_attempt_at).enqueue(reminder.pk)
    Reminder.objects.filter(pk=reminder.pk).update(task_id=str(result.id), enqueued_at=now)


def reminder_send(*, reminder_id: int, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    try:
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related(
                    "appointment__patient",
                    "appointment__clinic",
                    "appointment__type",
                    "appointment__practitioner__user",
                    "appointment__location",
                )
                .filter(pk=reminder_id, status=Reminder.State.PENDING)
                .first()
            )
            if reminder is None:
                return "skipped"  # sent already, cancelled, or another worker has it
            if reminder.next_attempt_at > now:
                return "not_due"  # moved to a later time; its own task will come
            appointment = reminder.appointment
            if appointment.status != Status.BOOKED or appointment.start <= now:
                reminder.status = Reminder.State.CANCELLED
                reminder.save(update_fields=["status"])
                return "not_needed"
            reminder.status = Reminder.State.SENT
            reminder.sent_at = now
            reminder.attempts += 1
            reminder.last_error = ""
            reminder.save(update_fields=["status", "sent_at", "attempts", "last_error"])
            audit_record(
                actor=Actor.system(appointment.clinic, label="appointment reminders"),
                action=Action.EXPORT,
                patient=appointment.patient,
                obj=reminder,
            )
            # Last statement before COMMIT: the hand-over.
            channel(reminder.channel).send_reminder(appointment)
        return "sent"
    except ChannelError as exc:
        reminder_failed(reminder_id=reminder_id, error=str(exc), now=now)
        return "retry"


def reminder_failed(*, reminder_id: int, error: str, now: dt.datetime) -> None:
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update()
            .filter(pk=reminder_id, status=Reminder.State.PENDING)
            .first()
        )
        if reminder is None:
            return
        reminder.attempts += 1
        reminder.last_error = error[:500]
        if reminder.attempts >= rules.MAX_SEND_ATTEMPTS:
            reminder.status = Reminder.State.FAILED
            log.warning("reminder %s failed for good: %s", reminder_id, error)
        else:
            reminder.next_attempt_at = now + rules.backoff(reminder.attempts)
        reminder.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        if reminder.status == Reminder.State.PENDING:
            reminder_enqueue(reminder, now=now)


def reminders_requeue(
    *, now: dt.datetime | None = None, stale_after: dt.timedelta = STALE_AFTER
) -> int:
    """Queue again every due, pending reminder whose task did not finish the job: its
    worker died mid-run, or the queue row was lost. Sending twice is impossible either
    way (see the module docstring), so this errs on the side of queueing."""
    now = now or timezone.now()
    stale = list(
        Reminder.objects.filter(
            status=Reminder.State.PENDING, next_attempt_at__lte=now - stale_after
        ).exclude(enqueued_at__gt=now - stale_after)[:500]
    )
    waiting = set(
        str(pk)
        for pk in DBTaskResult.objects.filter(
            id__in=[r.task_id for r in stale if r.task_id], status="READY"
        ).values_list("id", flat=True)
    )
    count = 0
    for reminder in stale:
        if reminder.task_id and reminder.task_id in waiting:
            continue  # still queued: the worker simply has not reached it
        with transaction.atomic():
            reminder_enqueue(reminder, now=now)
        count += 1
    return count
