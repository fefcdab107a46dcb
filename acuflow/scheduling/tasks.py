"""Background tasks (Django's tasks framework, database backend; run by `acuflow worker`).

The reminder task lives beside the outbox it works on (`reminders`); queued rows name
it by this module's path too, so the name stays importable here.
"""

from __future__ import annotations

from acuflow.scheduling.reminders import send_reminder

__all__ = ["send_reminder"]
