from __future__ import annotations

from collections import Counter

from django.test import SimpleTestCase

from acuflow.charting import catalogue

WHO_COUNTS = {
    "LU": 11, "LI": 20, "ST": 45, "SP": 21, "HT": 9, "SI": 19, "BL": 67,
    "KI": 27, "PC": 9, "TE": 23, "GB": 44, "LR": 14, "GV": 28, "CV": 24,
}  # fmt: skip


def codes(q: str, **kw: str) -> list[str]:
    return [p.code for p in catalogue.search(q, **kw)]


class CatalogueTests(SimpleTestCase):
    def test_it_holds_exactly_the_361_who_standard_codes(self) -> None:
        cat = catalogue.catalogue()
        standard = cat.standard_codes()
        self.assertEqual(len(standard), 361)
        per_meridian = Counter(cat.points[c].meridian for c in standard)
        self.assertEqual(dict(per_meridian), WHO_COUNTS)
        for meridian, count in WHO_COUNTS.items():
            self.assertEqual(
                {f"{meridian}{n}" for n in range(1, count + 1)},
                {c for c in standard if cat.points[c].meridian == meridian},
            )

    def test_it_holds_the_42_extra_points_with_ex_codes_where_known(self) -> None:
        extras = [p for p in catalogue.catalogue().points.values() if p.kind == "extra"]
        self.assertEqual(len(extras), 42)
        by_pinyin = {p.pinyin: p for p in extras}
        self.assertEqual(by_pinyin["Huatuojiaji"].code, "EX-B2")
        self.assertEqual(by_pinyin["Yaoyan"].code, "EX-B7")
        self.assertEqual(by_pinyin["Shiqizhui"].code, "EX-B8")
        self.assertEqual(by_pinyin["Yaotongxue"].code, "EX-UE7")
        self.assertIsNone(by_pinyin["Anmian"].ex_code)
        self.assertEqual(by_pinyin["Anmian"].code, "Anmian")
        self.assertEqual(len({p.code for p in extras}), 42)

    def test_total_is_361_plus_the_extras_plus_ashi_regions(self) -> None:
        cat = catalogue.catalogue()
        ashi = [p for p in cat.points.values() if p.kind == "ashi"]
        self.assertEqual(len(ashi), len(cat.regions))
        self.assertEqual(len(cat.points), 361 + 42 + len(cat.regions))
        self.assertIn("ASHI-LOWER-BACK", cat.points)

    def test_male_and_female_location_variants_are_kept(self) -> None:
        cat = catalogue.catalogue()
        with_variants = {c for c, p in cat.points.items() if p.variants}
        self.assertEqual(with_variants, {"ST17", "ST18", "GB24", "LR14", "CV1"})
        self.assertEqual(cat.points["CV1"].variants, ("male", "female"))

    def test_search_by_any_common_code_spelling(self) -> None:
        for spelling in ("BL40", "bl40", "bl 40", "BL-40", "UB40", "ub 40", "Bladder 40", "B40"):
            with self.subTest(spelling=spelling):
                self.assertEqual(codes(spelling)[:1], ["BL40"])
        self.assertEqual(codes("Large Intestine 4")[:1], ["LI4"])
        self.assertEqual(codes("SJ5")[:1], ["TE5"])
        self.assertEqual(codes("Du 4")[:1], ["GV4"])
        self.assertEqual(codes("Ren12")[:1], ["CV12"])
        self.assertEqual(codes("LIV3")[:1], ["LR3"])
        self.assertEqual(codes("ex-b-2")[:1], ["EX-B2"])
        self.assertEqual(codes("EX B7")[:1], ["EX-B7"])

    def test_a_partial_code_lists_the_exact_code_first_then_its_followers(self) -> None:
        found = codes("bl 4")
        self.assertEqual(found[0], "BL4")
        self.assertEqual(set(found[1:11]), {f"BL{n}" for n in range(40, 50)})

    def test_search_by_pinyin_ignores_case_and_accents(self) -> None:
        for spelling in ("weizhong", "Weizhong", "WEIZHONG", "Wěizhōng", "wei zhong"):
            with self.subTest(spelling=spelling):
                self.assertEqual(codes(spelling)[:1], ["BL40"])
        self.assertEqual(codes("shuigou")[:1], ["GV26"])  # second name in the source cell
        self.assertEqual(codes("Yinlingquan")[:1], ["SP9"])  # typo fixed in our copy

    def test_search_by_english_name(self) -> None:
        self.assertEqual(codes("Central Treasury")[:1], ["LU1"])
        self.assertEqual(codes("joining valley")[:1], ["LI4"])

    def test_search_by_plain_word_region(self) -> None:
        expect = {
            "knee": {"BL40", "ST35", "EX-LE5", "ASHI-KNEE"},
            "lower back": {"BL23", "BL25", "GV4", "EX-B7", "ASHI-LOWER-BACK"},
            "lumbar": {"BL23", "GV3", "EX-B8"},
            "foot": {"LR3", "KI1", "EX-LE10", "ASHI-FOOT"},
            "hand": {"LI4", "SI3", "EX-UE7", "ASHI-HAND"},
            "hip": {"GB30", "ASHI-HIP"},
            "abdomen": {"CV12", "ST25", "CV4", "ASHI-ABDOMEN"},
            "Knie": {"BL40"},
            "korsrygg": {"BL23"},
        }
        for word, must in expect.items():
            with self.subTest(word=word):
                found = set(codes(word))
                self.assertLessEqual(must, found)
        self.assertNotIn("LI4", codes("knee"))
        self.assertNotIn("BL40", codes("hand"))

    def test_meridian_filter(self) -> None:
        self.assertEqual(len(codes("", meridian="BL")), 67)
        self.assertEqual(codes("40", meridian="BL"), [])  # a bare number is no code
        self.assertEqual(catalogue.meridian_code("UB"), "BL")
        self.assertIsNone(catalogue.meridian_code("XX"))

    def test_pregnancy_cautions_with_a_source(self) -> None:
        for code in ("LI4", "SP6", "BL60", "BL67", "GB21", "BL31", "BL32", "BL33", "BL34"):
            with self.subTest(code=code):
                keys = catalogue.point(code).caution_keys()  # type: ignore[union-attr]
                self.assertIn("pregnancy", keys)
        caution = next(c for c in catalogue.catalogue().cautions if c.key == "pregnancy")
        self.assertTrue(caution.sources)
        self.assertEqual(caution.when, "pregnant")
        self.assertNotIn("pregnancy", catalogue.point("ST36").caution_keys())  # type: ignore[union-attr]

    def test_thorax_points_carry_the_pneumothorax_caution(self) -> None:
        for code in ("LU1", "LU2", "GB21", "BL13", "BL43", "ST12", "SP21", "KI27", "EX-B1"):
            with self.subTest(code=code):
                self.assertIn("pneumothorax", catalogue.point(code).caution_keys())  # type: ignore[union-attr]
        for code in ("BL23", "GV12", "LI4", "BL40"):
            with self.subTest(code=code):
                self.assertNotIn("pneumothorax", catalogue.point(code).caution_keys())  # type: ignore[union-attr]

    def test_ims_segments_and_muscles(self) -> None:
        cat = catalogue.catalogue()
        self.assertEqual(list(cat.segments)[0], "C1")
        self.assertEqual(list(cat.segments)[-1], "S2")
        self.assertEqual(len(cat.segments), 27)
        for segment in cat.segments:
            self.assertEqual(cat.segments[segment][0], "multifidus")
        for segment in ("C4", "C5", "C6", "C7", "C8", "T1", "L2", "L3", "L4", "L5", "S1"):
            with self.subTest(segment=segment):
                self.assertGreaterEqual(len(cat.segments[segment]), 3)  # multifidus + peripheral
        self.assertIn("gluteus_medius", cat.segments["L5"])
        self.assertIn("gastrocnemius", cat.segments["S1"])
        self.assertEqual(cat.responses, ("twitch", "grasp", "none"))
