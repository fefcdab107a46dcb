"""One generator per domain, run in order by `acuflow generate`.

Order matters only for ids: a later generator refers to ids an earlier one assigned on
the story (patient.id, episode.id, course.id, visit.id, session.id)."""

from __future__ import annotations

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
from acuflow.datagen.generators.base import Context, Generator

__all__ = ["Context", "Generator", "all_generators"]


def all_generators() -> list[Generator]:
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
