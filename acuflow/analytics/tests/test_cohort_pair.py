"""The condition x modality cohort: every protocol with the pair (the shipped one and the
clinic's own copies), claims judged per set of session numbers. Answers known by
construction.

Chronic low back pain / acupuncture in the NL clinic:
- A, the shipped protocol (onset 3, lasting 5, review 6): 30 courses respond at session 3
  (8 -> 4) and stay so to discharge;
- C, the clinic's copy with A's numbers: 5 courses without a response, stopped at 6;
- B, the clinic's copy with onset 4, no lasting session, review 8: 25 courses respond
  only at session 4, and 5 without a response at 8 go on to session 10 without one.
So A and C make one set of claims (onset at 3: 30 of 35) and B another (onset at 4:
25 of 30). Judged at the shipped protocol's session 3, B's courses would all "fail":
that is the dishonest reading the sets avoid (pooled at 3: 30 of 65, which fails).
Not counted: another condition's course, and the other clinic's copy D and its courses.
Wilson bounds checked against the score interval formula when the cohort was designed.
"""

from __future__ import annotations

import itertools
from typing import Any

from acuflow.analytics.tests.factories import Spec, make_cohort, protocol
from acuflow.assessment import catalogue as assessment_catalogue
from acuflow.core.testing import AcuflowTestCase
from acuflow.protocols.models import Modality, Protocol

URL = "/api/v1/analytics/claims"
PAIR = {"condition": "chronic_low_back_pain", "modality": "acupuncture"}


def copy_of(base: Protocol, clinic: Any, key: str, **numbers: Any) -> Protocol:
    fields = {
        f.attname: getattr(base, f.attname)
        for f in Protocol._meta.concrete_fields
        if not f.primary_key and f.attname not in {"clinic_id", "key", "based_on_id"}
    }
    fields.update(numbers)
    return Protocol.objects.create(clinic=clinic, key=key, based_on=base, **fields)


class PairCohortTests(AcuflowTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        owner = cls.actor(cls, cls.owner)
        clinic = owner.clinic
        cls.a = protocol()
        cls.b = copy_of(
            cls.a, clinic, "clbp-own", onset_session=4, lasting_session=None, review_session=8
        )
        cls.c = copy_of(cls.a, clinic, "clbp-same")
        make_cohort(owner, cls.patient, [Spec([8, 6, 4, 4, 4, 4]) for _ in range(30)])
        make_cohort(
            owner, cls.patient, [Spec([8] * 6, state="stopped") for _ in range(5)], proto=cls.c
        )
        make_cohort(
            owner, cls.patient, [Spec([8, 8, 8, 4, 4, 4, 4, 4]) for _ in range(25)], proto=cls.b
        )
        make_cohort(
            owner, cls.patient, [Spec([8] * 10, state="stopped") for _ in range(5)], proto=cls.b
        )
        # Not in the cohort: another condition, another clinic (its copy and its courses).
        make_cohort(owner, cls.patient, [Spec([8, 4, 4])], proto=protocol("acute_low_back_pain"))
        other = cls.actor(cls, cls.other)
        cls.d = copy_of(cls.a, other.clinic, "clbp-other", onset_session=5, review_session=9)
        make_cohort(other, cls.other_patient, [Spec([8, 4, 4, 4, 4, 4])] * 7, proto=cls.d)
        make_cohort(other, cls.other_patient, [Spec([8, 8, 8])] * 2)

    def get(self, user: Any = None, **params: Any) -> Any:
        return self.api(user or self.owner, "GET", URL, params or PAIR)

    def test_it_spans_the_shipped_protocol_and_the_clinics_copies(self) -> None:
        body = self.get().json()
        self.assertEqual([p["id"] for p in body["protocols"]], [self.a.pk, self.b.pk, self.c.pk])
        self.assertEqual([p["shipped"] for p in body["protocols"]], [True, False, False])
        self.assertEqual(body["protocol"]["id"], None)
        self.assertEqual(body["protocol"]["condition"], "chronic_low_back_pain")
        self.assertEqual(body["cohort"]["started"], 65)

    def test_it_states_the_claims_per_set_of_session_numbers(self) -> None:
        body = self.get().json()
        sets = body["claim_sets"]
        self.assertEqual(
            [(s["onset_session"], s["lasting_session"], s["review_session"]) for s in sets],
            [(3, 5, 6), (4, None, 8)],
        )
        self.assertEqual(
            [[p["id"] for p in s["protocols"]] for s in sets[:1]], [[self.a.pk, self.c.pk]]
        )
        claims = {(c["set"], c["code"]): c for c in body["claims"]}
        self.assertEqual(
            set(claims), {(0, "onset"), (0, "lasting"), (0, "review"), (1, "onset"), (1, "review")}
        )
        onset_a = claims[(0, "onset")]
        self.assertEqual((onset_a["session"], onset_a["n"]), (3, 35))
        self.assertAlmostEqual(onset_a["rate"], 30 / 35, places=4)
        self.assertAlmostEqual(onset_a["low"], 0.7062, places=3)
        self.assertEqual(onset_a["verdict"], "holds")
        onset_b = claims[(1, "onset")]
        self.assertEqual((onset_b["session"], onset_b["n"]), (4, 30))
        self.assertAlmostEqual(onset_b["rate"], 25 / 30, places=4)
        self.assertAlmostEqual(onset_b["low"], 0.6644, places=3)
        self.assertEqual(onset_b["verdict"], "holds")
        self.assertEqual((claims[(0, "lasting")]["n"], claims[(0, "lasting")]["rate"]), (30, 1.0))
        self.assertEqual(claims[(0, "review")]["n"], 0)  # C's courses stopped at the review
        self.assertEqual(claims[(1, "review")]["n"], 5)
        self.assertEqual(claims[(1, "review")]["rate"], 0.0)

    def test_it_counts_each_course_at_its_own_protocols_sessions(self) -> None:
        body = self.get().json()
        rows = {r["session"]: r for r in body["sessions"]}
        # The table itself counts every course of the cohort at that session.
        self.assertEqual((rows[3]["n_itt"], rows[3]["responders_30"]["count"]), (65, 30))
        self.assertEqual((rows[4]["n_itt"], rows[4]["responders_30"]["count"]), (65, 55))
        # The stop rule: B's 5 at its review session 8 (C's stopped at theirs).
        stop = body["stop_rule"]
        self.assertEqual((stop["n"], stop["review_session"]), (5, None))
        self.assertEqual(stop["later_responders"]["count"], 0)
        # The funnel: each course at its protocol's onset (A and C at 3, B at 4).
        points = body["practitioners"]
        self.assertEqual(sum(p["n"] for p in points), 65)
        self.assertEqual(sum(p["count"] for p in points), 55)

    def test_one_protocol_keeps_its_own_answers(self) -> None:
        body = self.get(protocol=self.b.pk).json()
        self.assertEqual([p["id"] for p in body["protocols"]], [self.b.pk])
        self.assertEqual(body["protocol"]["id"], self.b.pk)
        self.assertEqual(body["cohort"]["started"], 30)
        self.assertEqual(body["stop_rule"]["review_session"], 8)
        onset = next(c for c in body["claims"] if c["code"] == "onset")
        self.assertEqual((onset["session"], onset["n"]), (4, 30))

    def test_it_keeps_the_clinics_apart(self) -> None:
        body = self.get(self.other).json()
        self.assertEqual([p["id"] for p in body["protocols"]], [self.a.pk, self.d.pk])
        self.assertEqual(body["cohort"]["started"], 9)
        sets = {s["onset_session"]: s for s in body["claim_sets"]}
        self.assertEqual(set(sets), {3, 5})
        onset_d = next(c for c in body["claims"] if c["code"] == "onset" and c["session"] == 5)
        self.assertEqual((onset_d["n"], onset_d["rate"]), (7, 1.0))
        # And the other clinic's copy is no way into this clinic's report.
        self.assertError(self.get(protocol=self.d.pk), 404, "not_found")

    def test_it_wants_exactly_one_cohort(self) -> None:
        bad = [
            {"protocol": self.a.pk, **PAIR},
            {"protocol": self.a.pk, "condition": "chronic_low_back_pain"},
            {"condition": "chronic_low_back_pain"},
            {"modality": "acupuncture"},
            {"condition": "no_such_condition", "modality": "acupuncture"},
            {"condition": "chronic_low_back_pain", "modality": "reiki"},
        ]
        for params in bad:
            with self.subTest(params=params):
                self.assertError(self.get(**params), 422, "validation_error")

    def test_a_pair_without_a_protocol_is_not_found(self) -> None:
        taken = set(Protocol.objects.values_list("condition", "modality"))
        missing = next(
            (c, m)
            for c, m in itertools.product(
                sorted(assessment_catalogue.condition_codes()), Modality.values
            )
            if (c, m) not in taken
        )
        response = self.get(condition=missing[0], modality=missing[1])
        self.assertError(response, 404, "not_found")

    def test_it_documents_the_new_parameters(self) -> None:
        spec = self.api(self.owner, "GET", "/api/v1/openapi.json").json()
        operation = spec["paths"][URL]["get"]
        names = {p["name"] for p in operation["parameters"]}
        self.assertLessEqual({"protocol", "condition", "modality", "from", "to"}, names)
        self.assertIn("422", operation["responses"])
        self.assertIn("validation_error", operation["description"])

    def test_it_runs_a_constant_number_of_queries(self) -> None:
        def make_rows(n: int) -> None:
            make_cohort(
                self.actor(self.owner),
                self.patient,
                [Spec([8, 8, 8, 4, 4, 4, 4, 4], practitioner=self.ims) for _ in range(n)],
                proto=self.b,
            )

        self.assertConstantQueries(make_rows, lambda: self.get())

    def test_the_page_offers_the_pair_and_explains_the_sets(self) -> None:
        client = self.client_for(self.owner)
        html = client.get("/analytics/", {"cohort": "condition", **PAIR}).content.decode()
        self.assertIn('data-condition="chronic_low_back_pain" data-modality="acupuncture"', html)
        self.assertIn('id="cohort-protocols"', html)
        for p in (self.a, self.b, self.c):
            self.assertIn(f'<li data-protocol="{p.pk}">', html)
        self.assertNotIn(f'data-protocol="{self.d.pk}"', html)
        self.assertIn('<h3 class="claim-set" data-set="1">', html)
        self.assertEqual(html.count('data-code="onset" data-verdict="holds"'), 2)
        # The KM chart marks both onsets and both reviews.
        km = html[html.index('id="km"') :]
        km = km[: km.index("</svg>")]
        for series, k in (("onset", 3), ("onset", 4), ("review", 6), ("review", 8)):
            self.assertIn(f'data-series="{series}" data-session="{k}"', km)
        csv = client.get("/analytics/results.csv", {"cohort": "condition", **PAIR})
        self.assertEqual(csv.status_code, 200)
        self.assertIn("results-chronic_low_back_pain-acupuncture-", csv["Content-Disposition"])

    def test_the_page_asks_for_both_halves_of_the_pair(self) -> None:
        client = self.client_for(self.owner)
        response = client.get("/analytics/", {"cohort": "condition", "condition": "neck_pain"})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertNotIn('id="claims"', html)
        self.assertIn("errorlist", html)
