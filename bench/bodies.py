"""Request bodies the bench clients (locust, in process, the GNU Health comparison) send,
one definition for all three."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

POINTS = ["BL23", "BL25", "BL40", "GB30", "GB34", "ST36", "LI4", "SP6"]


def walk_in_session(rng: random.Random | None, zone: ZoneInfo) -> dict[str, object]:
    """A charted walk-in session for POST /api/v1/courses/<id>/sessions: no
    appointment_id, so the service asks why (`unbooked_reason`). `rng` None: the
    module's shared generator (locust's users)."""
    r = rng or random
    return {
        "started_at": dt.datetime.now(zone).isoformat(),
        "nrs_before": r.randint(2, 7),
        "nrs_after": r.randint(0, 5),
        "sites": [{"point": p, "side": "both"} for p in r.sample(POINTS, 5)],
        "needles_in": 10,
        "needles_out": 10,
        "retention_minutes": 20,
        "unbooked_reason": "walk-in",
    }
