"""Clinics, their location and rooms, staff users, memberships and practitioner profiles.

Few rows, so plain ORM creates; every staff member gets the demo password (hashed once)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password

from acuflow.accounts.demo import DEMO_PASSWORD
from acuflow.accounts.models import Clinic, Location, Membership, Practitioner, Room, User
from acuflow.datagen.generators.base import Context, Generator

BODIES = {"NL": "NVA", "NO": "Akupunkturforeningen", "ES": "SEA", "GB": "BAcC"}


class ClinicsGenerator(Generator):
    name = "clinics"
    models = ("accounts.Clinic", "accounts.Practitioner")

    def setup(self, ctx: Context) -> None:
        password = make_password(DEMO_PASSWORD)
        expires = dt.date(ctx.today.year + 2, 1, 1)
        for spec in ctx.clinics:
            clinic = Clinic.objects.create(
                slug=spec.slug,
                name=spec.name,
                country=spec.country,
                language=spec.language,
                timezone=spec.timezone,
                address=f"Generated street {spec.index + 1}\n{spec.city.replace('-', ' ')}",
                phone=spec.phone_pattern.format(a=spec.index, b=1000 + spec.index, c=100),
                email=f"info@{spec.slug}.example",
                whatsapp=spec.phone_pattern.format(a=spec.index, b=2000 + spec.index, c=200),
            )
            spec.id = clinic.pk
            location = Location.objects.create(
                clinic=clinic, name=spec.city.replace("-", " "), address=clinic.address
            )
            spec.location_id = location.pk
            for person in spec.staff:
                user = User.objects.create(
                    email=person.email,
                    full_name=person.full_name,
                    password=password,
                    language=spec.language,
                    is_staff=person.role == "owner",
                )
                person.user_id = user.pk
                Membership.objects.create(user=user, clinic=clinic, role=person.role)
                if person.treats:
                    practitioner = Practitioner.objects.create(
                        user=user,
                        clinic=clinic,
                        profession=person.profession,
                        professional_body=BODIES[spec.country],
                        registration_number=f"{BODIES[spec.country][:3].upper()}-{user.pk:05d}",
                        registration_expires=expires,
                        modalities=person.modalities,
                    )
                    person.practitioner_id = practitioner.pk
                    room = Room.objects.create(location=location, name=f"Room {person.index + 1}")
                    person.room_id = room.pk
