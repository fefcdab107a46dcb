"""Charting reports every session to its course (protocols' observation rows): the
sessions charted before the course status was pushed."""

from django.db import migrations


def forwards(apps, schema_editor):
    Session = apps.get_model("charting", "Session")
    CourseObservation = apps.get_model("protocols", "CourseObservation")
    rows = Session.objects.order_by("id").values_list("id", "course_id", "started_at", "nrs_before")
    batch = []
    for pk, course_id, at, nrs in rows.iterator():
        batch.append(
            CourseObservation(course_id=course_id, source="session", ref=pk, at=at, nrs=nrs)
        )
        if len(batch) >= 5000:
            CourseObservation.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    CourseObservation.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0001_initial"),
        ("protocols", "0004_course_plan_numbers"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
