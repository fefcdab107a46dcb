"""Demo clinics and staff. Idempotent: running it again changes nothing but passwords."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from acuflow.accounts.models import Clinic, Location, Membership, Practitioner, Room, User

DEMO_PASSWORD = "acuflow-demo"  # noqa: S105 - demo data only, printed by `acuflow demo`


@dataclass(frozen=True)
class StaffSpec:
    email: str
    name: str
    role: str
    profession: str = ""
    body: str = ""
    number: str = ""
    modalities: tuple[str, ...] = ()


CLINICS: dict[str, dict[str, Any]] = {
    "nl": dict(
        slug="centrum-nl",
        name="Acupunctuur & IMS Centrum Utrecht",
        country="NL",
        language="nl",
        timezone="Europe/Amsterdam",
        address="Oudegracht 100\n3511 AX Utrecht",
        phone="+31 30 123 4567",
        email="info@nl.example",
        whatsapp="+31 6 1234 5678",
        locations=[
            ("Utrecht Centrum", "Oudegracht 100, Utrecht", ["Kamer 1", "Kamer 2", "Kamer 3"])
        ],
        staff=[
            StaffSpec(
                "owner@nl.example",
                "Eva de Vries",
                "owner",
                "Acupuncturist",
                "NVA",
                "NVA-1001",
                ("acupuncture", "electroacupuncture", "cupping", "acupressure"),
            ),
            StaffSpec(
                "acupuncturist@nl.example",
                "Daan Jansen",
                "practitioner",
                "Acupuncturist",
                "Zhong",
                "ZH-2044",
                ("acupuncture",),
            ),
            StaffSpec(
                "ims@nl.example",
                "Sanne Bakker",
                "practitioner",
                "Physiotherapist (IMS)",
                "KNGF",
                "BIG-19044",
                ("ims", "acupuncture"),
            ),
            StaffSpec("reception@nl.example", "Lotte Visser", "reception"),
        ],
    ),
    "no": dict(
        slug="klinikk-no",
        name="Akupunkturklinikken Bergen",
        country="NO",
        language="nb",
        timezone="Europe/Oslo",
        address="Strandgaten 10\n5013 Bergen",
        phone="+47 55 12 34 56",
        email="post@no.example",
        whatsapp="+47 912 34 567",
        locations=[("Bergen sentrum", "Strandgaten 10, Bergen", ["Rom 1", "Rom 2"])],
        staff=[
            StaffSpec(
                "owner@no.example",
                "Ingrid Hansen",
                "owner",
                "Akupunktør",
                "Akupunkturforeningen",
                "AF-301",
                ("acupuncture", "acupressure", "cupping"),
            ),
            StaffSpec(
                "acupuncturist@no.example",
                "Lars Johansen",
                "practitioner",
                "Akupunktør",
                "Akupunkturforeningen",
                "AF-412",
                ("acupuncture",),
            ),
        ],
    ),
}


def load(*, clinics: dict[str, Clinic] | None = None) -> dict[str, Clinic]:
    result: dict[str, Clinic] = {}
    today = dt.date.today()
    for key, spec in CLINICS.items():
        spec = dict(spec)
        locations = spec.pop("locations")
        staff = spec.pop("staff")
        clinic, _ = Clinic.objects.update_or_create(slug=spec.pop("slug"), defaults=spec)
        for loc_name, loc_address, rooms in locations:
            location, _ = Location.objects.get_or_create(
                clinic=clinic, name=loc_name, defaults={"address": loc_address}
            )
            for room in rooms:
                Room.objects.get_or_create(location=location, name=room)
        for person in staff:
            user = User.objects.filter(email=person.email).first()
            if user is None:
                user = User.objects.create_user(person.email, DEMO_PASSWORD, full_name=person.name)
            else:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if person.role == "owner" and not user.is_staff:
                user.is_staff = True  # owners get the (clinic-scoped) admin pages
                user.save(update_fields=["is_staff"])
            Membership.objects.update_or_create(
                user=user, defaults={"clinic": clinic, "role": person.role}
            )
            if person.profession:
                Practitioner.objects.update_or_create(
                    user=user,
                    defaults={
                        "clinic": clinic,
                        "profession": person.profession,
                        "professional_body": person.body,
                        "registration_number": person.number,
                        "registration_expires": today.replace(year=today.year + 2, month=1, day=1),
                        "modalities": list(person.modalities),
                    },
                )
        result[key] = clinic
    return result
