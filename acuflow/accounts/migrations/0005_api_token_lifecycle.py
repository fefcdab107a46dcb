# API tokens get a name, an expiry and revocation, and are stored as their SHA-256 with
# the first characters shown. Tokens issued before keep working until they expire (90
# days after this migration): their digest is computed here and the plain key dropped.

import datetime as dt
import hashlib

import acuflow.accounts.models
from django.db import migrations, models
from django.utils import timezone


def hash_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    expires = timezone.now() + dt.timedelta(days=90)
    for token in ApiToken.objects.all().iterator():
        token.key_hash = hashlib.sha256(token.key.encode()).hexdigest()
        token.prefix = token.key[:8]
        token.expires_at = expires
        token.save(update_fields=["key_hash", "prefix", "expires_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_language_code_without_choices"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="apitoken",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
            },
        ),
        migrations.AddField(
            model_name="apitoken",
            name="name",
            field=models.CharField(blank=True, max_length=100, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="prefix",
            field=models.CharField(default="", max_length=8),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="apitoken",
            name="key_hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                default=acuflow.accounts.models._default_expiry, verbose_name="expires"
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="revoked"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last used"),
        ),
        migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop),
        migrations.RemoveField(model_name="apitoken", name="key"),
        migrations.AlterField(
            model_name="apitoken",
            name="key_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
