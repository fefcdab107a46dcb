"""`acuflow generate --patients N --years Y [--seed S]`: synthetic clinic network.

Deterministic for a given seed and --today. Writes with PostgreSQL COPY or bulk_create,
one transaction per chunk of patients (foreign keys checked set-wise at the end where
the role may switch the per-row checks off: see writer.py). Meant for an empty database (benchmarks, demos
at scale); it refuses to run twice on the same database.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from acuflow.accounts.models import Clinic
from acuflow.datagen.generators import Context, all_generators
from acuflow.datagen.story import Calendar, build_clinics, patient_story
from acuflow.datagen.writer import BulkWriter

HEAVY_SESSIONS = 1000


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be YYYY-MM-DD, not {value!r}")


class Command(BaseCommand):
    help = "Generate a realistic, deterministic synthetic clinic network (bulk inserts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--years", type=float, default=3.0, help="history length (3)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--today", type=_date, default=None, help="reference date")
        parser.add_argument("--clinics", type=int, default=None, help="default: N / 2500")
        parser.add_argument(
            "--heavy-sessions",
            type=int,
            default=HEAVY_SESSIONS,
            help="sessions of the one long-term patient in the first clinic (0: none)",
        )
        parser.add_argument("--chunk", type=int, default=2000, help="patients per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        patients: int = options["patients"]
        years: float = options["years"]
        if not 1 <= patients <= 5_000_000:
            raise CommandError("--patients must be between 1 and 5,000,000")
        if not 0.1 <= years <= 30:
            raise CommandError("--years must be between 0.1 and 30")
        if options["heavy_sessions"] < 0 or options["chunk"] < 1:
            raise CommandError("--heavy-sessions and --chunk must be positive")
        if Clinic.objects.filter(slug__startswith="gen-").exists():
            raise CommandError("This database has generated clinics already; use a fresh one.")
        today = options["today"] or dt.date.today()
        seed: int = options["seed"]
        started = time.monotonic()
        writer = BulkWriter()
        ctx = Context(
            seed=seed,
            today=today,
            years=years,
            writer=writer,
            clinics=build_clinics(patients=patients, seed=seed, clinics=options["clinics"]),
        )
        generators = all_generators()
        self.stdout.write(
            f"generating {patients} patients over {years:g} years (seed {seed}, today {today}) "
            f"into {connection.vendor} with {'COPY' if writer.use_copy else 'bulk_create'}; "
            f"domains: {', '.join(g.name for g in generators)}"
        )
        with transaction.atomic():
            for generator in generators:
                generator.setup(ctx)
        keys_at_end = writer.start(background=True)
        try:
            calendar = Calendar()
            heavy = options["heavy_sessions"]
            total = patients
            chunk = options["chunk"]
            episodes = sessions = 0
            for first in range(0, total, chunk):
                with transaction.atomic():
                    for index in range(first, min(total, first + chunk)):
                        story = patient_story(
                            seed=seed,
                            index=index,
                            clinics=ctx.clinics,
                            protocols=ctx.protocols,
                            today=today,
                            years=years,
                            calendar=calendar,
                            heavy=heavy if index == 0 and heavy else 0,
                        )
                        for generator in generators:
                            generator.emit(story, ctx)
                        episodes += len(story.episodes)
                        sessions += sum(len(e.course.sessions) for e in story.episodes if e.course)
                    writer.flush()
                done = min(total, first + chunk)
                if options["verbosity"] >= 1 and (done == total or done % (chunk * 10) == 0):
                    elapsed = time.monotonic() - started
                    self.stdout.write(f"  {done}/{total} patients, {elapsed:.0f} s")
            # The indexes are built outside the last transaction, so that a foreign
            # key that fails in it cannot roll them back.
            writer.wait()
            if writer.dropped:
                writer.build_indexes(workers=2)
                if options["verbosity"] >= 1:
                    elapsed = time.monotonic() - started
                    self.stdout.write(f"  indexes built after the load, {elapsed:.0f} s")
            with transaction.atomic():
                try:
                    writer.finish()
                except ValueError as exc:
                    raise CommandError(f"Generated rows fail a foreign key: {exc}")
                for generator in generators:
                    generator.finish(ctx)
        except BaseException:
            writer.abort()  # no table left without its indexes
            raise
        if keys_at_end and options["verbosity"] >= 1:
            self.stdout.write("  foreign keys checked set-wise after the load")
        if connection.vendor == "postgresql":
            # VACUUM, not only ANALYZE: the bulk load leaves the GIN (trigram) indexes with
            # a long pending list that every patient search would scan, and without it
            # autovacuum would start on the new tables in the middle of a benchmark. (In
            # a transaction, as in the tests, only ANALYZE can run.)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"done in {elapsed:.1f} s"))
        for label, count in sorted(writer.counts().items()):
            self.stdout.write(f"  {label:28} {count:>10,}")
