"""Audit events in the NEN 7513 shape for what the other generators wrote: each record
created, and the chart read at every visit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.apps import apps

from acuflow.audit.chain import FIELDS, row_hash
from acuflow.audit.models import ChainHead
from acuflow.datagen.generators.base import Context, Generator
from acuflow.datagen.story import PatientStory


def _label(label: str) -> str:
    try:
        return apps.get_model(label)._meta.label_lower
    except LookupError:
        return label.lower()


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
_ADDRESS = "10.0.0.1"  # an IPv4 address: stored (and hashed) as written


def _utc(at: dt.datetime) -> str:
    """audit.chain's `_plain` of a datetime, without strftime."""
    u = at.astimezone(dt.UTC).replace(tzinfo=None)
    return u.isoformat(timespec="microseconds") + "Z"


class FastHasher:
    """`acuflow.audit.chain.row_hash` for the generator's rows, byte for byte, at a
    fraction of its cost: a chain hash per audit row is most of the generator's Python
    time. The JSON of each repeated string (labels, types, names) is encoded once; the
    payload is the same `[prev, field, ...]` list the chain writes (a test compares both
    on every row shape the generator makes)."""

    def __init__(self) -> None:
        self._json: dict[Any, str] = {}
        assert FIELDS[-2:] == ("at", "detail"), "audit.chain changed: update the generator"

    def _j(self, value: Any) -> str:
        out = self._json.get(value)
        if out is None:
            out = self._json[value] = _encode(value)
        return out

    def __call__(self, prev: str, values: dict[str, Any]) -> str:
        if values["detail"] or values["client_address"] != _ADDRESS or not prev.isalnum():
            return row_hash(prev, values)
        j = self._j
        # A hex digest, a time and a number's digits need no JSON escaping; they are not
        # cached (one per row).
        parts = ['"' + prev + '"']
        for name in FIELDS[:-2]:
            value = values[name]
            if value is None:
                parts.append("null")
            elif type(value) is int:
                parts.append(str(value))
            elif name == "object_id" and value.isascii() and value.isalnum():
                parts.append('"' + value + '"')
            else:
                parts.append(j(value))
        parts.append('"' + _utc(values["at"]) + '"')
        parts.append("{}")
        payload = "[" + ",".join(parts) + "]"
        return hashlib.sha256(payload.encode()).hexdigest()


class AuditGenerator(Generator):
    name = "audit"
    models = ("audit.AuditEvent",)

    def setup(self, ctx: Context) -> None:
        self.events = ctx.writer.table(self.model("audit.AuditEvent"))
        self.hash = FastHasher()
        # Rows are chained per clinic as they are emitted (ids rise in that order), so
        # `acuflow audit verify` holds on generated data too.
        self.heads = {
            h.clinic_id: (h.last_hash, h.length)
            for h in ChainHead.objects.filter(clinic_id__in=[c.id for c in ctx.clinics])
        }
        self.types = {
            k: _label(v)
            for k, v in {
                "patient": "patients.Patient",
                "assessment": "assessment.Assessment",
                "course": "protocols.Course",
                "session": "charting.Session",
                "response": "outcomes.Response",
                "appointment": "scheduling.Appointment",
            }.items()
        }

    def emit(self, story: PatientStory, ctx: Context) -> None:
        clinic = story.clinic
        add = self.events.add
        next_id = self.events.next_id
        desk = clinic.reception[0] if clinic.reception else clinic.staff[0]

        def event(who, action, kind, obj_id, at, channel="web") -> None:  # type: ignore[no-untyped-def]
            values = {
                "clinic_id": clinic.id,
                "user_id": who.user_id,
                "actor_label": f"{who.email} ({who.role})",
                "on_behalf_of": clinic.name,
                "action": action,
                "patient_id": story.id,
                "object_type": self.types[kind],
                "object_id": str(obj_id),
                "channel": channel,
                "path": "",
                "client_address": "10.0.0.1",
                "at": at,
                "detail": {},
            }
            prev, length = self.heads.get(clinic.id, ("", 0))
            values["hash"] = digest = self.hash(prev, values)
            self.heads[clinic.id] = (digest, length + 1)
            add(id=next_id(), **values)

        event(desk, "create", "patient", story.id, ctx.at(clinic, story.created, 0, -15))
        for episode in story.episodes:
            who = episode.practitioner
            if episode.intake is not None and episode.intake.id:
                visit = episode.intake
                event(desk, "create", "appointment", visit.id, ctx.at(clinic, visit.day, 0, -30))
            if episode.id and episode.intake is not None:
                at = ctx.at(clinic, episode.intake.day, episode.intake.slot, 1)
                event(who, "read", "patient", story.id, at)
                event(who, "create", "assessment", episode.id, at)
            course = episode.course
            if course is not None and course.id:
                event(who, "create", "course", course.id, ctx.at(clinic, course.start, 0, -30))
                for visit in course.visits:
                    if visit.id:
                        at = ctx.at(clinic, visit.day, 0, -40)
                        event(desk, "create", "appointment", visit.id, at)
                for session in course.sessions:
                    if session.id:
                        at = ctx.at(clinic, session.day, session.slot, 2)
                        event(course.practitioner, "read", "patient", story.id, at)
                        event(course.practitioner, "create", "session", session.id, at)
            for response in episode.responses:
                if response.id:
                    at = ctx.at(clinic, response.day, 0, -10)
                    event(who, "create", "response", response.id, at)

    def finish(self, ctx: Context) -> None:
        for clinic_id, (last_hash, length) in self.heads.items():
            ChainHead.objects.update_or_create(
                clinic_id=clinic_id, defaults={"last_hash": last_hash, "length": length}
            )
