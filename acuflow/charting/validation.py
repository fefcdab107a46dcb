"""Checks of a session's structured lists against the catalogue and the code lists.

`normalise_sites` turns any accepted spelling into the stored form (or names what is
unknown); `check_lists` is the model-level guard that `Session.clean()` runs.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from acuflow.charting import catalogue, rules
from acuflow.charting.choices import Adjunct, AdverseEventCode, ImsResponse, Severity, Side


def normalise_site(site: dict[str, Any]) -> dict[str, Any] | None:
    """The stored form of one site, or None when its point or segment is unknown."""
    if "point" in site:
        found = catalogue.point(str(site["point"]))
        if found is None:
            return None
        side = site.get("side") or rules.default_side(midline=found.midline)
        return {"point": found.code, "side": side}
    segment = rules.parse_segment(str(site.get("ims_segment", "")))
    if segment is None:
        return None
    out = {
        "ims_segment": segment,
        "side": site.get("side") or "both",
        "muscle": site.get("muscle") or "multifidus",
    }
    if site.get("response"):
        out["response"] = site["response"]
    return out


def check_lists(
    *,
    sites: Any,
    adjuncts: Any,
    adverse_events: Any,
    home_care: Any,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    cat = catalogue.catalogue()
    if not isinstance(sites, list):
        add("sites", _("Give a list of sites."))
    else:
        for n, site in enumerate(sites):
            if not isinstance(site, dict):
                add("sites", _("Site %(n)s is not an object.") % {"n": n + 1})
                continue
            if site.get("side") not in Side.values:
                add("sites", _("Site %(n)s: unknown side.") % {"n": n + 1})
            if "point" in site:
                if site["point"] not in cat.points:
                    add("sites", _("Unknown point code: %(code)s.") % {"code": site["point"]})
            elif "ims_segment" in site:
                segment = site["ims_segment"]
                if segment not in cat.segments:
                    add("sites", _("Unknown spinal segment: %(s)s.") % {"s": segment})
                elif site.get("muscle") not in cat.segments[segment]:
                    add(
                        "sites",
                        _("%(m)s is not a muscle of segment %(s)s.")
                        % {"m": site.get("muscle"), "s": segment},
                    )
                if site.get("response") not in (None, *ImsResponse.values):
                    add("sites", _("Site %(n)s: unknown response.") % {"n": n + 1})
            else:
                add("sites", _("Site %(n)s names no point or segment.") % {"n": n + 1})
    if not isinstance(adjuncts, list) or not set(adjuncts) <= set(Adjunct.values):
        add("adjuncts", _("Unknown adjunct."))
    if not isinstance(adverse_events, list):
        add("adverse_events", _("Give a list of adverse events."))
    else:
        for event in adverse_events:
            if not isinstance(event, dict) or event.get("code") not in AdverseEventCode.values:
                add("adverse_events", _("Unknown adverse event code."))
            elif event.get("severity") not in Severity.values:
                add("adverse_events", _("Give the severity of each adverse event."))
    if not isinstance(home_care, list):
        add("home_care", _("Give a list of home-care points."))
    else:
        for item in home_care:
            if not isinstance(item, dict) or item.get("point") not in cat.points:
                add("home_care", _("Unknown point code in home care."))
    return errors
