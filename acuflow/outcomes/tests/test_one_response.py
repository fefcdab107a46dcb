"""One definition of "response": the course API and the outcomes API give the same
response and recommendation for every case the outcome model knows."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes.tests.factories import make_course, make_session

# name, baseline, [(days ago, usual pain before needling)], [(days ago, NRS questionnaire)],
# expected (response, recommendation)
CASES = [
    ("no scores", 7, [(d, None) for d in (35, 28, 21, 14, 7, 0)], [], ("not_measured", "measure")),
    (
        "8 -> 6 at session 6",
        8,
        list(zip((35, 28, 21, 14, 7, 0), (8, 8, 7, 7, 6, 6), strict=True)),
        [],
        ("minimal", "review"),
    ),
    ("4 -> 9 at session 2", 4, [(7, 4), (0, 9)], [], ("worse", "review")),
    ("baseline 2", 2, [(7, 2), (0, 1)], [], ("not_assessable_by_nrs", "measure")),
    (
        "stale score",
        8,
        [(35, 8), (28, 4), (21, None), (14, None), (7, None), (0, None)],
        [],
        ("substantial", "measure"),
    ),
    ("a questionnaire after session 1", 8, [(3, 8)], [(1, 4)], ("substantial", "continue")),
    ("no change at session 3", 6, [(14, 6), (7, 6), (0, 6)], [], ("none", "review")),
]


class OneResponseTests(AcuflowTestCase):
    def test_the_course_and_outcomes_apis_agree_on_every_case(self) -> None:
        for name, baseline, sessions, questionnaires, expected in CASES:
            with self.subTest(name):
                course = make_course(self.actor(self.owner), self.patient, baseline_nrs=baseline)
                for days_ago, before in sessions:
                    make_session(course, days_ago=days_ago, before=before, after=None)
                for days_ago, nrs in questionnaires:
                    self.api(
                        self.owner,
                        "POST",
                        f"/api/v1/patients/{self.patient.pk}/responses",
                        {
                            "instrument": "nrs",
                            "answers": {"usual": nrs},
                            "course": course.pk,
                            "recorded_at": _ago(days_ago),
                        },
                    )
                status = self.api(self.owner, "GET", f"/api/v1/courses/{course.pk}").json()[
                    "status"
                ]
                outcomes = self.api(
                    self.owner, "GET", f"/api/v1/courses/{course.pk}/outcomes"
                ).json()
                self.assertEqual((status["response"], status["recommendation"]), expected)
                self.assertEqual(outcomes["response"], status["response"])
                self.assertEqual(outcomes["status"], status)
                for instrument in outcomes["instruments"]:
                    if instrument["code"] == "nrs":
                        self.assertEqual(instrument["responder"], status["response"])


def _ago(days: int) -> str:
    return (timezone.now() - dt.timedelta(days=days)).isoformat()
