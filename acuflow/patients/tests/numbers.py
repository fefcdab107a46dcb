"""Valid national identifiers made with python-stdnum's own check-digit rules (never a
real person's number): the n-th valid number of each system from a synthetic base."""

from __future__ import annotations

from stdnum.es import dni, nie
from stdnum.nl import bsn
from stdnum.no import fodselsnummer
from stdnum.us import ssn


def valid_number(system: str, n: int = 0) -> str:
    for i in range(10_000):
        candidate = _candidate(system, n * 97 + i)
        if candidate and _valid(system, candidate):
            return candidate
    raise AssertionError(f"no valid {system} number found")


def _candidate(system: str, i: int) -> str | None:
    if system == "bsn":
        return f"{10_000_000 + (i // 10) * 7919:08d}{i % 10}"  # the 11-test picks the digit
    if system == "no-fnr":
        base = f"150385{100 + i % 400:03d}"  # born 15 March 1985, individual number
        try:
            first = fodselsnummer.calc_check_digit1(base)
            second = fodselsnummer.calc_check_digit2(base + first)
        except Exception:
            return None
        return base + first + second
    if system == "es-dni":
        base = f"{10_000_000 + i * 104_729:08d}"[-8:]
        return base + dni.calc_check_digit(base)
    if system == "es-nie":
        base = f"X{1_000_000 + i * 7_919:07d}"[-8:]
        return base + nie.calc_check_digit(base)
    if system == "us-ssn":
        return f"{200 + i % 400:03d}{10 + i % 80:02d}{1000 + i * 37 % 8999:04d}"
    raise ValueError(system)


MODULES = {"bsn": bsn, "no-fnr": fodselsnummer, "es-dni": dni, "es-nie": nie, "us-ssn": ssn}


def _valid(system: str, value: str) -> bool:
    return bool(MODULES[system].is_valid(value))
