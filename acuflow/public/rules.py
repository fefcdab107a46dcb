"""Pure rules of the public pages."""

from __future__ import annotations

import datetime as dt

from acuflow.core.throttle import Rate

# Contact form: messages from one client address (counted by acuflow.core.throttle).
CONTACT = Rate("contact-message", 5, dt.timedelta(hours=1))

# Which patient-information article explains each treatment.
MODALITY_ARTICLES = {
    "acupuncture": "acupuncture",
    "electroacupuncture": "acupuncture",
    "ims": "ims",
    "acupressure": "acupressure",
    "cupping": "cupping",
}


def treatments_offered(modality_lists: list[list[str]], order: list[str]) -> list[str]:
    """The modalities any practitioner offers, in the catalogue's order, once each."""
    offered = {m for modalities in modality_lists for m in modalities}
    return [m for m in order if m in offered]
