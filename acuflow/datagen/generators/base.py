"""What every generator shares: the run's context and the generator base class."""

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
    _texts: dict[tuple[str, dt.date, int, int], str] = field(default_factory=dict)

    def at(self, clinic: ClinicSpec, day: dt.date, slot: int = 0, minutes: int = 0) -> dt.datetime:
        """A slot of the clinic day as an aware datetime in the clinic's timezone."""
        start = DAY_START + slot * SLOT_MINUTES + minutes
        return dt.datetime(
            day.year, day.month, day.day, start // 60, start % 60, tzinfo=zone(clinic.timezone)
        )

    def at_text(self, clinic: ClinicSpec, day: dt.date, slot: int = 0, minutes: int = 0) -> str:
        """at() as a COPY cell (its isoformat, with the offset), kept: a clinic's slots
        repeat across patients."""
        key = (clinic.timezone, day, slot, minutes)
        text = self._texts.get(key)
        if text is None:
            if len(self._texts) > 200_000:  # a bound on the memory it takes
                self._texts.clear()
            text = self._texts[key] = self.at(clinic, day, slot, minutes).isoformat()
        return text


class Generator:
    name: ClassVar[str] = ""
    models: ClassVar[tuple[str, ...]] = ()  # "app_label.Model"

    @classmethod
    def available(cls) -> bool:
        """Its models' tables exist (the database is migrated)."""
        tables = set(connection.introspection.table_names())
        return all(apps.get_model(label)._meta.db_table in tables for label in cls.models)

    @staticmethod
    def model(label: str) -> type[Model]:
        return apps.get_model(label)

    def setup(self, ctx: Context) -> None:
        """Once before the patients: clinic-level rows, lookups."""

    def emit(self, story: PatientStory, ctx: Context) -> None:
        """Rows for one patient's story."""

    def finish(self, ctx: Context) -> None:
        """Once after the patients, in the last transaction: totals, chain heads."""
