"""Running courses get the plan numbers they were missing, from their protocol."""

from django.db import migrations


def forwards(apps, schema_editor):
    Course = apps.get_model("protocols", "Course")
    for course in Course.objects.select_related("protocol").iterator():
        course.cadence_max_days = course.protocol.cadence_max_days
        course.lasting_session = course.protocol.lasting_session
        course.save(update_fields=["cadence_max_days", "lasting_session"])


class Migration(migrations.Migration):
    dependencies = [("protocols", "0003_outcome_model")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
