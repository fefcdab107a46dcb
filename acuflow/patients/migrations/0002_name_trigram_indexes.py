"""Trigram indexes for the patient search on PostgreSQL.

The search matches any part of a name (`UPPER(name) LIKE UPPER('%word%')`) within one
clinic, which a B-tree cannot serve: without these, every search reads all of a
clinic's patients and slows down as the clinic grows. Each index holds the clinic and
the name's trigrams together (btree_gin makes the clinic id indexable in GIN), so the
planner can answer "this clinic, this fragment" from one index; with trigram-only
indexes it preferred reading the whole clinic. SQLite (the embedded default) keeps
scanning: a single practice's patient list is small there.
"""

from django.db import migrations

INDEXES = {
    "patients_patient_given_trgm": "clinic_id, UPPER(given_name) gin_trgm_ops",
    "patients_patient_family_trgm": "clinic_id, UPPER(family_name) gin_trgm_ops",
    "patients_patient_phone_trgm": "clinic_id, phone_digits gin_trgm_ops",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Both are trusted extensions (PostgreSQL 13+): a database owner may create them.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
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
