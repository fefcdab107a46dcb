"""Audit events in the NEN 7513 shape for what the other generators wrote: each record
created, and the chart read at every visit."""

from __future__ import annotations

import datetime as dt

from django.apps import apps

from acuflow.audit.chain import CopyRows
from acuflow.audit.models import ChainHead
from acuflow.datagen.generators.base import Context, Generator
from acuflow.datagen.story import ClinicSpec, PatientStory, PractitionerSpec


def _label(label: str) -> str:
    try:
        return apps.get_model(label)._meta.label_lower
    except LookupError:
        return label.lower()


_ADDRESS = "10.0.0.1"  # every generated row comes from here, by web, with no path or detail
ACTOR = ("clinic_id", "user_id", "actor_label", "on_behalf_of")


def copy_rows() -> CopyRows:
    """The chain's row builder for the generator's rows: the fields that vary, in
    FIELDS order, and the ones that do not."""
    return CopyRows(
        groups=[ACTOR, ("action",), ("patient_id",), ("object_type",), ("object_id",), ("at",)],
        constant={"channel": "web", "path": "", "client_address": _ADDRESS, "detail": {}},
    )


class AuditGenerator(Generator):
    name = "audit"
    models = ("audit.AuditEvent",)

    def setup(self, ctx: Context) -> None:
        self.events = ctx.writer.table(self.model("audit.AuditEvent"))
        self.rows = copy_rows()
        self.events.set_columns(list(CopyRows.COLUMNS))
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
        # Per object type, per action: (its value, its JSON, its COPY cell).
        self.kinds = {k: (v, *self.rows.part(3, v)) for k, v in self.types.items()}
        self.verbs = {a: (a, *self.rows.part(1, a)) for a in ("create", "read")}
        # Per (clinic, user): (label, the actor's JSON, its COPY cells).
        self.actors: dict[tuple[int, int], tuple[str, str, str]] = {}
        # Per clinic time: (the aware datetime, its UTC text: JSON and COPY cell).
        self.times: dict[tuple[str, dt.date, int, int], tuple[dt.datetime, str, str]] = {}

    def _actor(self, clinic: ClinicSpec, who: PractitionerSpec) -> tuple[str, str, str]:
        key = (clinic.id, who.user_id)
        found = self.actors.get(key)
        if found is None:
            label = f"{who.email} ({who.role})"
            found = (label, *self.rows.part(0, clinic.id, who.user_id, label, clinic.name))
            self.actors[key] = found
        return found

    def emit(self, story: PatientStory, ctx: Context) -> None:
        clinic = story.clinic
        clinic_id, name, patient_id = clinic.id, clinic.name, story.id
        pid = CopyRows.number(patient_id)
        text = self.events.text
        add_line, add_row = self.events.add_line, self.events.add_row
        next_id = self.events.next_id
        link, line, word = self.rows.link, self.rows.line, CopyRows.word
        times = self.times
        at_of = ctx.at
        desk = clinic.reception[0] if clinic.reception else clinic.staff[0]
        prev, length = self.heads.get(clinic_id, ("", 0))

        def event(who, verb, kind, obj_id, day, slot, minutes) -> None:  # type: ignore[no-untyped-def]
            nonlocal prev, length
            key = (clinic.timezone, day, slot, minutes)
            when = times.get(key)
            if when is None:
                if len(times) > 200_000:  # a bound on the memory it takes
                    times.clear()
                at = at_of(clinic, day, slot, minutes)
                when = times[key] = (at, *self.rows.part(5, at))
            at, at_json, at_cell = when
            label, actor_json, actor_cells = self._actor(clinic, who)
            action, action_json, action_cell = self.verbs[verb]
            otype, kind_json, kind_cell = self.kinds[kind]
            oid = str(obj_id)
            oid_json, oid_cell = word(oid)
            prev = link(prev, actor_json, action_json, pid, kind_json, oid_json, at_json)
            length += 1
            row_id = next_id()
            if text:
                add_line(
                    line(row_id, actor_cells, action_cell, pid, kind_cell, oid_cell, at_cell, prev)
                )
            else:
                add_row(
                    (row_id, clinic_id, who.user_id, label, name, action, patient_id, otype)
                    + (oid, "web", "", _ADDRESS, at, {}, prev)
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
