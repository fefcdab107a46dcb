"""The shipped protocol catalogue (data/protocols.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PATH = Path(__file__).parent / "data" / "protocols.json"


@cache
def shipped() -> list[dict[str, Any]]:
    return json.loads(PATH.read_text(encoding="utf-8"))["protocols"]  # type: ignore[no-any-return]


THRESHOLDS_PATH = Path(__file__).parent / "data" / "outcome_thresholds.json"


@cache
def outcome_thresholds() -> dict[str, Any]:
    """The shipped responder thresholds ("values") with their "sources"."""
    return json.loads(THRESHOLDS_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
