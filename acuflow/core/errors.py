"""Domain errors: what services raise when a request cannot be carried out.

A service never knows about HTTP. It raises `DomainError(code, message, field=...)`;
the API maps the code to a status in one table (`DOMAIN_STATUS` below),
and page views show the message as a form error on `field` (or above the form).
"""

from __future__ import annotations

from typing import Any

# The HTTP status of each domain error code; a code not listed is a 422 (a value the
# rules refuse). The one table: services never choose a status;
# the API answers with it and pages that answer an error status use it too.
DOMAIN_STATUS: dict[str, int] = {
    "invalid_on_behalf_of": 400,
    "forbidden": 403,
    "second_factor_required": 403,
    "not_a_practitioner": 403,
    "registration_expired": 403,
    "practitioner_not_qualified": 403,
    "not_found": 404,
    "course_closed": 409,
    "red_flags_unresolved": 409,
    "red_flags_not_screened": 409,
    "referral_decided": 409,
    "shipped_protocol": 409,
    "slot_taken": 409,
    "patient_busy": 409,
    "possible_duplicate": 409,
    "identifier_in_use": 409,
    "already_merged": 409,
    "merge_undone": 409,
    "undo_expired": 409,
    "invalid_identifier": 422,
    # The appointment's day (scheduling.rules.DAY_FLOW): a step that cannot follow the
    # current one, "done" before the treatment is charted, charting a cancelled visit.
    "invalid_transition": 409,
    "session_required": 409,
    "appointment_not_chartable": 409,
    "appointment_charted": 409,
    "draft_too_large": 413,
    # A clinic-local time that a daylight-saving change skips or repeats
    # (acuflow.core.timezones.local_datetime).
    "nonexistent_local_time": 422,
    "ambiguous_local_time": 422,
    # Too many expensive requests (report PDFs): the answer carries Retry-After.
    "rate_limited": 429,
    # A deadlock or serialization failure that happened again on the retry
    # (acuflow.core.reliability).
    "conflict_retry": 409,
}


def domain_status(code: str) -> int:
    return DOMAIN_STATUS.get(code, 422)


class DomainError(Exception):
    """A rule refused the request. `code` is stable (clients depend on it), `message` is
    in the active language, `field` names the input it is about (None: the whole
    request). `fields` may carry several field messages at once."""

    def __init__(
        self,
        code: str,
        message: str = "",
        field: str | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code.replace("_", " ")
        self.field = field
        self.fields: dict[str, list[str]] = dict(fields or {})
        # Seconds after which the same request may succeed (a Retry-After header).
        self.retry_after = retry_after
        if field and field not in self.fields:
            self.fields[field] = [self.message]

    # The API's answer and the page's form error read these.
    @property
    def detail(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r}, field={self.field!r})"


def add_to_form(form: Any, exc: DomainError) -> None:
    """Show a domain error on a Django form: on its field when the form has it, else
    above the form."""
    placed = False
    for name, messages in exc.fields.items():
        target = name if name in getattr(form, "fields", {}) else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
