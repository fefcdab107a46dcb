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
    D = dt.date(2026, 1, 1)
    LATER = dt.date(2026, 1, 11)
    # name, screened, flags, referrals (date, id, outcome, flags addressed) -> state
    CASES = [
        ("never screened", False, [], [], "not_screened"),
        ("never screened, even with flags typed in", False, ["fracture"], [], "not_screened"),
        ("screened, none found", True, [], [], "none_found"),
        ("a flag, no referral", True, ["fracture"], [], "flagged"),
        ("referral pending", True, ["fracture"], [(D, 1, "", ["fracture"])], "referred"),
        ("cleared", True, ["fracture"], [(D, 1, "cleared", ["fracture"])], "cleared"),
        (
            "treated elsewhere",
            True,
            ["fracture"],
            [(D, 1, "treated_elsewhere", ["fracture"])],
            "referred",
        ),
        ("patient declined", True, ["fracture"], [(D, 1, "declined", ["fracture"])], "flagged"),
        (
            "a flag found after the referral is not covered by it",
            True,
            ["fracture", "infection"],
            [(D, 1, "cleared", ["fracture"])],
            "flagged",
        ),
        (
            "the newest referral for a flag decides",
            True,
            ["fracture"],
            [(LATER, 2, "cleared", ["fracture"]), (D, 1, "treated_elsewhere", ["fracture"])],
            "cleared",
        ),
        (
            "one flag pending, one cleared: referred",
            True,
            ["fracture", "infection"],
            [(D, 1, "cleared", ["fracture"]), (D, 2, "", ["infection"])],
            "referred",
        ),
    ]

    def test_every_case(self) -> None:
        for name, screened, flags, referrals, expected in self.CASES:
            with self.subTest(name):
                self.assertEqual(
                    red_flag_state(screened=screened, flags=flags, referrals=referrals), expected
                )

    @given(
        flags=st.lists(st.sampled_from(["fracture", "infection", "malignancy"]), unique=True),
        outcomes=st.lists(st.sampled_from(["", "cleared", "treated_elsewhere", "declined"])),
    )
    def test_unscreened_is_never_none_found_and_only_clearing_lets_a_flag_through(
        self, flags: list[str], outcomes: list[str]
    ) -> None:
        referrals = [(self.D, i, o, list(flags)) for i, o in enumerate(outcomes)]
        self.assertEqual(
            red_flag_state(screened=False, flags=flags, referrals=referrals), "not_screened"
        )
        state = red_flag_state(screened=True, flags=flags, referrals=referrals)
        if state in ("none_found", "cleared"):
            self.assertTrue(not flags or (outcomes and outcomes[-1] == "cleared"))
