"""The waitlist: joining it, offering a freed slot to the first patient it suits, the
patient's answer and offers that run out."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from acuflow.accounts.models import Practitioner
from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.core.actor import Actor
from acuflow.patients.models import Patient
from acuflow.scheduling import rules, selectors
from acuflow.scheduling.channels import send_offer
from acuflow.scheduling.models import AppointmentType, Source, WaitlistEntry, WaitlistOffer
from acuflow.scheduling.services.booking import SchedulingError, appointment_book


def waitlist_join(
    *,
    actor: Actor,
    patient: Patient,
    practitioner: Practitioner,
    type: AppointmentType,
    earliest: dt.date,
    latest: dt.date,
    day_start: dt.time | None = None,
    day_end: dt.time | None = None,
) -> WaitlistEntry:
    entry = WaitlistEntry(
        clinic=actor.clinic,
        patient=patient,
        practitioner=practitioner,
        type=type,
        earliest=earliest,
        latest=latest,
        day_start=day_start,
        day_end=day_end,
    )
    entry.full_clean()
    if practitioner.clinic_id != actor.clinic.pk or patient.clinic_id != actor.clinic.pk:
        raise ValidationError(_("Patient and practitioner must belong to this clinic."))
    with transaction.atomic():
        entry.save()
        audit_record(actor=actor, action=Action.CREATE, patient=patient, obj=entry)
    return entry


def _entry_fits(entry: WaitlistEntry, start: dt.datetime, zone: Any) -> bool:
    local = start.astimezone(zone)
    end = local + dt.timedelta(minutes=entry.type.duration_minutes)
    if not (entry.earliest <= local.date() <= entry.latest):
        return False
    if entry.day_start and local.time() < entry.day_start:
        return False
    if entry.day_end and end.time() > entry.day_end:
        return False
    return True


def waitlist_offer(
    *,
    clinic_actor: Actor,
    practitioner: Practitioner,
    start: dt.datetime,
    now: dt.datetime,
    skip_entry_ids: set[int] | None = None,
) -> WaitlistOffer | None:
    """Offer a freed slot to the first waiting patient it suits (in order of joining)."""
    zone = selectors.clinic_zone(practitioner.clinic)
    hours = selectors.schedule_settings(practitioner.clinic).offer_hours
    entries = (
        WaitlistEntry.objects.filter(practitioner=practitioner, status=WaitlistEntry.State.WAITING)
        .exclude(pk__in=skip_entry_ids or set())
        .select_related("patient", "type", "practitioner__user", "clinic")
        .order_by("created_at", "id")
    )
    for entry in entries:
        if not _entry_fits(entry, start, zone):
            continue
        end = start + dt.timedelta(minutes=entry.type.duration_minutes)
        busy = selectors.busy_intervals(practitioner, start, end + dt.timedelta(hours=1))
        buffer_end = end + dt.timedelta(minutes=entry.type.buffer_minutes)
        if any(rules.overlaps(start, buffer_end, s, e) for s, e in busy):
            continue
        offer = WaitlistOffer.objects.create(
            entry=entry,
            start=start,
            expires_at=min(now + dt.timedelta(hours=hours), start),
        )
        entry.status = WaitlistEntry.State.OFFERED
        entry.save(update_fields=["status"])
        audit_record(actor=clinic_actor, action=Action.CREATE, patient=entry.patient, obj=offer)
        transaction.on_commit(partial(send_offer, offer.pk))
        return offer
    return None


def waitlist_answer(
    *, offer: WaitlistOffer, accept: bool, now: dt.datetime | None = None
) -> WaitlistOffer:
    """The patient accepts (booked if the slot is still free) or declines (next in line)."""
    now = now or timezone.now()
    entry = offer.entry
    actor = Actor(
        user=None,
        clinic=entry.clinic,
        role="system",
        channel="online",
        on_behalf_of=f"patient {entry.patient_id}",
    )
    with transaction.atomic():
        offer = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.status != WaitlistOffer.State.OPEN or offer.expires_at <= now:
            raise SchedulingError("offer_closed", _("This offer is no longer open."), "")
        if accept:
            try:
                with transaction.atomic():
                    appointment = appointment_book(
                        actor=actor,
                        patient=entry.patient,
                        practitioner=entry.practitioner,
                        type=entry.type,
                        start=offer.start,
                        source=Source.WAITLIST,
                        now=now,
                    )
            except SchedulingError:
                # Booked by someone else in the meantime: the patient keeps waiting.
                offer.status = WaitlistOffer.State.TAKEN
                offer.save(update_fields=["status"])
                entry.status = WaitlistEntry.State.WAITING
                entry.save(update_fields=["status"])
                audit_record(actor=actor, action=Action.UPDATE, patient=entry.patient, obj=offer)
                return offer
            offer.status, offer.appointment = WaitlistOffer.State.ACCEPTED, appointment
            offer.save(update_fields=["status", "appointment"])
            entry.status = WaitlistEntry.State.BOOKED
            entry.save(update_fields=["status"])
        else:
            offer.status = WaitlistOffer.State.DECLINED
            offer.save(update_fields=["status"])
            entry.status = WaitlistEntry.State.WAITING
            entry.save(update_fields=["status"])
            waitlist_offer(
                clinic_actor=actor,
                practitioner=entry.practitioner,
                start=offer.start,
                now=now,
                skip_entry_ids=_offered_entries(offer.start, entry.practitioner),
            )
        audit_record(actor=actor, action=Action.UPDATE, patient=entry.patient, obj=offer)
    return offer


def _offered_entries(start: dt.datetime, practitioner: Practitioner) -> set[int]:
    return set(
        WaitlistOffer.objects.filter(start=start, entry__practitioner=practitioner).values_list(
            "entry_id", flat=True
        )
    )


def waitlist_expire(*, now: dt.datetime | None = None) -> int:
    """Close open offers past their time and pass each slot to the next in line."""
    now = now or timezone.now()
    count = 0
    for offer in WaitlistOffer.objects.filter(
        status=WaitlistOffer.State.OPEN, expires_at__lte=now
    ).select_related("entry__clinic", "entry__practitioner__clinic"):
        with transaction.atomic():
            updated = WaitlistOffer.objects.filter(
                pk=offer.pk, status=WaitlistOffer.State.OPEN
            ).update(status=WaitlistOffer.State.EXPIRED)
            if not updated:
                continue
            WaitlistEntry.objects.filter(pk=offer.entry_id).update(
                status=WaitlistEntry.State.WAITING
            )
            actor = Actor.system(offer.entry.clinic, label="waitlist")
            # The patient's offer ran out and they wait again: a change to their record.
            audit_record(
                actor=actor,
                action=Action.UPDATE,
                patient=None,
                patient_id=offer.entry.patient_id,
                obj=offer,
                detail={"status": WaitlistOffer.State.EXPIRED.value},
            )
            if offer.start > now:
                waitlist_offer(
                    clinic_actor=actor,
                    practitioner=offer.entry.practitioner,
                    start=offer.start,
                    now=now,
                    skip_entry_ids=_offered_entries(offer.start, offer.entry.practitioner),
                )
            count += 1
    return count
