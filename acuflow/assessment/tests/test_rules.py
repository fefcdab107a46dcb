from __future__ import annotations

import datetime as dt
from unittest import TestCase

from hypothesis import given
from hypothesis import strategies as st

from acuflow.assessment.rules import chronicity, red_flag_state

DAY = dt.date(2026, 6, 1)


class ChronicityTests(TestCase):
    def test_every_boundary(self) -> None:
        cases = [
            (0, "acute"),
            (41, "acute"),  # 5 weeks 6 days
            (42, "subacute"),  # exactly 6 weeks
            (84, "subacute"),  # exactly 12 weeks
            (85, "chronic"),  # more than 12 weeks
            (3650, "chronic"),
        ]
        for days, expected in cases:
            self.assertEqual(chronicity(DAY - dt.timedelta(days=days), DAY), expected, days)

    @given(st.integers(0, 20000))
    def test_chronicity_never_decreases_with_time(self, days):  # type: ignore[no-untyped-def]
        order = ["acute", "subacute", "chronic"]
        onset = DAY - dt.timedelta(days=days)
        self.assertLessEqual(
            order.index(chronicity(onset, DAY)),
            order.index(chronicity(onset, DAY + dt.timedelta(days=1))),
        )


class RedFlagStateTests(TestCase):
    def test_states(self) -> None:
        d = dt.date(2026, 1, 1)
        self.assertEqual(red_flag_state([], []), "none")
        self.assertEqual(red_flag_state(["fracture"], []), "unresolved")
        self.assertEqual(red_flag_state(["fracture"], [(d, 1, "cleared", ["fracture"])]), "cleared")
        # a flag found after the referral is not covered by it
        self.assertEqual(
            red_flag_state(["fracture", "infection"], [(d, 1, "cleared", ["fracture"])]),
            "unresolved",
        )
        self.assertEqual(
            red_flag_state(["fracture"], [(d, 1, "referred_out", ["fracture"])]), "referred_out"
        )
        # the newest referral for a flag decides
        later = d + dt.timedelta(days=10)
        self.assertEqual(
            red_flag_state(
                ["fracture"],
                [(later, 2, "cleared", ["fracture"]), (d, 1, "referred_out", ["fracture"])],
            ),
            "cleared",
        )
