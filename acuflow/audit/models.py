"""Audit trail in the shape NEN 7513 asks for: who, on whose behalf, what, which
patient, which object, when, and from where. Rows are only ever inserted."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    READ = "read", _("viewed")
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    EXPORT = "export", _("exported")
    PRINT = "print", _("printed")


# The actions that change a record: the newest of a patient's is the key of the record's
# rendered parts (acuflow.audit.sections).
WRITE_ACTIONS = (Action.CREATE.value, Action.UPDATE.value, Action.DELETE.value)


class AuditEvent(models.Model):
    # No index of their own on the clinic and the patient: the (clinic, -at) and
    # (patient, -at) indexes serve every lookup by either, and each index more is
    # written for every row (a search writes one row per patient shown).
    clinic = models.ForeignKey(
        "accounts.Clinic", on_delete=models.PROTECT, related_name="audit_events", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # Who the access was for: the user's role and clinic, or the patient themself
    # through the portal. Kept as text so the trail survives staff changes.
    actor_label = models.CharField(max_length=200)
    on_behalf_of = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        db_index=False,
    )
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=16, default="web")  # web, api, portal, system
    path = models.CharField(max_length=300, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # SHA-256 over the previous row's hash (of the same clinic, by id) and this row's
    # fields (acuflow.audit.chain): a row changed or removed behind the application's
    # back breaks the chain from there on (`acuflow audit verify`).
    hash = models.CharField(max_length=64, blank=True, editable=False)
    # What a list or search showed: {"q": the query, "shown": [patient ids]} and the like.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-at"]),
            models.Index(fields=["clinic", "-at"]),
            # A patient's newest write (acuflow.audit.sections): reads are most rows and
            # are left out, so the index grows with writes only.
            models.Index(
                fields=["patient", "-id"],
                name="audit_patient_writes",
                condition=models.Q(action__in=WRITE_ACTIONS),
            ),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        # Append-only where the database can enforce it (PostgreSQL): the application's
        # own role cannot change or remove a row. SQLite has no such trigger here.
        triggers = [
            pgtrigger.Protect(
                name="audit_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"


class ChainHead(models.Model):
    """The newest hash of a clinic's audit chain. Writers lock this row (SELECT ... FOR
    UPDATE) while they link their rows, so two transactions of one clinic never chain to
    the same predecessor; it also lets `verify` notice rows cut off the chain's end."""

    clinic = models.OneToOneField(
        "accounts.Clinic", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    last_hash = models.CharField(max_length=64, blank=True)
    length = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"{self.clinic_id}: {self.length} rows"


class SecurityKind(models.TextChoices):
    SIGN_IN_FAILED = "sign_in_failed", _("failed sign-in")
    LOCKOUT = "lockout", _("lockout")
    TOKEN_REFUSED = "token_refused", _("API token refused")
    ACCESS_REFUSED = "access_refused", _("access refused")


class SecurityEvent(models.Model):
    """A refused attempt: a failed sign-in, a lockout, a refused API token, a 404 or 403
    for a record. Written even when the request's own transaction rolls back. `clinic`
    is the clinic of whoever tried (none for an unknown address); `patient` the record
    aimed at, whatever its clinic, so that clinic's owner sees the attempt too."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=32, choices=SecurityKind.choices)
    reason = models.CharField(max_length=200)
    clinic = models.ForeignKey(
        "accounts.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events",
    )
    actor_label = models.CharField(max_length=200, blank=True)  # the email tried, or the user
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events",
    )
    channel = models.CharField(max_length=16, default="web")
    path = models.CharField(max_length=300, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "-at"]),
            models.Index(fields=["patient", "-at"]),
        ]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        triggers = [
            pgtrigger.Protect(
                name="security_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.reason}"
