from __future__ import annotations

import datetime as dt

from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from acuflow.charting import catalogue, rules

KNOWN = {rules.squash(code): code for code in catalogue.catalogue().points}
STANDARD = sorted(catalogue.catalogue().standard_codes())
SPELLING = {"BL": ["UB", "Bladder", "bl"], "TE": ["SJ", "TW", "Triple Energizer"], "GV": ["Du"]}


class RuleTests(SimpleTestCase):
    def test_needle_counts_must_match_or_be_explained(self) -> None:
        self.assertTrue(rules.needle_counts_ok(10, 10, ""))
        self.assertFalse(rules.needle_counts_ok(10, 9, ""))
        self.assertFalse(rules.needle_counts_ok(10, 9, "   "))
        self.assertTrue(rules.needle_counts_ok(10, 9, "One found on the floor."))

    @given(st.integers(0, 200), st.integers(0, 200), st.text(max_size=20))
    def test_needle_rule_property(self, needles_in: int, needles_out: int, note: str) -> None:
        ok = rules.needle_counts_ok(needles_in, needles_out, note)
        self.assertEqual(ok, needles_in == needles_out or bool(note.strip()))

    @given(
        st.sampled_from(STANDARD),
        st.sampled_from(["", " ", "-", ". "]),
        st.sampled_from([str.upper, str.lower, str.title]),
    )
    def test_every_standard_code_parses_back_in_any_spelling(self, code, sep, case) -> None:  # type: ignore[no-untyped-def]
        meridian = code.rstrip("0123456789")
        number = code[len(meridian) :]
        for name in [meridian, *SPELLING.get(meridian, [])]:
            self.assertEqual(rules.parse_code(case(f"{name}{sep}{number}"), known=KNOWN), code)

    def test_unknown_codes_do_not_parse(self) -> None:
        for text in ("BL68", "LU12", "XX1", "GV29", "", "40", "knee"):
            with self.subTest(text=text):
                self.assertIsNone(rules.parse_code(text, known=KNOWN))

    def test_side_is_the_last_word(self) -> None:
        self.assertEqual(rules.split_side("bl40 l"), ("bl40", "left"))
        self.assertEqual(rules.split_side("gb 30 rechts"), ("gb 30", "right"))
        self.assertEqual(rules.split_side("li4"), ("li4", None))
        self.assertEqual(rules.split_side("lower back"), ("lower back", None))

    def test_a_side_letter_may_follow_the_number(self) -> None:
        for typed, side in (("BL23b", "both"), ("bl23 l", "left"), ("UB23 r", "right")):
            with self.subTest(typed=typed):
                code, found = rules.split_side(typed)
                self.assertEqual(found, side)
                self.assertEqual(rules.parse_code(code, known=KNOWN), "BL23")
        self.assertEqual(rules.split_side("EX-B2"), ("EX-B2", None))

    def test_sites_are_unique_per_point_with_their_sides_merged(self) -> None:
        merged = rules.merge_sites(
            [
                {"point": "GB30", "side": "both"},
                {"point": "BL23", "side": "left"},
                {"point": "GB30", "side": "both"},
                {"point": "BL23", "side": "right"},
                {"point": "GV4", "side": "none"},
                {"ims_segment": "L5", "muscle": "multifidus", "side": "left"},
                {"ims_segment": "L5", "muscle": "multifidus", "side": "left", "response": "twitch"},
            ]
        )
        self.assertEqual(
            merged,
            [
                {"point": "GB30", "side": "both"},
                {"point": "BL23", "side": "both"},
                {"point": "GV4", "side": "none"},
                {"ims_segment": "L5", "muscle": "multifidus", "side": "left", "response": "twitch"},
            ],
        )

    def test_an_appointment_is_charted_for_its_patient_on_its_day_once(self) -> None:
        day = dt.date(2026, 11, 27)
        facts = rules.AppointmentFacts(id=1, patient_id=7, day=day, status="arrived")
        self.assertIsNone(rules.appointment_problem(facts, patient_id=7, day=day, charted=False))
        cases = [
            ({"patient_id": 8, "day": day, "charted": False}, "appointment_other_patient"),
            (
                {"patient_id": 7, "day": dt.date(2026, 11, 26), "charted": False},
                "appointment_other_day",
            ),
            ({"patient_id": 7, "day": day, "charted": True}, "appointment_charted"),
        ]
        for kwargs, code in cases:
            self.assertEqual(rules.appointment_problem(facts, **kwargs), code)  # type: ignore[arg-type]
        missed = rules.AppointmentFacts(id=1, patient_id=7, day=day, status="no_show")
        self.assertEqual(
            rules.appointment_problem(missed, patient_id=7, day=day, charted=False),
            "appointment_not_chartable",
        )

    def test_segments_c1_to_s2(self) -> None:
        self.assertEqual(rules.parse_segment("l 5"), "L5")
        self.assertIsNone(rules.parse_segment("L6"))
        self.assertIsNone(rules.parse_segment("S3"))
        self.assertEqual(len(rules.SEGMENTS), 27)

    def test_pregnancy_warnings_only_for_a_pregnant_patient(self) -> None:
        sites = [("LI4", [("pregnancy", "pregnant")]), ("LU1", [("pneumothorax", "always")])]
        self.assertEqual(rules.point_warnings(sites, pregnant=False), [("LU1", "pneumothorax")])
        self.assertEqual(
            rules.point_warnings(sites, pregnant=True),
            [("LI4", "pregnancy"), ("LU1", "pneumothorax")],
        )

    def test_fold_ignores_accents_and_case(self) -> None:
        self.assertEqual(rules.fold("Wěi Zhōng"), "wei zhong")
        self.assertEqual(rules.fold("KORSRYGG"), "korsrygg")
