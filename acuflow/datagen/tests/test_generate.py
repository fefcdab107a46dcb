from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from acuflow.accounts.models import Clinic
from acuflow.audit.chain import verify_clinic
from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase
from acuflow.datagen import story as S
from acuflow.patients.models import Patient

TODAY = dt.date(2026, 6, 15)


class Rollback(Exception):
    pass


def generate(**options: object) -> str:
    out = StringIO()
    args = {"today": TODAY, "heavy_sessions": 40, "stdout": out, "verbosity": 0}
    args.update(options)
    call_command("generate", **args)
    return out.getvalue()


def model(label: str):  # type: ignore[no-untyped-def]
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def snapshot() -> dict[str, object]:
    """The generated data by natural keys (ids depend on what the database held)."""
    generated = Patient.objects.filter(clinic__slug__startswith="gen-")
    data: dict[str, object] = {
        "patients": list(
            generated.order_by("id").values_list(
                "clinic__slug", "given_name", "family_name", "birth_date", "sex", "phone"
            )
        ),
        "audit": AuditEvent.objects.filter(clinic__slug__startswith="gen-").count(),
    }
    if Session := model("charting.Session"):
        data["sessions"] = list(
            Session.objects.filter(patient__in=generated)
            .order_by("id")
            .values_list("patient__family_name", "started_at", "nrs_before", "nrs_after", "sites")
        )
    if Appointment := model("scheduling.Appointment"):
        data["appointments"] = list(
            Appointment.objects.filter(patient__in=generated)
            .order_by("id")
            .values_list("start", "status", "practitioner__user__email")
        )
    return data


class GenerateTests(AcuflowTestCase):
    def run_and_snapshot(self, **options: object) -> dict[str, object]:
        try:
            with transaction.atomic():
                generate(**options)
                data = snapshot()
                raise Rollback
        except Rollback:
            pass
        return data

    def test_same_seed_gives_the_same_data_and_another_seed_does_not(self) -> None:
        first = self.run_and_snapshot(patients=40, seed=7)
        second = self.run_and_snapshot(patients=40, seed=7)
        other = self.run_and_snapshot(patients=40, seed=8)
        self.assertEqual(len(first["patients"]), 40)  # type: ignore[arg-type]
        self.assertEqual(first, second)
        self.assertNotEqual(first["patients"], other["patients"])

    def test_refuses_a_database_that_has_generated_data(self) -> None:
        generate(patients=5, heavy_sessions=0)
        with self.assertRaises(CommandError):
            generate(patients=5, heavy_sessions=0)

    def test_bad_sizes_are_refused(self) -> None:
        with self.assertRaises(CommandError):
            generate(patients=0)
        with self.assertRaises(CommandError):
            generate(patients=5, years=0)

    def test_counts_and_shares_are_plausible(self) -> None:
        output = generate(patients=300, verbosity=1)
        self.assertIn("done in", output)
        clinics = Clinic.objects.filter(slug__startswith="gen-")
        self.assertEqual(clinics.count(), 2)
        patients = Patient.objects.filter(clinic__in=clinics)
        self.assertEqual(patients.count(), 300)
        women = patients.filter(sex="female").count() / 300
        self.assertTrue(0.48 <= women <= 0.68, women)
        for p in patients[:50]:
            self.assertTrue(18 <= p.age_on(TODAY) <= 96)
        self.assertGreater(AuditEvent.objects.filter(clinic__in=clinics).count(), 300)
        for clinic in clinics:  # generated rows are chained like written ones
            self.assertIsNone(verify_clinic(clinic.pk))

        Assessment = model("assessment.Assessment")
        if Assessment is not None:
            assessments = Assessment.objects.filter(patient__clinic__in=clinics)
            self.assertGreaterEqual(assessments.count(), 300)
            flagged = [a for a in assessments if a.red_flags]
            self.assertTrue(0.01 <= len(flagged) / assessments.count() <= 0.15)
            for a in flagged:
                self.assertTrue(a.referrals.exists(), "a red flag without a referral")

        Session = model("charting.Session")
        Course = model("protocols.Course")
        if Course is not None and Session is not None:
            courses = list(Course.objects.filter(patient__clinic__in=clinics))
            self.assertGreater(len(courses), 250)
            for course in courses:
                self.assertTrue(course.assessment.cleared)
            done = [c for c in courses if c.sessions_done]
            per_course = sum(c.sessions_done for c in done) / len(done)
            self.assertTrue(3 <= per_course <= 14, per_course)
            # Responders, slow responders and non-responders all present in sane shares.
            classes = Counter(c.response for c in done if c.state != "active")
            finished = sum(classes.values())
            responders = (classes["moderate"] + classes["substantial"]) / finished
            self.assertTrue(0.4 <= responders <= 0.85, classes)
            self.assertGreater(classes["none"] + classes["minimal"] + classes["worse"], 0)
            self.assertEqual(
                Counter(c.state for c in courses).keys() >= {"completed", "stopped"}, True
            )
            heavy = Session.objects.filter(patient__clinic__in=clinics).values("patient")
            top = Counter(row["patient"] for row in heavy).most_common(1)[0][1]
            self.assertEqual(top, 40)
            # Sessions are valid charting data (points and IMS sites from the catalogue).
            for session in Session.objects.filter(patient__clinic__in=clinics)[:200]:
                session.full_clean()
            self.assertTrue(
                Session.objects.filter(
                    patient__clinic__in=clinics, sites__0__has_key="ims_segment"
                ).exists()
            )

        Response = model("outcomes.Response")
        if Response is not None:
            instruments = Counter(
                Response.objects.filter(patient__clinic__in=clinics).values_list(
                    "instrument", flat=True
                )
            )
            self.assertTrue({"nrs", "peg", "psfs", "grc"} <= instruments.keys(), instruments)

        Appointment = model("scheduling.Appointment")
        if Appointment is not None:
            appointments = Appointment.objects.filter(clinic__in=clinics)
            statuses = Counter(appointments.values_list("status", flat=True))
            self.assertTrue({"done", "booked", "cancelled"} <= statuses.keys(), statuses)
            seen: set[tuple[int, dt.datetime]] = set()
            for practitioner, start in appointments.exclude(status="cancelled").values_list(
                "practitioner", "start"
            ):
                self.assertNotIn((practitioner, start), seen, "double booking")
                seen.add((practitioner, start))


class StoryTests(AcuflowTestCase):
    """The simulation alone: shares over many patients without a database."""

    def test_more_women_and_their_share_rises_with_age(self) -> None:
        clinics = S.build_clinics(patients=4000, seed=3)
        calendar = S.Calendar()
        stories = [
            S.patient_story(
                seed=3,
                index=i,
                clinics=clinics,
                protocols={},
                today=TODAY,
                years=2,
                calendar=calendar,
            )
            for i in range(4000)
        ]
        young = [s for s in stories if (TODAY - s.birth_date).days < 45 * 365]
        old = [s for s in stories if (TODAY - s.birth_date).days >= 65 * 365]
        share = sum(s.sex == "female" for s in stories) / len(stories)
        self.assertTrue(0.55 <= share <= 0.61, share)
        self.assertGreater(
            sum(s.sex == "female" for s in old) / len(old),
            sum(s.sex == "female" for s in young) / len(young) - 0.01,
        )
        classes = Counter(e.course.responder for s in stories for e in s.episodes if e.course)
        total = sum(classes.values())
        self.assertTrue(0.4 <= classes["responder"] / total <= 0.65, classes)
        self.assertTrue(0.1 <= classes["slow"] / total <= 0.35, classes)
        self.assertTrue(0.15 <= classes["non"] / total <= 0.4, classes)
