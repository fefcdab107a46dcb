"""Patients and their consent records."""

from __future__ import annotations

from acuflow.datagen.generators.base import Context, Generator
from acuflow.datagen.story import PatientStory
from acuflow.patients.names import family_sort_key


class PatientsGenerator(Generator):
    name = "patients"
    models = ("patients.Patient", "patients.Consent")

    def setup(self, ctx: Context) -> None:
        self.patients = ctx.writer.table(self.model("patients.Patient"))
        self.consents = ctx.writer.table(self.model("patients.Consent"))

    def emit(self, story: PatientStory, ctx: Context) -> None:
        clinic = story.clinic
        story.id = self.patients.next_id()
        created = ctx.at(clinic, story.created, 0, -15)
        reception = clinic.reception[0] if clinic.reception else clinic.staff[0]
        self.patients.add(
            id=story.id,
            clinic_id=clinic.id,
            given_name=story.given,
            family_name=story.family,
            family_sort=family_sort_key(story.family),
            birth_date=story.birth_date,
            sex=story.sex,
            language=clinic.language,
            email=story.email,
            phone=story.phone,
            phone_digits="".join(ch for ch in story.phone if ch.isdigit()),
            address=f"{(story.index % 180) + 1} Generated street\n{clinic.city.replace('-', ' ')}",
            notes="",
            created_at=created,
            updated_at=created,
        )
        kinds = ["treatment", "data_processing"]
        if story.email:
            kinds.append("reminders")
        for kind in kinds:
            self.consents.add(
                id=self.consents.next_id(),
                patient_id=story.id,
                kind=kind,
                given=True,
                recorded_at=created,
                recorded_by_id=reception.user_id,
                note="",
            )
