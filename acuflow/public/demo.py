"""Demo public pages: an introduction and opening hours for both demo clinics."""

from __future__ import annotations

import datetime as dt

from acuflow.accounts.models import Clinic
from acuflow.public.models import ClinicProfile, OpeningHours

_INTRO = {
    "nl": "Acupunctuur en IMS voor rugpijn, ischias en zenuwpijn. Eerlijk over wat u mag "
    "verwachten: we meten uw voortgang en stoppen als het niet helpt.",
    "nb": "Akupunktur og IMS for ryggsmerter, isjias og nervesmerter. Ærlige om hva du kan "
    "forvente: vi måler fremgangen din og stopper hvis det ikke hjelper.",
    "en": "Acupuncture and IMS for back pain, sciatica and nerve pain. Honest about what you "
    "can expect: we measure your progress and stop if it does not help.",
    "es": "Acupuntura e IMS para el dolor de espalda, la ciática y el dolor neuropático. "
    "Con franqueza sobre lo que puede esperar: medimos su evolución y paramos si no le ayuda.",
}
# Each demo clinic's introduction in its own language, and the page's in every language.
INTROS = {"nl": (_INTRO["nl"], _INTRO), "no": (_INTRO["nb"], _INTRO)}
HOURS = {
    "nl": [(day, dt.time(8, 30), dt.time(17, 30)) for day in range(5)]
    + [(5, dt.time(9), dt.time(13))],
    "no": [(day, dt.time(8), dt.time(16)) for day in range(5)],
}


def load(*, clinics: dict[str, Clinic]) -> None:
    for key, clinic in clinics.items():
        ClinicProfile.objects.update_or_create(
            clinic=clinic,
            defaults={
                "intro": INTROS.get(key, ("", {}))[0],
                "intros": INTROS.get(key, ("", {}))[1],
                "published": True,
            },
        )
        if not OpeningHours.objects.filter(clinic=clinic).exists():
            OpeningHours.objects.bulk_create(
                OpeningHours(clinic=clinic, weekday=day, opens=opens, closes=closes)
                for day, opens, closes in HOURS.get(key, [])
            )
