"""Each report is rendered to PDF, its text read back (pypdf) and its first page turned
into an image (pdftoppm from poppler-utils) that must not be blank."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase
from acuflow.outcomes import services as outcome_services
from acuflow.outcomes.tests.factories import make_course, make_session

REPORTS = ("progress", "gp-letter", "discharge")


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def first_page_png(content: bytes) -> Image.Image:
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "report.pdf"
        pdf.write_bytes(content)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "40",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(Path(tmp) / "page"),
            ],
            check=True,
            timeout=60,
        )
        png = next(Path(tmp).glob("page*.png"))
        image = Image.open(png)
        image.load()
        return image


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="apt-get install poppler-utils")
class ReportPdfTests(AcuflowTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        actor_user = cls.owner
        from acuflow.core.actor import Actor

        actor = Actor(user=actor_user, clinic=cls.clinic, role="owner", client_address="127.0.0.1")
        cls.course = make_course(actor, cls.patient, baseline_nrs=8)
        make_session(cls.course, days_ago=14, before=8, after=6)
        make_session(cls.course, days_ago=7, before=6, after=4)
        outcome_services.response_record(
            actor=actor,
            patient=cls.patient,
            instrument="odi",
            course=cls.course,
            answers={f"s{i}": 3 for i in range(1, 11)},
        )
        outcome_services.response_record(
            actor=actor,
            patient=cls.patient,
            instrument="nrs",
            course=cls.course,
            answers={"usual": 3},
        )

    def get(self, name: str, user=None):  # type: ignore[no-untyped-def]
        return self.api(
            user or self.practitioner, "GET", f"/api/v1/courses/{self.course.pk}/reports/{name}.pdf"
        )

    def test_each_report_has_the_patients_name_and_scores_and_a_page_that_is_not_blank(
        self,
    ) -> None:
        for name in REPORTS:
            with self.subTest(report=name):
                resp = self.get(name)
                self.assertEqual(resp.status_code, 200, resp.content[:300])
                self.assertEqual(resp["Content-Type"], "application/pdf")
                text = pdf_text(resp.content)
                self.assertIn("Anna de Jong", text)
                self.assertIn("60", text)  # ODI 30 / 50
                self.assertIn("Oswestry", text)
                image = first_page_png(resp.content).convert("L")
                histogram = image.histogram()
                dark = sum(histogram[:200])
                self.assertGreater(dark / (image.width * image.height), 0.01, name)

    def test_session_dates_are_the_clinics_local_dates(self) -> None:
        # 03:30 UTC is the evening before in New York and the same morning in Amsterdam
        # (the server's TIME_ZONE); the report, made through the API, must say New York.
        import datetime as dt
        from zoneinfo import ZoneInfo

        from django.utils import timezone, translation
        from django.utils.formats import date_format

        day = timezone.now().date() - dt.timedelta(days=3)
        session = make_session(self.course, days_ago=3, before=5, after=4)
        session.started_at = dt.datetime.combine(day, dt.time(3, 30), tzinfo=dt.UTC)
        session.save(update_fields=["started_at"])
        self.clinic.timezone = "America/New_York"
        self.clinic.save(update_fields=["timezone"])
        local = session.started_at.astimezone(ZoneInfo("America/New_York")).date()
        with translation.override(self.patient.language):
            wanted, wrong = (date_format(d, "SHORT_DATE_FORMAT") for d in (local, day))
        text = pdf_text(self.get("progress").content)
        self.assertIn(wanted, text)
        self.assertNotIn(wrong, text)

    def test_reports_are_in_the_patients_language(self) -> None:
        progress = pdf_text(self.get("progress").content)
        self.assertIn("Voortgangsverslag", progress)
        letter = pdf_text(self.get("gp-letter").content)
        self.assertIn("Geachte collega", letter)
        self.assertIn("alarmsignalen", letter.lower())
        self.assertIn("Eindverslag", pdf_text(self.get("discharge").content))

    def test_the_gp_letter_holds_assessment_red_flag_screen_and_recommendation(self) -> None:
        self.clinic.language = "en"  # the letter is in the clinic's language
        self.clinic.save(update_fields=["language"])
        text = pdf_text(self.get("gp-letter").content)
        for expected in (
            "Low back pain after lifting",
            "Red-flag screen",
            "none found",
            "2 of 10 planned sessions",
            "Recommendation",
        ):
            self.assertIn(expected, text.replace("\n", " "))

    def test_every_export_is_audited_and_others_get_nothing(self) -> None:
        self.get("discharge")
        event = AuditEvent.objects.get(action="export")
        self.assertEqual(
            (event.patient, event.object_type, event.object_id),
            (self.patient, "reports.discharge", str(self.course.pk)),
        )
        self.assertError(self.get("progress", self.reception), 403)
        self.assertError(self.get("progress", self.other), 404, "not_found")
        self.assertEqual(AuditEvent.objects.filter(action="export").count(), 1)
