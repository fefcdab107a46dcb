"""About 30 demo patients per clinic with plausible names; deterministic, idempotent."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from acuflow.accounts.models import Clinic
from acuflow.patients.models import Consent, Patient
from acuflow.patients.names import family_sort_key

NAMES: dict[str, dict[str, Any]] = {
    "nl": {
        "female": [
            "Anna",
            "Emma",
            "Sophie",
            "Julia",
            "Fleur",
            "Sanne",
            "Lisa",
            "Iris",
            "Noor",
            "Marieke",
            "Ingrid",
            "Petra",
            "Annelies",
            "Femke",
            "Wilma",
        ],
        "male": [
            "Jan",
            "Pieter",
            "Daan",
            "Thijs",
            "Bram",
            "Ruben",
            "Joost",
            "Sander",
            "Kees",
            "Wouter",
            "Henk",
            "Gerrit",
            "Martijn",
            "Bas",
            "Lucas",
        ],
        "family": [
            "de Jong",
            "Jansen",
            "de Vries",
            "van den Berg",
            "van Dijk",
            "Bakker",
            "Janssen",
            "Visser",
            "Smit",
            "Meijer",
            "de Boer",
            "Mulder",
            "de Groot",
            "Bos",
            "Vos",
            "Peters",
            "Hendriks",
            "van Leeuwen",
            "Dekker",
            "Brouwer",
        ],
        "phone": "+31 6 {a:04d} {b:04d}",
    },
    "nb": {
        "female": [
            "Ingrid",
            "Kari",
            "Anne",
            "Marit",
            "Silje",
            "Nora",
            "Ida",
            "Hanne",
            "Ragnhild",
            "Solveig",
            "Astrid",
            "Liv",
            "Tone",
            "Berit",
            "Emma",
        ],
        "male": [
            "Ole",
            "Lars",
            "Knut",
            "Per",
            "Jon",
            "Erik",
            "Magnus",
            "Henrik",
            "Sindre",
            "Trond",
            "Bjørn",
            "Arne",
            "Eirik",
            "Håkon",
            "Jakob",
        ],
        "family": [
            "Hansen",
            "Johansen",
            "Olsen",
            "Larsen",
            "Andersen",
            "Pedersen",
            "Nilsen",
            "Kristiansen",
            "Jensen",
            "Karlsen",
            "Johnsen",
            "Pettersen",
            "Eriksen",
            "Berg",
            "Haugen",
            "Hagen",
            "Johannessen",
            "Andreassen",
            "Jacobsen",
            "Dahl",
        ],
        "phone": "+47 9{a:03d} {b:04d}",
    },
}
PER_CLINIC = 30


def load(*, clinics: dict[str, Clinic]) -> None:
    for clinic in clinics.values():
        if Patient.objects.filter(clinic=clinic).count() >= PER_CLINIC:
            continue
        names = NAMES[clinic.language]
        rng = random.Random(f"acuflow-demo-{clinic.slug}")
        # More women than men, ages mostly 30-75: the shape of the Dutch GP back-pain figures.
        for i in range(PER_CLINIC):
            sex = "female" if rng.random() < 0.58 else "male"
            given = rng.choice(names[sex])
            family = rng.choice(names["family"])
            age = min(88, max(19, int(rng.gauss(52, 14))))
            birth = dt.date.today() - dt.timedelta(days=age * 365 + rng.randint(0, 364))
            phone = names["phone"].format(a=rng.randint(0, 999), b=rng.randint(0, 9999))
            email = f"{given}.{family}".lower().replace(" ", "").replace("ø", "o").replace("å", "a")
            patient, created = Patient.objects.get_or_create(
                clinic=clinic,
                given_name=given,
                family_name=family,
                birth_date=birth,
                defaults={
                    "sex": sex,
                    "language": clinic.language,
                    "email": f"{email}{i}@patients.example",
                    "phone": phone,
                    "phone_digits": "".join(ch for ch in phone if ch.isdigit()),
                    "family_sort": family_sort_key(family),
                },
            )
            if created:
                Consent.objects.create(patient=patient, kind="treatment", given=True)
                Consent.objects.create(patient=patient, kind="data_processing", given=True)
