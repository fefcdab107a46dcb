"""One generator per domain. Each runs only when its app is installed and its models
exist, so `acuflow generate` works on whatever part of acuflow is present.

Order matters only for ids: a later generator refers to ids an earlier one assigned on
the story (patient.id, episode.id, course.id, visit.id, session.id)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import connection
from django.db.models import Model

from acuflow.datagen.story import DAY_START, SLOT_MINUTES, ClinicSpec, PatientStory, ProtocolSpec
from acuflow.datagen.writer import BulkWriter


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass
class Context:
    seed: int
    today: dt.date
    years: float
    writer: BulkWriter
    clinics: list[ClinicSpec]
    protocols: dict[tuple[str, str], ProtocolSpec] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    thresholds: Any = None  # the outcome model's thresholds (set by the courses generator)

    def at(self, clinic: ClinicSpec, day: dt.date, slot: int = 0, minutes: int = 0) -> dt.datetime:
        """A slot of the clinic day as an aware datetime in the clinic's timezone."""
        start = DAY_START + slot * SLOT_MINUTES + minutes
        return dt.datetime(
            day.year, day.month, day.day, start // 60, start % 60, tzinfo=zone(clinic.timezone)
        )


class Generator:
    name: ClassVar[str] = ""
    models: ClassVar[tuple[str, ...]] = ()  # "app_label.Model"

    @classmethod
    def available(cls) -> bool:
        """Its apps are installed, its models exist and are migrated."""
        tables = set(connection.introspection.table_names())
        for label in cls.models:
            app_label, model = label.split(".")
            if not apps.is_installed(_app_name(app_label)):
                return False
            try:
                found = apps.get_model(app_label, model)
            except LookupError:
                return False
            if found._meta.db_table not in tables:
                return False
        return True

    @staticmethod
    def model(label: str) -> type[Model]:
        return apps.get_model(label)

    def setup(self, ctx: Context) -> None:
        """Once before the patients: clinic-level rows, lookups."""

    def emit(self, story: PatientStory, ctx: Context) -> None:
        """Rows for one patient's story."""


def _app_name(label: str) -> str:
    try:
        return apps.get_app_config(label).name
    except LookupError:
        return f"acuflow.{label}"


def all_generators() -> list[Generator]:
    from acuflow.datagen.generators import (
        appointments,
        assessments,
        audit,
        clinics,
        courses,
        outcomes,
        patients,
        sessions,
    )

    classes: list[type[Generator]] = [
        clinics.ClinicsGenerator,
        patients.PatientsGenerator,
        assessments.AssessmentsGenerator,
        courses.CoursesGenerator,
        appointments.AppointmentsGenerator,
        sessions.SessionsGenerator,
        outcomes.OutcomesGenerator,
        courses.ObservationsGenerator,
        audit.AuditGenerator,
    ]
    return [cls() for cls in classes if cls.available()]
