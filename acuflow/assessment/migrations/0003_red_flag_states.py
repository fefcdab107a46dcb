"""Existing assessments and referrals into the red-flag lifecycle.

An assessment with positive flags or a referral was screened (at its last change); one
with no flag and no referral cannot be told apart from one never screened, so it is
`not_screened` (unknown is not "none found"). "referred_out" becomes "treated_elsewhere";
existing referrals keep their outcome, decided when they were recorded."""

from django.db import migrations

from acuflow.assessment.rules import red_flag_state


def forwards(apps, schema_editor):
    Assessment = apps.get_model("assessment", "Assessment")
    Referral = apps.get_model("assessment", "Referral")
    Referral.objects.filter(outcome="referred_out").update(outcome="treated_elsewhere")
    for referral in Referral.objects.exclude(outcome="").filter(decided_at=None):
        referral.decided_at = referral.created_at
        referral.save(update_fields=["decided_at"])
    referrals = {}
    for r in Referral.objects.order_by("id"):
        referrals.setdefault(r.assessment_id, []).append((r.date, r.pk, r.outcome, r.red_flags))
    for a in Assessment.objects.order_by("id").iterator():
        mine = referrals.get(a.pk, [])
        screened = bool(a.red_flags) or bool(mine)
        a.red_flags_screened_at = a.updated_at if screened else None
        a.red_flag_state = red_flag_state(screened=screened, flags=list(a.red_flags), referrals=mine)
        a.save(update_fields=["red_flags_screened_at", "red_flag_state"])


class Migration(migrations.Migration):
    dependencies = [("assessment", "0002_red_flag_lifecycle")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
