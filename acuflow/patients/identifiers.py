"""National identifiers: which systems we take, how each is validated and normalised
(python-stdnum's check-digit rules, not our own), and how one is shown masked.

Pure functions over plain values; the services raise the domain error."""

from __future__ import annotations

from types import ModuleType

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum.es import dni, nie
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import bsn
from stdnum.no import fodselsnummer
from stdnum.us import ssn

StrOrPromise = str | Promise

# system code (API and database) -> (label, stdnum module)
SYSTEMS: dict[str, tuple[StrOrPromise, ModuleType]] = {
    "bsn": (_("BSN (Netherlands)"), bsn),
    "no-fnr": (_("Fødselsnummer (Norway)"), fodselsnummer),
    "es-dni": (_("DNI (Spain)"), dni),
    "es-nie": (_("NIE (Spain)"), nie),
    "us-ssn": (_("Social Security number (US)"), ssn),
}
SYSTEM_CHOICES = [(code, label) for code, (label, _module) in SYSTEMS.items()]
MAX_INPUT = 32
MASK = "•••••"


class InvalidIdentifier(ValueError):
    pass


def normalise(system: str, value: str) -> str:
    """The compact form of a valid identifier (no spaces, dots or dashes; upper case),
    or InvalidIdentifier."""
    if system not in SYSTEMS:
        raise InvalidIdentifier("unknown system")
    if not value or len(value) > MAX_INPUT or any(not ch.isprintable() for ch in value):
        raise InvalidIdentifier("invalid value")
    module = SYSTEMS[system][1]
    try:
        # Spaces are a way of writing any of them (stdnum's SSN rule keeps them).
        return str(module.validate(value.replace(" ", "")))
    except StdnumError as exc:
        raise InvalidIdentifier(str(exc)) from exc


def mask(value: str) -> str:
    """Only the last four characters show ("•••••1234"); shorter values show none."""
    return MASK + value[-4:] if len(value) > 4 else MASK
