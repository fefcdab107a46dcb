"""Sort keys for the patients that exist: the main part of each family name ("boer" for
"de Boer"), as patient services set it for new and changed names from now on.

It uses the live `family_sort_key` on purpose: existing rows must get the same key as
the rows services write, or a list would file old and new patients differently.
"""

from django.db import migrations

from acuflow.patients.names import family_sort_key

BATCH = 2000


def fill(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    rows = Patient.objects.only("pk", "family_name").order_by("pk")
    batch = []
    for patient in rows.iterator(chunk_size=BATCH):
        patient.family_sort = family_sort_key(patient.family_name)
        batch.append(patient)
        if len(batch) == BATCH:
            Patient.objects.bulk_update(batch, ["family_sort"])
            batch = []
    if batch:
        Patient.objects.bulk_update(batch, ["family_sort"])


class Migration(migrations.Migration):
    dependencies = [("patients", "0003_family_sort_key")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=False)]
