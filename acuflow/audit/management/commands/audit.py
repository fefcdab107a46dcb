"""`acuflow audit verify` checks every clinic's hash chain and names the first broken
row; `acuflow audit export --clinic SLUG --from DATE --to DATE` writes the trail for an
inspector (CSV or JSON)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import zoneinfo
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser

from acuflow.audit.chain import clinic_ids, verify_clinic
from acuflow.audit.models import AuditEvent

COLUMNS = [
    "id",
    "at",
    "user",
    "actor",
    "on_behalf_of",
    "action",
    "patient_id",
    "object_type",
    "object_id",
    "channel",
    "path",
    "client_address",
    "hash",
]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}")


class Command(BaseCommand):
    help = "Verify the audit trail's hash chains, or export a clinic's trail."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="check every clinic's chain")
        verify.add_argument("--clinic", help="only this clinic (slug)")
        export = sub.add_parser("export", help="write a clinic's trail as CSV or JSON")
        export.add_argument("--clinic", required=True, help="the clinic's slug")
        export.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        export.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        export.add_argument("--format", choices=["csv", "json"], default="csv")
        export.add_argument("--output", help="file to write (default: standard output)")

    def _clinic(self, slug: str) -> Any:
        clinic = apps.get_model("accounts", "Clinic").objects.filter(slug=slug).first()
        if clinic is None:
            raise CommandError(f"no clinic with slug {slug!r}")
        return clinic

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self.verify(options.get("clinic"))
        else:
            self.export(options)

    def verify(self, slug: str | None) -> None:
        ids = [self._clinic(slug).pk] if slug else sorted(clinic_ids())
        broken = [b for b in (verify_clinic(pk) for pk in ids) if b is not None]
        for b in broken:
            where = f"row {b.event_id}" if b.event_id is not None else "the chain's end"
            self.stderr.write(f"clinic {b.clinic_id}: broken at {where}: {b.reason}")
        if broken:
            raise CommandError(f"{len(broken)} of {len(ids)} audit chain(s) are broken")
        self.stdout.write(f"{len(ids)} audit chain(s) verified.")

    def export(self, options: dict[str, Any]) -> None:
        clinic = self._clinic(options["clinic"])
        zone = zoneinfo.ZoneInfo(clinic.timezone)
        start, end = _date(options["start"]), _date(options["end"])
        if end < start:
            raise CommandError("--to is before --from")
        # Days are the clinic's days.
        since = dt.datetime.combine(start, dt.time(), zone)
        until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
        events = (
            AuditEvent.objects.filter(clinic=clinic, at__gte=since, at__lt=until)
            .select_related("user")
            .order_by("id")
        )
        rows = (
            {
                "id": e.pk,
                "at": e.at.astimezone(zone).isoformat(),
                "user": e.user.email if e.user is not None else "",
                "actor": e.actor_label,
                "on_behalf_of": e.on_behalf_of,
                "action": e.action,
                "patient_id": e.patient_id,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "channel": e.channel,
                "path": e.path,
                "client_address": e.client_address or "",
                "hash": e.hash,
            }
            for e in events.iterator(chunk_size=2000)
        )
        out: Any = (
            open(options["output"], "w", newline="") if options["output"] else self.stdout._out
        )
        try:
            if options["format"] == "json":
                json.dump(
                    {
                        "clinic": clinic.slug,
                        "from": str(start),
                        "to": str(end),
                        "events": list(rows),
                    },
                    out,
                    ensure_ascii=False,
                    indent=1,
                )
                out.write("\n")
            else:
                writer = csv.DictWriter(out, fieldnames=COLUMNS)
                writer.writeheader()
                writer.writerows(rows)
        finally:
            if out is not self.stdout._out:
                out.close()
