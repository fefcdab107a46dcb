"""The clinic's and the patient's own indexes on the audit trail go: the (clinic, -at)
and (patient, -at) indexes serve every lookup by either, and every index is written
for every audit row. Only the indexes are dropped (by the names Django gave them, on
every backend); AlterField would also drop and re-add both foreign keys, checking
every row of the trail again."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "audit_auditevent_clinic_id_8b98597b": "clinic_id",
    "audit_auditevent_patient_id_82c45eaf": "patient_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_api_token_lifecycle"),
        ("audit", "0004_patient_writes_index"),
        ("patients", "0007_gp_language_without_choices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="clinic",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_events",
                        to="accounts.clinic",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="patient",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="audit_events",
                        to="patients.patient",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {name} ON audit_auditevent ({column})",
                )
                for name, column in INDEXES.items()
            ],
        )
    ]
