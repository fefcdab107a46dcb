"""GET /api/v1/analytics/claims on a cohort whose answers are known by construction.

100 courses on chronic low back pain / acupuncture (onset 3, lasting 5, review 6),
baseline 8:
- 60 respond at session 3 (score 4: 50 %, 4 points), 10 of them relapse at discharge;
- 10 have no score at session 3 (no response otherwise), stopped after 6 sessions;
- 4 stop after 4 sessions (drop-outs); 1 stops after 6;
- 25 without a response at session 6 go on to session 8, where 5 respond.
Plus 3 courses with baseline 2 (not judged by the NRS), a course of another protocol and
one of another clinic, none of which may count.
Reference intervals: Wilson score, checked against scipy's binomtest(...).proportion_ci
(method="wilson") when the cohort was designed.
"""

from __future__ import annotations

from typing import Any

from acuflow.analytics.tests.factories import Spec, make_cohort, protocol
from acuflow.core.testing import AcuflowTestCase

URL = "/api/v1/analytics/claims"


def cohort_specs(practitioner: Any = None) -> list[Spec]:
    specs = []
    for i in range(60):
        last = 7 if i < 10 else 4
        specs.append(Spec([8, 6, 4, 4, 4, last], practitioner=practitioner if i % 2 else None))
    specs += [Spec([8, 8, None, 8, 8, 8], state="stopped") for _ in range(10)]
    specs += [Spec([8, 8, 8, 8], state="stopped") for _ in range(4)]
    specs += [Spec([8, 8, 8, 8, 8, 8], state="stopped")]
    specs += [Spec([8, 8, 8, 8, 8, 8, 8, 4], state="completed") for _ in range(5)]
    specs += [Spec([8, 8, 8, 8, 8, 8, 8, 8], state="stopped") for _ in range(20)]
    specs += [Spec([2, 2, 2], baseline=2) for _ in range(3)]
    return specs


class ClaimsApiTests(AcuflowTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.protocol = protocol()
        make_cohort(cls.actor(cls, cls.owner), cls.patient, cohort_specs(cls.practitioner))
        # Not in the cohort: another protocol, another clinic.
        make_cohort(
            cls.actor(cls, cls.owner),
            cls.patient,
            [Spec([8, 4, 4])],
            proto=protocol("acute_low_back_pain"),
        )
        make_cohort(cls.actor(cls, cls.other), cls.other_patient, [Spec([8, 8, 8])] * 2)

    def get(self, user: Any = None, **params: Any) -> Any:
        params.setdefault("protocol", self.protocol.pk)
        return self.api(user or self.owner, "GET", URL, params)

    def test_it_keeps_the_names_of_issue_19(self) -> None:
        body = self.get().json()
        self.assertLessEqual(
            {"cohort", "sessions", "claims", "time_to_response", "stop_rule"}, set(body)
        )
        row = body["sessions"][0]
        self.assertLessEqual(
            {"session", "n_itt", "n_complete", "responders_30", "responders_50", "improved_10"},
            set(row),
        )
        self.assertLessEqual({"rate", "low", "high"}, set(row["responders_30"]))
        self.assertLessEqual(
            {"code", "session", "text", "verdict", "rate", "low", "high"}, set(body["claims"][0])
        )
        self.assertLessEqual(
            {"median_sessions", "median_low", "median_high", "curve"},
            set(body["time_to_response"]),
        )
        self.assertLessEqual({"n", "later_responders"}, set(body["stop_rule"]))

    def test_it_counts_the_cohort(self) -> None:
        body = self.get().json()
        self.assertEqual(
            body["cohort"],
            {"started": 103, "with_baseline": 100, "dropped_out": 4, "completeness": 0.9846},
        )

    def test_it_gives_rates_and_wilson_bounds_at_session_3(self) -> None:
        row = next(r for r in self.get().json()["sessions"] if r["session"] == 3)
        self.assertEqual((row["n_itt"], row["n_complete"]), (100, 90))
        r30 = row["responders_30"]
        self.assertEqual(r30["count"], 60)
        self.assertAlmostEqual(r30["rate"], 0.600, places=3)
        self.assertAlmostEqual(r30["low"], 0.502, places=3)
        self.assertAlmostEqual(r30["high"], 0.691, places=3)
        complete = r30["complete"]
        self.assertAlmostEqual(complete["rate"], 0.667, places=3)
        self.assertAlmostEqual(complete["low"], 0.564, places=3)
        self.assertAlmostEqual(complete["high"], 0.7555, places=3)
        self.assertEqual(row["responders_50"]["count"], 60)
        self.assertEqual(row["improved_10"]["count"], 60)

    def test_it_counts_a_session_2_change_as_improved_but_not_a_response(self) -> None:
        row = next(r for r in self.get(sessions="2").json()["sessions"] if r["session"] == 2)
        self.assertEqual(row["responders_30"]["count"], 0)
        self.assertEqual(row["improved_10"]["count"], 60)  # 8 -> 6 is 25 %

    def test_it_judges_each_claim(self) -> None:
        claims = {c["code"]: c for c in self.get().json()["claims"]}
        self.assertEqual(claims["onset"]["verdict"], "holds")  # lower bound 0.502 > 0.5
        self.assertEqual(claims["onset"]["session"], 3)
        self.assertEqual(claims["lasting"]["n"], 60)
        self.assertAlmostEqual(claims["lasting"]["rate"], 50 / 60, places=3)
        self.assertAlmostEqual(claims["lasting"]["low"], 0.720, places=3)
        self.assertEqual(claims["lasting"]["verdict"], "holds")
        self.assertEqual(claims["review"]["n"], 25)
        self.assertAlmostEqual(claims["review"]["high"], 0.391, places=3)
        self.assertEqual(claims["review"]["verdict"], "holds")

    def test_it_tests_the_stop_rule(self) -> None:
        stop = self.get().json()["stop_rule"]
        self.assertEqual(stop["n"], 25)
        self.assertEqual(stop["later_responders"]["count"], 5)
        self.assertAlmostEqual(stop["later_responders"]["low"], 0.089, places=3)

    def test_it_gives_the_time_to_response(self) -> None:
        ttr = self.get().json()["time_to_response"]
        self.assertEqual(ttr["median_sessions"], 3)
        first = ttr["curve"][1]
        self.assertEqual((first["session"], first["responded"]), (3, 0.6))
        self.assertEqual(ttr["median_days"], 14)  # session 3 is day 14 at a weekly cadence

    def test_it_calls_a_small_cohort_too_few(self) -> None:
        # Only the practitioner's 30 courses (all respond at 3, 5 of them relapse): no
        # course went on after a non-response at the review, so that claim has n = 0.
        body = self.get(practitioner=self.practitioner.practitioner.pk).json()
        claims = {c["code"]: c for c in body["claims"]}
        self.assertEqual((claims["onset"]["n"], claims["onset"]["verdict"]), (30, "holds"))
        self.assertEqual(claims["lasting"]["n"], 30)
        self.assertEqual((claims["review"]["n"], claims["review"]["verdict"]), (0, "too_few"))

    def test_it_shows_practitioners_only_as_funnel_points(self) -> None:
        points = self.get().json()["practitioners"]
        self.assertEqual(sum(p["n"] for p in points), 100)
        mine = self.get(self.practitioner).json()["practitioners"]
        others = [p for p in mine if not p["me"]]
        self.assertTrue(others and all(p["id"] is None for p in others))
        self.assertNotIn("Eva Owner", [p["label"] for p in others])

    def test_it_filters_by_start_date_and_chronicity(self) -> None:
        self.assertEqual(self.get(**{"from": "2026-02-01"}).json()["cohort"]["started"], 0)
        self.assertEqual(self.get(chronicity="acute").json()["cohort"]["started"], 0)
        self.assertEqual(self.get(chronicity="chronic").json()["cohort"]["started"], 103)
        self.assertEqual(self.get(cadence="two_weekly").json()["cohort"]["started"], 0)

    def test_it_keeps_the_clinics_apart(self) -> None:
        body = self.get(self.other).json()
        self.assertEqual(body["cohort"]["started"], 2)

    def test_it_refuses_reception(self) -> None:
        self.assertError(self.get(self.reception), 403, "forbidden")

    def test_it_refuses_a_practitioner_picking_a_colleague(self) -> None:
        response = self.get(self.practitioner, practitioner=self.owner.practitioner.pk)
        self.assertError(response, 403, "forbidden")

    def test_it_answers_bad_input_with_4xx(self) -> None:
        self.assertError(self.get(chronicity="forever"), 422, "validation_error")
        self.assertError(self.get(cadence="daily"), 422, "validation_error")
        self.assertError(self.get(sessions="1,x"), 422, "validation_error")
        self.assertError(self.get(**{"from": "2026-13-01"}), 422, "validation_error")
        self.assertError(self.get(**{"from": "2026-03-01", "to": "2026-02-01"}), 422)
        self.assertError(self.get(protocol="abc"), 422, "validation_error")
        self.assertError(self.get(protocol=999999), 404, "not_found")
        self.assertError(self.api(self.owner, "GET", URL), 422, "validation_error")

    def test_it_documents_its_errors(self) -> None:
        spec = self.api(self.owner, "GET", "/api/v1/openapi.json").json()
        answers = spec["paths"][URL]["get"]["responses"]
        for status in ("401", "403", "404", "422"):
            self.assertIn(status, answers)

    def test_it_runs_a_constant_number_of_queries(self) -> None:
        def make_rows(n: int) -> None:
            make_cohort(
                self.actor(self.owner),
                self.patient,
                [Spec([8, 6, 4, 4, 4, 4], practitioner=self.ims) for _ in range(n)],
            )

        self.assertConstantQueries(make_rows, lambda: self.get())
