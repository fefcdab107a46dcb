"""Writes for scheduling, one module per subject; each write is one transaction with its
audit row. Callers use the package: `from acuflow.scheduling import services` then
`services.appointment_book(...)`.

- booking: placing an appointment (the shared checks, double-booking guard, the booking)
- appointments: moving, cancelling, no-show and completed
- waitlist: joining, offers of freed slots, answers and expiry
- reminders: queueing an appointment's reminders
- settings: working hours, exceptions, appointment types, clinic settings, holidays
"""

from acuflow.scheduling.services.appointments import (
    appointment_cancel,
    appointment_move,
    appointment_set_status,
)
from acuflow.scheduling.services.booking import (
    MAX_DAYS_AHEAD,
    SchedulingError,
    SlotTaken,
    appointment_book,
)
from acuflow.scheduling.services.settings import (
    SETTINGS_FIELDS,
    appointment_type_update,
    holiday_add,
    holiday_delete,
    schedule_exception_add,
    schedule_settings_update,
    working_hours_set,
)
from acuflow.scheduling.services.waitlist import (
    waitlist_answer,
    waitlist_expire,
    waitlist_join,
    waitlist_offer,
)

__all__ = [
    "MAX_DAYS_AHEAD",
    "SETTINGS_FIELDS",
    "SchedulingError",
    "SlotTaken",
    "appointment_book",
    "appointment_cancel",
    "appointment_move",
    "appointment_set_status",
    "appointment_type_update",
    "holiday_add",
    "holiday_delete",
    "schedule_exception_add",
    "schedule_settings_update",
    "waitlist_answer",
    "waitlist_expire",
    "waitlist_join",
    "waitlist_offer",
    "working_hours_set",
]
