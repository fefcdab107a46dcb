"""Trigram indexes for the patient search on PostgreSQL.

The search matches any part of a name (`UPPER(name) LIKE UPPER('%word%')`), which a
B-tree cannot serve: without these, every search reads all of a clinic's patients and
slows down as the clinic grows. pg_trgm's GIN indexes on the same expressions keep it
proportional to the matches. SQLite (the embedded default) keeps scanning: a single
practice's patient list is small there.
"""

from django.db import migrations

INDEXES = {
    "patients_patient_given_trgm": "UPPER(given_name) gin_trgm_ops",
    "patients_patient_family_trgm": "UPPER(family_name) gin_trgm_ops",
    "patients_patient_phone_trgm": "phone_digits gin_trgm_ops",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON patients_patient USING gin ({expression})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
