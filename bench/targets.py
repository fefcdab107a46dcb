"""Pick what the load test touches in a generated database and write it as JSON.

Run with DATABASE_URL pointing at the bench database: python bench/targets.py OUT.json
It chooses the first generated clinic (the one holding the 1,000-session patient), its
owner (an acupuncturist) as the acting user, and gives that user an API token and a
server-side session signed in with both factors (bench/staff.py), so the load test needs
no login round trips."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acuflow.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from acuflow.accounts.models import Clinic, Membership  # noqa: E402
from acuflow.patients.models import Patient  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import staff  # noqa: E402


def main(out: str) -> None:
    rng = random.Random(1)
    clinic = Clinic.objects.filter(slug__startswith="gen-").order_by("id").first()
    if clinic is None:
        raise SystemExit("no generated clinic: run `acuflow generate` first")
    owner = Membership.objects.select_related("user").get(clinic=clinic, role="owner").user
    token = staff.api_token(owner)
    session_key = staff.signed_in_session(owner)  # both factors given
    patients = Patient.objects.filter(clinic=clinic)
    family_names = sorted(set(patients.values_list("family_name", flat=True)[:5000]))
    patient_ids = list(patients.order_by("id").values_list("id", flat=True)[:5000])
    practitioners = list(clinic.practitioners.order_by("id").values_list("id", flat=True))
    data: dict[str, object] = {
        "clinic": clinic.slug,
        "timezone": clinic.timezone,
        "user": owner.email,
        "token": token,
        "session": session_key,
        "search": rng.sample(family_names, min(50, len(family_names))),
        "patients": rng.sample(patient_ids, min(500, len(patient_ids))),
        "practitioners": practitioners,
        "patient_count": Patient.objects.count(),
    }
    if apps.is_installed("acuflow.charting"):
        Session = apps.get_model("charting", "Session")
        heavy = (
            Session.objects.filter(patient__clinic=clinic)
            .values("patient")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        data["chart_patient"] = heavy["patient"] if heavy else patient_ids[0]
        data["chart_sessions"] = heavy["n"] if heavy else 0
        data["session_count"] = Session.objects.count()
    if apps.is_installed("acuflow.protocols"):
        Course = apps.get_model("protocols", "Course")
        courses = Course.objects.filter(patient__clinic=clinic)
        ids = list(courses.order_by("id").values_list("id", flat=True))
        data["courses"] = rng.sample(ids, min(500, len(ids)))
        # A walk-in session is charted now: courses that start later would refuse it.
        started = courses.filter(
            state="active", modality="acupuncture", start_date__lt=timezone.localdate()
        )
        writable = list(started.values_list("id", flat=True))
        data["chart_courses"] = writable[:200]
        if "chart_patient" in data:
            longest = (
                Session.objects.filter(patient_id=data["chart_patient"])
                .values("course_id")
                .annotate(n=Count("id"))
                .order_by("-n")
                .first()
            )
            if longest is not None:
                data["chart_course"] = longest["course_id"]
                data["chart_course_sessions"] = longest["n"]
        busiest = courses.values("protocol_id").annotate(n=Count("id")).order_by("-n").first()
        if busiest is not None:
            data["analytics_protocol"] = busiest["protocol_id"]
    Path(out).write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
