"""The chain's fast row builder, as the generator sets it up, hashes like
audit.chain.row_hash, byte for byte, and writes the row it hashed."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from acuflow.audit.chain import FIELDS, CopyRows, row_hash
from acuflow.datagen.generators.audit import copy_rows


def built(rows: CopyRows, prev: str, values: dict[str, Any]) -> tuple[str, str]:
    """The hash and COPY line the builder makes of `values`."""
    parts = [rows.part(i, *(values[n] for n in group)) for i, group in enumerate(rows.groups)]
    digest = rows.link(prev, *(j for j, _cells in parts))
    return digest, rows.line(99, *(cells for _j, cells in parts), digest)


class CopyRowsTests(SimpleTestCase):
    def test_it_hashes_every_row_shape_like_the_chain(self) -> None:
        rows = copy_rows()
        prev = ""
        labels = [
            "owner@nl.example (owner)",
            'Bjørn "BJ" Ødegård <bj@nb.example> (practitioner)',
            "José Núñez \\ test\t(reception)",
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
                "on_behalf_of": "Praktijk Ütrecht · Oost {x}",
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
            digest, line = built(rows, prev, values)
            self.assertEqual(digest, expected, values)
            # The fast parts of one-field groups agree with the general ones.
            self.assertEqual(CopyRows.word(values["object_id"]), rows.part(4, values["object_id"]))
            self.assertEqual(CopyRows.number(values["patient_id"]), rows.part(2, 1000 + n)[0])
            cells = line.rstrip("\n").split("\t")
            self.assertEqual(len(cells), len(CopyRows.COLUMNS))
            self.assertEqual(cells[CopyRows.COLUMNS.index("hash")], expected)
            self.assertEqual(cells[CopyRows.COLUMNS.index("user_id")], str(user or "\\N"))
            prev = expected

    def test_other_constants_and_groups_follow_the_same_rule(self) -> None:
        rows = CopyRows(
            groups=[FIELDS[:8], ("at",)],
            constant={
                "channel": "api",
                "path": "/api/v1/x",
                "client_address": "::ffff:10.0.0.1",
                "detail": {"b": 1, "a": ["{2}"]},
            },
        )
        values = {
            "clinic_id": 1,
            "user_id": 2,
            "actor_label": "a",
            "on_behalf_of": "b",
            "action": "update",
            "patient_id": None,
            "object_type": "x.y",
            "object_id": "a-b",
            "channel": "api",
            "path": "/api/v1/x",
            "client_address": "::ffff:10.0.0.1",
            "at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            "detail": {"b": 1, "a": ["{2}"]},
        }
        self.assertEqual(built(rows, "ab12", values)[0], row_hash("ab12", values))

    def test_groups_must_cover_the_fields(self) -> None:
        with self.assertRaises(AssertionError):
            CopyRows(groups=[FIELDS[:8]], constant={"detail": {}})
