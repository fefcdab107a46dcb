"""iCalendar (RFC 5545) text for one appointment (email attachment) or a feed.

Times are written in UTC (`...Z`), which every calendar app shows in its own zone, so
daylight-saving rules never have to travel with the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from acuflow.scheduling.models import Appointment, Status


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (CRLF + space), never inside a character."""
    out: list[str] = []
    current = ""
    for ch in line:
        if len((current + ch).encode()) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += ch
    out.append(current)
    return "\r\n ".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _initials(appointment: Appointment) -> str:
    patient = appointment.patient
    return f"{patient.given_name[:1]}. {patient.family_name[:1]}.".strip()


def event_lines(
    appointment: Appointment, *, summary: str, description: str = "", stamp: dt.datetime
) -> list[str]:
    location = appointment.location.name if appointment.location is not None else ""
    if appointment.room is not None:
        room = appointment.room.name
        location = f"{location} / {room}" if location else room
    lines = [
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.pk}@acuflow",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(appointment.start)}",
        f"DTEND:{_utc(appointment.end)}",
        f"SUMMARY:{_escape(summary)}",
        f"STATUS:{'CANCELLED' if appointment.status == Status.CANCELLED else 'CONFIRMED'}",
    ]
    if location:
        lines.append(f"LOCATION:{_escape(location)}")
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[list[str]], *, name: str = "", method: str = "") -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//acuflow//scheduling//EN",
        "CALSCALE:GREGORIAN",
    ]
    if method:
        lines.append(f"METHOD:{method}")
    if name:
        lines.append(f"X-WR-CALNAME:{_escape(name)}")
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def appointment_ics(appointment: Appointment, *, summary: str, description: str = "") -> str:
    """A single-event file for the patient: their own appointment with the clinic."""
    stamp = dt.datetime.now(dt.UTC)
    return calendar(
        [event_lines(appointment, summary=summary, description=description, stamp=stamp)],
        method="PUBLISH",
    )


def practitioner_feed(appointments: Iterable[Appointment], *, name: str) -> str:
    """The practitioner's subscription feed. Events carry the type and the patient's
    initials only: a subscribed calendar lives outside the clinic's systems."""
    stamp = dt.datetime.now(dt.UTC)
    return calendar(
        (
            event_lines(a, summary=f"{a.type.label()} ({_initials(a)})", stamp=stamp)
            for a in appointments
        ),
        name=name,
    )
