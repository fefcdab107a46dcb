"""Background tasks (Django's tasks framework, database backend; run by `acuflow worker`)."""

from __future__ import annotations

from django.tasks import task


@task()
def send_reminder(reminder_id: int) -> str:
    from acuflow.scheduling.reminders import reminder_send

    return reminder_send(reminder_id=reminder_id)
