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
from acuflow.datagen.story import ClinicSpec, PatientStory, PractitionerSpec


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


# The row as `acuflow audit verify` reads it back, in COPY column order.
COLUMNS = [
    "id",
    "clinic_id",
    "user_id",
    "actor_label",
    "on_behalf_of",
    "action",
    "patient_id",
    "object_type",
    "object_id",
    "channel",
    "path",
    "client_address",
    "at",
    "hash",
    "detail",
]
_TAIL = ',"web","",' + '"' + _ADDRESS + '",'  # channel, path, client_address in the hash


def _copy_text(value: str) -> str:
    """A string as a COPY text-format cell."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


class FastHasher:
    """`acuflow.audit.chain.row_hash` for the generator's rows, byte for byte, at a
    fraction of its cost: a chain hash per audit row is most of the generator's Python
    time. The row's payload is the chain's `[prev, field, ...]` JSON list, put together
    from parts: the JSON of the actor (clinic, user, label, on behalf of) and of the
    object type is encoded once; a hex digest, a number's digits, an action word and a
    UTC time need no JSON escaping (a test compares both on every row shape the
    generator makes)."""

    def __init__(self) -> None:
        self._json: dict[Any, str] = {}
        assert FIELDS == tuple(c for c in COLUMNS if c not in ("id", "hash")), (
            "audit.chain changed: update the generator"
        )

    def j(self, value: Any) -> str:
        out = self._json.get(value)
        if out is None:
            out = self._json[value] = _encode(value)
        return out

    def actor(self, clinic_id: int, user_id: int | None, label: str, on_behalf_of: str) -> str:
        """The JSON of the row's first four fields, without brackets."""
        user = "null" if user_id is None else str(user_id)
        return f"{clinic_id},{user},{self.j(label)},{self.j(on_behalf_of)}"

    @staticmethod
    def digest(
        prev: str, actor: str, action: str, patient_id: int, kind: str, object_id: str, at: str
    ) -> str:
        """`actor` from actor(), `kind` the JSON of the object type, `at` as _utc()
        writes it; channel "web", no path, the generator's address, no detail."""
        payload = (
            f'["{prev}",{actor},"{action}",{patient_id},{kind},"{object_id}"{_TAIL}"{at}",{{}}]'
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def __call__(self, prev: str, values: dict[str, Any]) -> str:
        v = values
        if (
            v["detail"]
            or v["client_address"] != _ADDRESS
            or v["channel"] != "web"
            or v["path"]
            or not (prev.isalnum() or not prev)
            or not (v["action"].isascii() and v["action"].isalpha())
            or type(v["patient_id"]) is not int
            or not (v["object_id"].isascii() and v["object_id"].isalnum())
        ):
            return row_hash(prev, values)
        actor = self.actor(v["clinic_id"], v["user_id"], v["actor_label"], v["on_behalf_of"])
        kind = self.j(v["object_type"])
        return self.digest(
            prev, actor, v["action"], v["patient_id"], kind, v["object_id"], _utc(v["at"])
        )


class AuditGenerator(Generator):
    name = "audit"
    models = ("audit.AuditEvent",)

    def setup(self, ctx: Context) -> None:
        self.events = ctx.writer.table(self.model("audit.AuditEvent"))
        self.events.set_columns(COLUMNS)
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
        # Per object type: (its name, its JSON, its COPY cell).
        self.kinds = {k: (v, self.hash.j(v), _copy_text(v)) for k, v in self.types.items()}
        # Per (clinic, user): (label, the actor's JSON, its COPY cells up to the action).
        self.actors: dict[tuple[int, int], tuple[str, str, str]] = {}
        # Per clinic time: (the aware datetime, its UTC text as the chain hashes it).
        self.times: dict[tuple[str, dt.date, int, int], tuple[dt.datetime, str]] = {}

    def _actor(self, clinic: ClinicSpec, who: PractitionerSpec) -> tuple[str, str, str]:
        key = (clinic.id, who.user_id)
        found = self.actors.get(key)
        if found is None:
            label = f"{who.email} ({who.role})"
            user = "\\N" if who.user_id is None else str(who.user_id)
            cells = f"{clinic.id}\t{user}\t{_copy_text(label)}\t{_copy_text(clinic.name)}\t"
            actor = self.hash.actor(clinic.id, who.user_id, label, clinic.name)
            found = self.actors[key] = (label, actor, cells)
        return found

    def emit(self, story: PatientStory, ctx: Context) -> None:
        clinic = story.clinic
        clinic_id, name, patient_id = clinic.id, clinic.name, story.id
        text = self.events.text
        add_line, add_row = self.events.add_line, self.events.add_row
        next_id = self.events.next_id
        digest = self.hash.digest
        times = self.times
        at_of = ctx.at
        desk = clinic.reception[0] if clinic.reception else clinic.staff[0]
        prev, length = self.heads.get(clinic_id, ("", 0))

        def event(who, action, kind, obj_id, day, slot, minutes) -> None:  # type: ignore[no-untyped-def]
            nonlocal prev, length
            key = (clinic.timezone, day, slot, minutes)
            when = times.get(key)
            if when is None:
                if len(times) > 200_000:  # a bound on the memory it takes
                    times.clear()
                at = at_of(clinic, day, slot, minutes)
                when = times[key] = (at, _utc(at))
            at, utc = when
            label, actor, cells = self._actor(clinic, who)
            otype, kind_json, kind_cell = self.kinds[kind]
            oid = str(obj_id)
            prev = digest(prev, actor, action, patient_id, kind_json, oid, utc)
            length += 1
            row_id = next_id()
            if text:
                add_line(
                    f"{row_id}\t{cells}{action}\t{patient_id}\t{kind_cell}\t{oid}"
                    f"\tweb\t\t{_ADDRESS}\t{utc}\t{prev}\t{{}}\n"
                )
            else:
                add_row(
                    (row_id, clinic_id, who.user_id, label, name, action, patient_id, otype)
                    + (oid, "web", "", _ADDRESS, at, prev, {})
                )

        event(desk, "create", "patient", story.id, story.created, 0, -15)
        for episode in story.episodes:
            who = episode.practitioner
            if episode.intake is not None and episode.intake.id:
                visit = episode.intake
                event(desk, "create", "appointment", visit.id, visit.day, 0, -30)
            if episode.id and episode.intake is not None:
                intake = episode.intake
                event(who, "read", "patient", story.id, intake.day, intake.slot, 1)
                event(who, "create", "assessment", episode.id, intake.day, intake.slot, 1)
            course = episode.course
            if course is not None and course.id:
                event(who, "create", "course", course.id, course.start, 0, -30)
                for visit in course.visits:
                    if visit.id:
                        event(desk, "create", "appointment", visit.id, visit.day, 0, -40)
                for session in course.sessions:
                    if session.id:
                        doer = course.practitioner
                        event(doer, "read", "patient", story.id, session.day, session.slot, 2)
                        event(doer, "create", "session", session.id, session.day, session.slot, 2)
            for response in episode.responses:
                if response.id:
                    event(who, "create", "response", response.id, response.day, 0, -10)
        self.heads[clinic_id] = (prev, length)

    def finish(self, ctx: Context) -> None:
        for clinic_id, (last_hash, length) in self.heads.items():
            ChainHead.objects.update_or_create(
                clinic_id=clinic_id, defaults={"last_hash": last_hash, "length": length}
            )
