"""Every outcomes/reports endpoint and staff page, called by a practitioner of another
clinic with this clinic's ids, answers 404 (the shared walker stops at the first gap of
any app; this keeps our own routes checked regardless)."""

from __future__ import annotations

from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes.tests.factories import make_course


class OtherClinicTests(AcuflowTestCase):
    def test_api_and_pages_answer_404(self) -> None:
        course = make_course(self.actor(self.owner), self.patient)
        p, c = self.patient.pk, course.pk
        calls = [
            (
                "POST",
                f"/api/v1/patients/{p}/responses",
                {"instrument": "nrs", "answers": {"usual": 5}},
            ),
            ("GET", f"/api/v1/courses/{c}/outcomes", None),
            ("GET", f"/api/v1/courses/{c}/reports/progress.pdf", None),
            ("GET", f"/api/v1/courses/{c}/reports/gp-letter.pdf", None),
            ("GET", f"/api/v1/courses/{c}/reports/discharge.pdf", None),
        ]
        for method, path, body in calls:
            with self.subTest(path=path):
                self.assertError(self.api(self.other, method, path, body), 404, "not_found")
        client = self.client_for(self.other)
        for url in (
            f"/outcomes/patients/{p}/responses/new/",
            f"/outcomes/courses/{c}/",
            f"/outcomes/courses/{c}/link/",
        ):
            with self.subTest(url=url):
                self.assertEqual(client.get(url).status_code, 404)
        self.assertEqual(
            client.post(f"/outcomes/courses/{c}/link/", {"instrument": "nrs"}).status_code, 404
        )
