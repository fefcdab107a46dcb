"""How messages reach patients: one small interface, email now; SMS and WhatsApp are
stubs behind the same interface until a clinic contracts a provider.

A channel's `send_reminder` either hands the message over or raises ChannelError. It
runs outside any transaction (acuflow.scheduling.reminders) and carries the message's
idempotency key: a message handed over twice after a crash arrives once. Email puts
the key in the Message-ID; an SMS provider takes it as its idempotency key.
"""

from __future__ import annotations

import smtplib
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from acuflow.scheduling import ics
from acuflow.scheduling.models import WaitlistOffer
from acuflow.scheduling.selectors import clinic_zone

if TYPE_CHECKING:
    from acuflow.patients.models import Patient
    from acuflow.scheduling.models import Appointment


class ChannelError(Exception):
    """The message could not be handed over now; try again later."""


class Channel(Protocol):
    code: str

    def reaches(self, patient: Patient) -> bool: ...

    def send_reminder(self, appointment: Appointment, *, key: str) -> None: ...


def _when(appointment: Appointment) -> str:
    local = appointment.start.astimezone(clinic_zone(appointment.clinic))
    return f"{date_format(local, 'DATE_FORMAT')} {local:%H:%M}"


def reminder_text(appointment: Appointment) -> tuple[str, str]:
    clinic = appointment.clinic
    subject = _("Reminder: your appointment at %(clinic)s on %(when)s") % {
        "clinic": clinic.name,
        "when": _when(appointment),
    }
    lines = [
        _("Dear %(name)s,") % {"name": appointment.patient.given_name},
        "",
        _("This is a reminder of your appointment:"),
        f"{appointment.type.label()}, {_when(appointment)}",
        _("with %(practitioner)s") % {"practitioner": appointment.practitioner.user.full_name},
    ]
    if appointment.location is not None:
        lines.append(f"{appointment.location.name} {appointment.location.address}".strip())
    lines += ["", _("Cannot come? Please let us know as early as possible.")]
    if clinic.phone:
        lines.append(_("Phone: %(phone)s") % {"phone": clinic.phone})
    if clinic.whatsapp_link:
        lines.append(_("WhatsApp: %(link)s") % {"link": clinic.whatsapp_link})
    lines += ["", clinic.name]
    return subject, "\n".join(lines)


def message_id(key: str) -> str:
    """The Message-ID of the message with this idempotency key: the same key gives the
    same Message-ID, so a repeated hand-over is one message to the receiving mail store."""
    domain = urlparse(settings.SITE_URL).hostname or "acuflow.invalid"
    return f"<reminder-{key}@{domain}>"


class EmailChannel:
    code = "email"

    def reaches(self, patient: Patient) -> bool:
        return bool(patient.email)

    def send_reminder(self, appointment: Appointment, *, key: str) -> None:
        with translation.override(appointment.patient.language or appointment.clinic.language):
            subject, body = reminder_text(appointment)
            summary = f"{appointment.type.label()} - {appointment.clinic.name}"
            attachment = ics.appointment_ics(appointment, summary=summary)
        message = EmailMessage(
            subject=subject,
            body=body,
            to=[appointment.patient.email],
            reply_to=[appointment.clinic.email] if appointment.clinic.email else None,
            headers={"Message-ID": message_id(key)},
        )
        message.attach("appointment.ics", attachment, "text/calendar; method=PUBLISH")
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}") from exc


class SmsChannel:
    """Stub: no SMS provider is configured, so it reaches nobody."""

    code = "sms"

    def reaches(self, patient: Patient) -> bool:
        return False

    def send_reminder(self, appointment: Appointment, *, key: str) -> None:
        raise ChannelError("SMS is not configured")


class WhatsAppChannel:
    """Stub: sending needs a WhatsApp Business API contract. Patients reach the clinic
    through the click-to-chat link (Clinic.whatsapp_link) on the pages instead."""

    code = "whatsapp"

    def reaches(self, patient: Patient) -> bool:
        return False

    def send_reminder(self, appointment: Appointment, *, key: str) -> None:
        raise ChannelError("WhatsApp sending is not configured")


CHANNELS: dict[str, Channel] = {
    c.code: c for c in (EmailChannel(), SmsChannel(), WhatsAppChannel())
}


def channel(code: str) -> Channel:
    return CHANNELS[code]


def channels_for(patient: Patient) -> list[str]:
    return [code for code, c in CHANNELS.items() if c.reaches(patient)]


def send_offer(offer_id: int) -> None:
    """Email a waitlist offer with its accept/decline link. Best effort: the offer also
    shows on the staff waitlist page, and it expires by itself."""
    offer: WaitlistOffer | None = (
        WaitlistOffer.objects.select_related("entry__patient", "entry__clinic", "entry__type")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None or not offer.entry.patient.email:
        return
    patient = offer.entry.patient
    clinic = offer.entry.clinic
    language = patient.language or clinic.language
    with translation.override(language):
        local = offer.start.astimezone(clinic_zone(clinic))
        path = reverse("scheduling_public:offer", kwargs={"token": offer.token})
        base = settings.SITE_URL  # no request here: the worker or a cancellation sends it
        body = "\n".join(
            [
                _("Dear %(name)s,") % {"name": patient.given_name},
                "",
                _("A place has become free: %(type)s on %(when)s.")
                % {"type": offer.entry.type.label(), "when": f"{local:%Y-%m-%d %H:%M}"},
                _("Open this link to take it or to pass it on:"),
                f"{base}{path}",
                "",
                clinic.name,
            ]
        )
        subject = _("A place has become free at %(clinic)s") % {"clinic": clinic.name}
    try:
        EmailMessage(subject=subject, body=body, to=[patient.email]).send()
    except (smtplib.SMTPException, OSError):
        pass
