"""The scoring engine against worked examples, one per instrument, without a database."""

from __future__ import annotations

import unittest

from hypothesis import given
from hypothesis import strategies as st

from acuflow.outcomes import catalog
from acuflow.outcomes.scoring import AnswerError, improvement, responder_class, score


def odi_answers(values: list[int | None]) -> dict[str, int | None]:
    return {f"s{i}": v for i, v in enumerate(values, start=1)}


class NrsTests(unittest.TestCase):
    definition = catalog.get("nrs")

    def test_score_is_the_usual_pain_and_all_three_are_subscores(self) -> None:
        result = score(self.definition, {"usual": 6, "worst": 8, "now": 4})
        self.assertEqual(result.score, 6)
        self.assertEqual(result.subscores, {"usual": 6, "worst": 8, "now": 4})
        self.assertEqual(result.interpretation, "moderate")

    def test_worst_and_now_are_optional_usual_is_not(self) -> None:
        self.assertEqual(score(self.definition, {"usual": 0}).interpretation, "no_pain")
        with self.assertRaises(AnswerError) as ctx:
            score(self.definition, {"worst": 3})
        self.assertEqual(list(ctx.exception.fields), ["usual"])

    def test_out_of_range_and_fractional_answers_are_rejected(self) -> None:
        for bad in (11, -1, 2.5, "5", True):
            with self.subTest(bad=bad), self.assertRaises(AnswerError) as ctx:
                score(self.definition, {"usual": bad})
            self.assertIn("usual", ctx.exception.fields)

    def test_an_unknown_answer_key_is_an_error(self) -> None:
        with self.assertRaises(AnswerError) as ctx:
            score(self.definition, {"usual": 3, "average": 4})
        self.assertEqual(list(ctx.exception.fields), ["average"])


class PegTests(unittest.TestCase):
    def test_score_is_the_mean_of_the_three_items_to_one_decimal(self) -> None:
        result = score(catalog.get("peg"), {"pain": 7, "enjoyment": 6, "activity": 7})
        self.assertEqual(result.score, 6.7)  # 20 / 3 = 6.67
        self.assertEqual(result.subscores, {"pain": 7, "enjoyment": 6, "activity": 7})
        self.assertEqual(result.interpretation, "moderate")

    def test_every_item_is_required(self) -> None:
        with self.assertRaises(AnswerError) as ctx:
            score(catalog.get("peg"), {"pain": 7})
        self.assertEqual(sorted(ctx.exception.fields), ["activity", "enjoyment"])


class PsfsTests(unittest.TestCase):
    definition = catalog.get("psfs")

    def test_score_is_the_mean_of_the_activity_scores(self) -> None:
        activities = [
            {"name": "Gardening", "score": 3},
            {"name": "Walking the dog", "score": 5},
            {"name": "Sitting at work", "score": 6},
            {"name": "Cycling", "score": 2},
        ]
        result = score(self.definition, {"activities": activities})
        self.assertEqual(result.score, 4.0)
        self.assertEqual(result.subscores["activity_2"], 5)
        self.assertEqual(result.answers["activities"][1]["name"], "Walking the dog")

    def test_fewer_than_three_or_more_than_five_activities_are_rejected(self) -> None:
        for count in (2, 6):
            activities = [{"name": f"A{i}", "score": 5} for i in range(count)]
            with self.subTest(count=count), self.assertRaises(AnswerError) as ctx:
                score(self.definition, {"activities": activities})
            self.assertIn("activities", ctx.exception.fields)

    def test_an_activity_score_out_of_range_is_rejected(self) -> None:
        activities = [
            {"name": "A", "score": 5},
            {"name": "B", "score": 11},
            {"name": "C", "score": 1},
        ]
        with self.assertRaises(AnswerError) as ctx:
            score(self.definition, {"activities": activities})
        self.assertIn("activity 2", ctx.exception.fields["activities"][0])


class GrcTests(unittest.TestCase):
    def test_seven_points_from_very_much_worse_to_very_much_better(self) -> None:
        definition = catalog.get("grc")
        self.assertEqual(
            [o["value"] for o in definition["items"][0]["options"]], [3, 2, 1, 0, -1, -2, -3]
        )
        self.assertEqual(score(definition, {"change": 2}).interpretation, "improved")
        self.assertEqual(score(definition, {"change": 1}).interpretation, "slightly_improved")
        self.assertEqual(score(definition, {"change": 0}).interpretation, "unchanged")
        self.assertEqual(score(definition, {"change": -3}).score, -3)
        with self.assertRaises(AnswerError):
            score(definition, {"change": 4})


class MsDiaryTests(unittest.TestCase):
    def test_score_is_the_mean_symptom_rating_and_walking_distance_is_kept_apart(self) -> None:
        answers = {
            "stiffness": 6,
            "coordination": 4,
            "bladder": 3,
            "muscle_pain": 5,
            "walking_distance": 400,
        }
        result = score(catalog.get("ms_diary"), answers)
        self.assertEqual(result.score, 4.5)
        self.assertEqual(result.subscores["walking_distance"], 400)


class GunnSignsTests(unittest.TestCase):
    def test_score_counts_the_signs_present(self) -> None:
        definition = catalog.get("gunn_signs")
        answers = {item["key"]: 0 for item in definition["items"]}
        self.assertEqual(score(definition, answers).interpretation, "none")
        answers.update(paraspinal_tenderness=True, trophoedema=1, muscle_shortening=1)
        result = score(definition, answers)
        self.assertEqual(result.score, 3)
        self.assertEqual(result.interpretation, "present")


class OdiTests(unittest.TestCase):
    definition = catalog.get("odi")

    def test_all_ten_sections_sum_over_fifty(self) -> None:
        result = score(self.definition, odi_answers([2, 1, 3, 2, 1, 2, 3, 1, 2, 1]))
        self.assertEqual(result.score, 36.0)  # 18 / 50
        self.assertEqual(result.interpretation, "moderate")
        self.assertEqual(result.subscores, {"raw": 18, "answered": 10})

    def test_an_unanswered_section_divides_by_forty_five(self) -> None:
        # Section 8 (sex life) often left out: 23 / (5 x 9) x 100 = 51.1
        result = score(self.definition, odi_answers([3, 2, 3, 2, 3, 2, 3, None, 2, 3]))
        self.assertEqual(result.score, 51.1)
        self.assertEqual(result.subscores["answered"], 9)
        self.assertEqual(result.interpretation, "severe")

    def test_a_left_out_key_counts_as_unanswered_too(self) -> None:
        answers = odi_answers([1] * 10)
        del answers["s10"]
        self.assertEqual(score(self.definition, answers).score, 20.0)

    def test_more_than_two_unanswered_sections_cannot_be_scored(self) -> None:
        with self.assertRaises(AnswerError) as ctx:
            score(self.definition, odi_answers([3, 2, 3, 2, 3, 2, 3, None, None, None]))
        self.assertEqual(sorted(ctx.exception.fields), ["s10", "s8", "s9"])

    def test_band_edges(self) -> None:
        edges = {
            20.0: "minimal",
            22.0: "moderate",
            40.0: "moderate",
            42.0: "severe",
            80.0: "crippled",
            82.0: "bed_bound",
            100.0: "bed_bound",
        }
        for target, band in edges.items():
            raw = int(target / 2)
            values = [5] * (raw // 5) + [raw % 5] + [0] * 10
            result = score(self.definition, odi_answers(values[:10]))
            with self.subTest(score=result.score):
                self.assertEqual(result.score, target)
                self.assertEqual(result.interpretation, band)

    def test_a_section_above_five_is_rejected(self) -> None:
        with self.assertRaises(AnswerError) as ctx:
            score(self.definition, odi_answers([6, 2, 3, 2, 3, 2, 3, 1, 2, 3]))
        self.assertEqual(list(ctx.exception.fields), ["s1"])


class RmdqTests(unittest.TestCase):
    def test_score_is_the_number_of_yes_answers(self) -> None:
        answers = {f"q{i}": 1 if i % 3 == 0 else 0 for i in range(1, 25)}
        result = score(catalog.get("rmdq"), answers)
        self.assertEqual(result.score, 8)

    def test_all_twenty_four_are_required_and_only_zero_or_one(self) -> None:
        answers = {f"q{i}": 0 for i in range(1, 24)}
        with self.assertRaises(AnswerError) as ctx:
            score(catalog.get("rmdq"), answers)
        self.assertEqual(list(ctx.exception.fields), ["q24"])
        answers["q24"] = 2
        with self.assertRaises(AnswerError):
            score(catalog.get("rmdq"), answers)


def startback(agree: set[int], q9: int) -> dict[str, int]:
    answers = {f"q{i}": 1 if i in agree else 0 for i in range(1, 9)}
    answers["q9"] = q9
    return answers


class StartBackTests(unittest.TestCase):
    definition = catalog.get("startback")

    def test_low_risk_when_total_is_three_or_less(self) -> None:
        result = score(self.definition, startback({1, 2, 5}, 1))
        self.assertEqual((result.score, result.interpretation), (3, "low"))
        self.assertEqual(result.subscores, {"total": 3, "distress": 1})

    def test_low_risk_even_with_distress_items_when_total_is_three(self) -> None:
        # q5, q6 agree and q9 'very much' (counts 1): total 3, distress 3 -> low
        result = score(self.definition, startback({5, 6}, 3))
        self.assertEqual(
            (result.score, result.subscores["distress"], result.interpretation), (3, 3, "low")
        )

    def test_medium_risk_when_total_is_four_or_more_and_distress_below_four(self) -> None:
        result = score(self.definition, startback({1, 2, 3, 4, 5}, 2))
        self.assertEqual(result.subscores, {"total": 5, "distress": 1})
        self.assertEqual(result.interpretation, "medium")

    def test_high_risk_when_distress_items_five_to_nine_reach_four(self) -> None:
        result = score(self.definition, startback({1, 5, 6, 7}, 4))
        self.assertEqual(result.subscores, {"total": 5, "distress": 4})
        self.assertEqual(result.interpretation, "high")

    def test_bothersomeness_counts_only_from_very_much(self) -> None:
        self.assertEqual(
            score(self.definition, startback({1, 5, 6, 7}, 2)).interpretation, "medium"
        )
        self.assertEqual(score(self.definition, startback({1, 5, 6, 7}, 3)).interpretation, "high")

    def test_q9_out_of_range_is_rejected(self) -> None:
        with self.assertRaises(AnswerError) as ctx:
            score(self.definition, startback(set(), 5))
        self.assertEqual(list(ctx.exception.fields), ["q9"])


class Msis29Tests(unittest.TestCase):
    definition = catalog.get("msis29")

    def test_subscales_are_rescaled_to_0_100(self) -> None:
        answers = {f"q{i}": 3 for i in range(1, 21)} | {f"q{i}": 2 for i in range(21, 30)}
        result = score(self.definition, answers)
        # physical: (60 - 20) / 80 x 100 = 50; psychological: (18 - 9) / 36 x 100 = 25
        self.assertEqual(result.subscores, {"physical": 50.0, "psychological": 25.0})
        self.assertEqual(result.score, 50.0)

    def test_floor_and_ceiling(self) -> None:
        lowest = score(self.definition, {f"q{i}": 1 for i in range(1, 30)})
        highest = score(self.definition, {f"q{i}": 5 for i in range(1, 30)})
        self.assertEqual(lowest.subscores, {"physical": 0.0, "psychological": 0.0})
        self.assertEqual(highest.subscores, {"physical": 100.0, "psychological": 100.0})

    def test_uneven_example_rounds_to_one_decimal(self) -> None:
        answers = {f"q{i}": 2 for i in range(1, 21)} | {f"q{i}": 4 for i in range(21, 30)}
        answers["q1"] = 5
        result = score(self.definition, answers)
        # physical (43 - 20) / 80 = 28.75 -> 28.8; psychological (36 - 9) / 36 = 75
        self.assertEqual(result.subscores, {"physical": 28.8, "psychological": 75.0})

    def test_zero_is_out_of_range(self) -> None:
        answers = {f"q{i}": 1 for i in range(1, 30)}
        answers["q29"] = 0
        with self.assertRaises(AnswerError):
            score(self.definition, answers)


class ResponderTests(unittest.TestCase):
    def test_nrs_classes_follow_immpact(self) -> None:
        nrs = catalog.get("nrs")
        self.assertEqual(responder_class(nrs, 8, 4), "substantial")
        self.assertEqual(responder_class(nrs, 8, 5), "moderate")  # 37.5 %
        self.assertEqual(responder_class(nrs, 8, 7), "none")
        self.assertEqual(responder_class(nrs, 5, 6), "worse")
        self.assertEqual(responder_class(nrs, None, 6), "")

    def test_psfs_counts_two_points_up_as_meaningful(self) -> None:
        psfs = catalog.get("psfs")
        self.assertEqual(responder_class(psfs, 3.0, 5.0), "moderate")
        self.assertEqual(responder_class(psfs, 3.0, 4.0), "none")

    @given(st.integers(0, 10), st.integers(0, 10))
    def test_improvement_is_never_above_one_on_a_0_10_scale(
        self, baseline: int, value: int
    ) -> None:
        result = improvement(baseline, value)
        if baseline == 0:
            self.assertIsNone(result)
        else:
            assert result is not None
            self.assertLessEqual(result, 1.0)
            self.assertEqual(result >= 0.3, (baseline - value) / baseline >= 0.3)


class OdiProperties(unittest.TestCase):
    @given(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=10, max_size=10))
    def test_odi_is_a_percentage_or_refuses_too_few_sections(
        self, values: list[int | None]
    ) -> None:
        answered = [v for v in values if v is not None]
        try:
            result = score(catalog.get("odi"), odi_answers(values))
        except AnswerError:
            self.assertLess(len(answered), 8)
            return
        self.assertGreaterEqual(len(answered), 8)
        self.assertTrue(0 <= result.score <= 100)
        self.assertAlmostEqual(result.score, sum(answered) / (5 * len(answered)) * 100, delta=0.05)

    @given(st.lists(st.integers(0, 1), min_size=8, max_size=8), st.integers(0, 4))
    def test_startback_band_follows_total_and_distress(self, agree: list[int], q9: int) -> None:
        answers = {f"q{i}": v for i, v in enumerate(agree, start=1)} | {"q9": q9}
        result = score(catalog.get("startback"), answers)
        self.assertIn(result.interpretation, {"low", "medium", "high"})
        if result.score <= 3:
            self.assertEqual(result.interpretation, "low")
        self.assertLessEqual(result.subscores["distress"], result.score)


class CatalogTests(unittest.TestCase):
    def test_free_instruments_ship_text_in_four_languages(self) -> None:
        for code in ("nrs", "peg", "psfs", "grc", "ms_diary", "gunn_signs"):
            definition = catalog.get(code)
            self.assertTrue(definition["text_shipped"], code)
            for language in catalog.LANGUAGES:
                form = catalog.localized(definition, language)
                self.assertTrue(all(item["text"] != item["key"] for item in form["items"]), code)

    def test_licensed_instruments_ship_no_item_text_but_a_licence_note(self) -> None:
        for code in ("odi", "rmdq", "startback", "msis29"):
            definition = catalog.get(code)
            self.assertFalse(definition["text_shipped"])
            self.assertTrue(all("text" not in item for item in definition["items"]), code)
            form = catalog.localized(definition, "nl")
            self.assertTrue(form["licensed"])
            self.assertFalse(form["has_text"])
            self.assertIn("licentie", form["licence_note"].lower())

    def test_a_clinics_loaded_text_is_merged_in(self) -> None:
        definition = catalog.get("rmdq")
        content = {
            "title": "RMDQ (licensed)",
            "items": {f"q{i}": {"text": f"Statement {i}"} for i in range(1, 25)},
        }
        text = catalog.validate_clinic_text(definition, content)
        form = catalog.localized(definition, "en", text)
        self.assertEqual(form["items"][4]["text"], "Statement 5")
        self.assertTrue(form["has_text"])

    def test_a_clinic_text_with_wrong_keys_or_option_counts_is_refused(self) -> None:
        definition = catalog.get("odi")
        items = {
            f"s{i}": {"text": "x", "options": ["a", "b", "c", "d", "e", "f"]} for i in range(1, 11)
        }
        catalog.validate_clinic_text(definition, {"items": items})
        with self.assertRaises(ValueError):
            catalog.validate_clinic_text(definition, {"items": {**items, "s11": {"text": "x"}}})
        items["s3"]["options"] = ["a", "b"]
        with self.assertRaises(ValueError):
            catalog.validate_clinic_text(definition, {"items": items})
