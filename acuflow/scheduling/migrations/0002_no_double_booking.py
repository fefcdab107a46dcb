"""No double booking, enforced by PostgreSQL: exclusion constraints over the busy time
range per practitioner and per room. SQLite has no such constraints; there the booking
service checks inside an IMMEDIATE transaction (see services.py)."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINTS = [
    (
        "scheduling_no_practitioner_overlap",
        "practitioner_id WITH =, tstzrange(start, busy_until, '[)') WITH &&",
        "status <> 'cancelled'",
    ),
    (
        "scheduling_no_room_overlap",
        "room_id WITH =, tstzrange(start, busy_until, '[)') WITH &&",
        "status <> 'cancelled' AND room_id IS NOT NULL",
    ),
]


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression, condition in CONSTRAINTS:
        schema_editor.execute(
            f"ALTER TABLE scheduling_appointment ADD CONSTRAINT {name} "
            f"EXCLUDE USING gist ({expression}) WHERE ({condition})"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression, _condition in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [
        # CREATE EXTENSION btree_gist (equality on bigint inside a GiST index);
        # a no-op on databases other than PostgreSQL.
        BtreeGistExtension(),
        migrations.RunPython(add_constraints, drop_constraints),
    ]
