"""A patient is in one appointment at a time, enforced by PostgreSQL like the
practitioner and room overlaps (0002): an exclusion constraint over the treatment time
(start to end; the practitioner's buffer after it is not the patient's) of every
appointment that is not cancelled. On SQLite the booking service checks."""

from django.db import migrations

NAME = "scheduling_no_patient_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE scheduling_appointment ADD CONSTRAINT {NAME} "
        "EXCLUDE USING gist (patient_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        "WHERE (status <> 'cancelled')"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0003_overlap_indexes")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
