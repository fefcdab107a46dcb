"""Outcomes reports every NRS questionnaire of a course to it, then every course is
judged again by the outcome model (protocols/outcome.py) with the shipped thresholds."""

from django.db import migrations

from acuflow.protocols import catalogue, outcome


def forwards(apps, schema_editor):
    Response = apps.get_model("outcomes", "Response")
    CourseObservation = apps.get_model("protocols", "CourseObservation")
    Course = apps.get_model("protocols", "Course")
    batch = []
    rows = (
        Response.objects.filter(instrument="nrs", course__isnull=False)
        .order_by("id")
        .values_list("id", "course_id", "recorded_at", "answers")
    )
    for pk, course_id, at, answers in rows.iterator():
        if "usual" not in (answers or {}):
            continue
        batch.append(
            CourseObservation(
                course_id=course_id,
                source="questionnaire",
                ref=pk,
                at=at,
                nrs=int(answers["usual"]),
            )
        )
    CourseObservation.objects.bulk_create(batch, batch_size=5000, ignore_conflicts=True)
    thresholds = outcome.Thresholds(**catalogue.outcome_thresholds()["values"])
    for course in Course.objects.select_related("assessment").iterator():
        observations = [
            outcome.Observation(at=o.at, nrs=o.nrs, source=o.source)
            for o in CourseObservation.objects.filter(course_id=course.pk)
        ]
        plan = outcome.Plan(
            expected_sessions=course.expected_sessions,
            onset_session=course.onset_session,
            review_session=course.review_session,
            max_sessions=course.max_sessions,
            cadence_days=course.cadence_days,
            cadence_max_days=course.cadence_max_days,
            lasting_session=course.lasting_session,
            onset_days=course.onset_days,
            review_days=course.review_days,
            single_session=course.single_session,
            other_instrument=course.other_instrument,
        )
        status = outcome.course_status(
            plan=plan,
            baseline_nrs=course.assessment.baseline_nrs,
            observations=observations,
            thresholds=thresholds,
        )
        for field in (
            "sessions_done",
            "first_session_at",
            "latest_nrs",
            "latest_nrs_at",
            "latest_nrs_stale",
            "change_points",
            "change_pct",
            "response",
            "recommendation",
            "reason",
        ):
            setattr(course, field, getattr(status, field))
        course.save()


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0001_initial"),
        ("charting", "0002_report_sessions_to_courses"),
        ("protocols", "0004_course_plan_numbers"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
