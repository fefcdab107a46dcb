# The audit tables become append-only on PostgreSQL (no-op elsewhere). A migration of
# its own: the triggers come after 0002 has chained the existing rows.

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_chain_and_security_events"),
    ]

    operations = [
        pgtrigger.migrations.AddTrigger(
            model_name='auditevent',
            trigger=pgtrigger.compiler.Trigger(name='audit_event_append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='a52dd9544408029fb52a3c67737f151dedcc4f6d', operation='UPDATE OR DELETE', pgid='pgtrigger_audit_event_append_only_27797', table='audit_auditevent', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='securityevent',
            trigger=pgtrigger.compiler.Trigger(name='security_event_append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='f88f24e4398f2eef68ded4cef6872be6c56a43ed', operation='UPDATE OR DELETE', pgid='pgtrigger_security_event_append_only_69a87', table='audit_securityevent', when='BEFORE')),
        ),
    ]
