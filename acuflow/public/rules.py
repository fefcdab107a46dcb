"""Pure rules of the public pages."""

from __future__ import annotations

# Contact form: at most this many messages from one address per window.
CONTACT_LIMIT = 5
CONTACT_WINDOW_MINUTES = 60

# Which patient-information article explains each treatment.
MODALITY_ARTICLES = {
    "acupuncture": "acupuncture",
    "electroacupuncture": "acupuncture",
    "ims": "ims",
    "acupressure": "acupressure",
    "cupping": "cupping",
}


def over_limit(recent_count: int, limit: int = CONTACT_LIMIT) -> bool:
    return recent_count >= limit


def treatments_offered(modality_lists: list[list[str]], order: list[str]) -> list[str]:
    """The modalities any practitioner offers, in the catalogue's order, once each."""
    offered = {m for modalities in modality_lists for m in modalities}
    return [m for m in order if m in offered]
