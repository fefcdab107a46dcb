"""The generator's fast chain hash is audit.chain.row_hash, byte for byte."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from acuflow.audit.chain import row_hash
from acuflow.datagen.generators.audit import FastHasher


class FastHasherTests(SimpleTestCase):
    def test_it_hashes_every_row_shape_like_the_chain(self) -> None:
        fast = FastHasher()
        prev = ""
        labels = [
            "owner@nl.example (owner)",
            'Bjørn "BJ" Ødegård <bj@nb.example> (practitioner)',
            "José Núñez \\ test (reception)",
        ]
        zones = [ZoneInfo("Europe/Amsterdam"), ZoneInfo("Europe/Oslo"), dt.UTC]
        at = dt.datetime(2026, 3, 29, 1, 59, 59, 123456, tzinfo=zones[0])
        for n, (label, zone, user, kind) in enumerate(
            itertools.product(labels, zones, (7, None), ("patient", "session"))
        ):
            values = {
                "clinic_id": 3,
                "user_id": user,
                "actor_label": label,
                "on_behalf_of": "Praktijk Ütrecht · Oost",
                "action": "create" if n % 2 else "read",
                "patient_id": 1000 + n,
                "object_type": f"charting.{kind}",
                "object_id": str(50_000 + n),
                "channel": "web",
                "path": "",
                "client_address": "10.0.0.1",
                "at": (at + dt.timedelta(minutes=37 * n)).astimezone(zone),
                "detail": {},
            }
            expected = row_hash(prev, values)
            self.assertEqual(fast(prev, values), expected, values)
            prev = expected
        # Rows the fast path does not know fall back to the chain's own function.
        odd = {**values, "detail": {"b": 1, "a": [2]}, "client_address": "::ffff:10.0.0.1"}
        self.assertEqual(fast(prev, odd), row_hash(prev, odd))
