"""The record cache's key moves with every write to a patient's data (issue 20).

`sections.write_mark(patient)` is the id and hash of the patient's newest create, update
or delete audit row; the course outcome page keeps its chart and tables under it. Issue
20 allowed that on one condition: no write path can leave the mark where it was. This
file holds the proof:

1. The walk (`WALK`): every service that writes a patient's data, and every page or
   endpoint that holds write logic itself, called as the product calls it (staff
   services with an Actor, the portal's and the public pages, the one-time questionnaire
   link, the worker's waitlist job) on fresh data. Around each write `record_state()`
   reads every row that leads to a patient, from the tables themselves, so the test
   knows whose data changed whatever the write used (save, update(), bulk_create, raw
   SQL); every such patient's mark must have moved, and the write must have changed the
   data of the patients it names.
2. The guards: an AST scan of acuflow finds each function that writes an audit row with
   a write action (or an action the scan cannot read); each must be walked or listed in
   `NOT_PATIENT_DATA` with its reason. The models `record_state()` leaves out are listed
   with theirs (`NOT_RECORD`), and the writes that touch only those are run in
   `UNAUDITED_BY_DESIGN` to show they change no record data.
3. End to end: the outcome page shows a session written after its first render, and a
   second render without a write does not build the part again.

Not walked because the product has no such write: a charted session is never changed
or deleted (no update, amendment or delete service or endpoint), nor is a questionnaire
response; a course's plan numbers are frozen at its start (no plan change: editing the
clinic's protocol changes no running course); pause and resume are the red flag found
during a course and the referral that clears it (walked). There is no erasure,
anonymisation or retention purge. Drafts (`charting.SessionDraft`) are the chart
screen's unsaved state, shown only on that screen, which is not cached.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import re
import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from django.apps import apps
from django.core.cache import caches
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import acuflow
from acuflow.assessment import services as assessment_services
from acuflow.assessment.tests.factories import make_assessment
from acuflow.audit import sections
from acuflow.audit.models import WRITE_ACTIONS, Action
from acuflow.charting import services as charting_services
from acuflow.charting.tests.factories import make_course
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.outcomes import links
from acuflow.outcomes import selectors as outcome_selectors
from acuflow.outcomes import services as outcome_services
from acuflow.patients import services as patient_services
from acuflow.patients.models import Patient
from acuflow.portal import services as portal_services
from acuflow.portal.decorators import COOKIE
from acuflow.protocols import services as protocol_services
from acuflow.protocols.models import Course, Protocol
from acuflow.scheduling import courses as scheduling_courses
from acuflow.scheduling import reminders as scheduling_reminders
from acuflow.scheduling import services as scheduling_services
from acuflow.scheduling.models import (
    Appointment,
    AppointmentType,
    BookingRequest,
    Reminder,
    WaitlistOffer,
)
from acuflow.scheduling.public import _shown_token
from acuflow.scheduling.selectors import appointment_type_by_code
from acuflow.scheduling.tests.helpers import at, next_weekday, weekday_hours

ROOT = Path(acuflow.__file__).resolve().parent

# -- what counts as a patient's data --------------------------------------------------

# Models that lead to a patient but are not the patient's record, and why.
NOT_RECORD = {
    "audit.auditevent": "the trail itself: its write rows are the mark",
    "audit.securityevent": "refused attempts, written outside the refused transaction",
    "charting.sessiondraft": "the chart screen's unsaved state per user; shown only on that "
    "screen, which is not cached; saving the session is the record (walked)",
    "scheduling.reminder": "the reminder outbox (pending, sending, sent, failed): delivery "
    "state the worker writes, its hand-over audited as an export. The appointment page, "
    "which is not cached, shows it: a part that did could not key on the write mark alone. "
    "Booking, moving and cancelling, which create and cancel reminders, are walked",
    "portal.portalsession": "a patient's portal sign-in sessions",
    "portal.signinlink": "one-time portal sign-in links",
    "portal.portalaccount": "the patient's portal credentials (created at the first sign-in, "
    "last sign-in time); setting a password is audited and walked",
}


def _patient_paths(model: type[models.Model]) -> list[str]:
    """The lookups from `model` to a patient, found from its foreign keys and theirs."""
    if model is Patient:
        return ["pk"]
    paths: list[str] = []

    def follow(current: type[models.Model], prefix: str, depth: int) -> None:
        for field in current._meta.concrete_fields:
            target = field.related_model
            if not field.is_relation or target is None or target == "self":
                continue
            if target is Patient:
                paths.append(prefix + field.name)
            elif depth < 3 and target is not current:
                follow(target, f"{prefix}{field.name}__", depth + 1)  # type: ignore[arg-type]

    follow(model, "", 1)
    return paths


def patient_models() -> dict[str, tuple[type[models.Model], list[str]]]:
    """Every acuflow model that leads to a patient, by label, with its lookups."""
    found = {}
    for model in apps.get_models():
        if model.__module__.startswith("acuflow.") and (paths := _patient_paths(model)):
            found[model._meta.label_lower] = (model, paths)
    return found


def record_state() -> dict[int, str]:
    """A digest of each patient's record: every row of every patient-bound model (but
    NOT_RECORD) that leads to them, every column."""
    digests: dict[int, Any] = defaultdict(hashlib.sha256)
    for label, (model, paths) in sorted(patient_models().items()):
        if label in NOT_RECORD:
            continue
        columns = [f.attname for f in model._meta.concrete_fields]
        for path in paths:
            rows = model._base_manager.order_by("pk").values_list(path, *columns)
            for patient_id, *values in rows:
                if patient_id is not None:
                    digests[patient_id].update(repr((label, path, values)).encode())
    return {pid: digest.hexdigest() for pid, digest in digests.items()}


def all_marks() -> dict[int, str]:
    return {pid: sections.write_mark(pid) for pid in Patient.objects.values_list("pk", flat=True)}


# -- the walk --------------------------------------------------------------------------

# A walk entry's `prepare(test)` makes fresh data (through the services) and returns
# the one write, which returns the patients whose data it means to change.
Write = Callable[[], list[Patient]]


@dataclass(frozen=True)
class Walk:
    name: str
    covers: tuple[str, ...]  # the discovered writers (module.function) it calls
    prepare: Callable[[WalkCase], Write]
    record: bool = True  # False: it writes only what NOT_RECORD lists (still audited)


SESSION: dict[str, Any] = {
    "sites": [{"point": "LI4", "side": "both"}],
    "needles_in": 2,
    "needles_out": 2,
    "nrs_before": 6,
    "nrs_after": 4,
    "unbooked_reason": "walk-in",
}
NRS: dict[str, Any] = {"usual": 5, "worst": 7, "now": 4}
BSN = "111222333"  # passes the eleven test


def follow_up(clinic: Any) -> AppointmentType:
    found = appointment_type_by_code(clinic, "follow_up")
    assert found is not None
    return found


def _session_create(t: WalkCase) -> Write:
    course = t.course()

    def write() -> list[Patient]:
        charting_services.session_create(
            actor=t.staff(), course=course, started_at=timezone.now(), **SESSION
        )
        return [course.patient]

    return write


def _response_staff(t: WalkCase) -> Write:
    course = t.course()

    def write() -> list[Patient]:
        outcome_services.response_record(
            actor=t.staff(), patient=course.patient, instrument="nrs", answers=NRS, course=course
        )
        return [course.patient]

    return write


def _response_link_make(t: WalkCase) -> Write:
    course = t.course()

    def write() -> list[Patient]:
        links.make_response_link(
            patient=course.patient, instrument="nrs", course=course, actor=t.staff()
        )
        return [course.patient]

    return write


def _response_link_fill(t: WalkCase) -> Write:
    course = t.course()
    path = links.make_response_link(
        patient=course.patient, instrument="nrs", course=course, actor=t.staff()
    )

    def write() -> list[Patient]:
        page = Client().post(path, {f"a_{k}": str(v) for k, v in NRS.items()})
        t.assertEqual(page.status_code, 200, page.content[:300])
        return [course.patient]

    return write


def _assessment_create(t: WalkCase) -> Write:
    def write() -> list[Patient]:
        make_assessment(t.staff(), t.patient)
        return [t.patient]

    return write


def _red_flag_screen(t: WalkCase) -> Write:
    assessment = make_assessment(t.staff(), t.patient, red_flags=None)

    def write() -> list[Patient]:
        assessment_services.assessment_screen_red_flags(
            actor=t.staff(), assessment=assessment, red_flags=[]
        )
        return [t.patient]

    return write


def _course_paused(t: WalkCase) -> Write:
    course = t.course()

    def write() -> list[Patient]:
        assessment_services.assessment_screen_red_flags(
            actor=t.staff(), assessment=course.assessment, red_flags=["fracture"]
        )
        return [course.patient]

    return write


def _flagged_course(t: WalkCase) -> Course:
    course = t.course()
    assessment_services.assessment_screen_red_flags(
        actor=t.staff(), assessment=course.assessment, red_flags=["fracture"]
    )
    return course


def _referral_create(t: WalkCase) -> Write:
    course = _flagged_course(t)

    def write() -> list[Patient]:
        assessment_services.referral_create(
            actor=t.staff(),
            assessment=course.assessment,
            to="GP",
            reason="Possible fracture",
            date=timezone.localdate(),
        )
        return [course.patient]

    return write


def _course_resumed(t: WalkCase) -> Write:
    course = _flagged_course(t)
    referral = assessment_services.referral_create(
        actor=t.staff(),
        assessment=course.assessment,
        to="GP",
        reason="Possible fracture",
        date=timezone.localdate(),
    )

    def write() -> list[Patient]:
        assessment_services.referral_decide(actor=t.staff(), referral=referral, outcome="cleared")
        return [course.patient]

    return write


def _course_create(t: WalkCase) -> Write:
    assessment = make_assessment(t.staff(), t.patient)
    protocol = Protocol.objects.get(
        clinic=None, condition="chronic_low_back_pain", modality="acupuncture"
    )

    def write() -> list[Patient]:
        protocol_services.course_create(actor=t.staff(), assessment=assessment, protocol=protocol)
        return [t.patient]

    return write


def _course_close(t: WalkCase) -> Write:
    course = t.course()

    def write() -> list[Patient]:
        protocol_services.course_close(actor=t.staff(), course=course, state="completed")
        return [course.patient]

    return write


def _thresholds_update(t: WalkCase) -> Write:
    # The clinic's thresholds rejudge its running courses: each course's status is
    # that patient's data.
    course = t.course()
    second = t.course(make_patient(t.clinic, "Bram", "Tweede"))

    def write() -> list[Patient]:
        protocol_services.outcome_thresholds_update(
            actor=t.actor(t.owner), values={"minimal_pct": 15}
        )
        return [course.patient, second.patient]

    return write


def _patient_create(t: WalkCase) -> Write:
    def write() -> list[Patient]:
        patient = patient_services.patient_create(
            actor=t.actor(t.reception),
            given_name="Nieuw",
            family_name="Patiënt",
            birth_date=dt.date(1980, 1, 2),
            sex="male",
            language="nl",
            identifiers=[{"system": "bsn", "value": BSN}],
        )
        return [patient]

    return write


def _patient_update(t: WalkCase) -> Write:
    def write() -> list[Patient]:
        patient_services.patient_update(
            actor=t.actor(t.reception), patient=t.patient, data={"phone": "+31 6 9999 0000"}
        )
        return [t.patient]

    return write


def _patient_identifiers(t: WalkCase) -> Write:
    def write() -> list[Patient]:
        patient_services.patient_update(
            actor=t.actor(t.reception),
            patient=t.patient,
            data={},
            identifiers=[{"system": "bsn", "value": BSN}],
        )
        return [t.patient]

    return write


def _consent_record(t: WalkCase) -> Write:
    def write() -> list[Patient]:
        patient_services.consent_record(
            actor=t.actor(t.reception), patient=t.patient, kind="gp_letters", given=True
        )
        return [t.patient]

    return write


def _duplicate(t: WalkCase) -> Patient:
    duplicate = make_patient(t.clinic, "Anna", "de Jong", email="anna2@patients.example")
    patient_services.consent_record(
        actor=t.actor(t.reception), patient=duplicate, kind="treatment", given=True
    )
    return duplicate


def _patient_merge(t: WalkCase) -> Write:
    duplicate = _duplicate(t)

    def write() -> list[Patient]:
        patient_services.patient_merge(actor=t.actor(t.owner), kept=t.patient, duplicate=duplicate)
        return [t.patient, duplicate]

    return write


def _patient_merge_undo(t: WalkCase) -> Write:
    duplicate = _duplicate(t)
    merge = patient_services.patient_merge(
        actor=t.actor(t.owner), kept=t.patient, duplicate=duplicate
    )

    def write() -> list[Patient]:
        patient_services.patient_merge_undo(actor=t.actor(t.owner), merge=merge)
        return [t.patient, duplicate]

    return write


def _appointment_book(t: WalkCase) -> Write:
    t.hours()

    def write() -> list[Patient]:
        t.book(t.patient)
        return [t.patient]

    return write


def _appointment_move(t: WalkCase) -> Write:
    appointment = t.book(t.patient)

    def write() -> list[Patient]:
        scheduling_services.appointment_move(
            actor=t.actor(t.reception), appointment=appointment, start=at(t.monday(), 14)
        )
        return [t.patient]

    return write


def _appointment_cancel(t: WalkCase) -> Write:
    appointment = t.book(t.patient)

    def write() -> list[Patient]:
        scheduling_services.appointment_cancel(
            actor=t.actor(t.reception), appointment=appointment, reason="ill"
        )
        return [t.patient]

    return write


def _appointment_arrived(t: WalkCase) -> Write:
    appointment = t.book(t.patient)

    def write() -> list[Patient]:
        scheduling_services.appointment_set_status(
            actor=t.actor(t.reception),
            appointment=appointment,
            status="arrived",
            now=appointment.start - dt.timedelta(minutes=10),
        )
        return [t.patient]

    return write


def _appointment_late_cancelled(t: WalkCase) -> Write:
    appointment = t.book(t.patient)

    def write() -> list[Patient]:
        scheduling_services.appointment_set_status(
            actor=t.actor(t.reception), appointment=appointment, status="late_cancelled"
        )
        return [t.patient]

    return write


def _appointment_note_api(t: WalkCase) -> Write:
    appointment = t.book(t.patient)

    def write() -> list[Patient]:
        answer = t.api(
            t.reception, "PATCH", f"/api/v1/appointments/{appointment.pk}", {"note": "Parking"}
        )
        t.assertEqual(answer.status_code, 200, answer.content[:300])
        return [t.patient]

    return write


def _course_book(t: WalkCase) -> Write:
    course = make_course(t.staff(), t.patient, start_date=timezone.localdate())
    t.hours()

    def write() -> list[Patient]:
        plan = scheduling_courses.course_book(
            actor=t.actor(t.reception),
            course=course,
            at_time=dt.time(10),
            type=follow_up(t.clinic),
        )
        t.assertTrue(any(p.appointment_id for p in plan), plan)
        return [course.patient]

    return write


def _waitlist_join(t: WalkCase) -> Write:
    t.hours()

    def write() -> list[Patient]:
        t.join_waitlist(t.patient)
        return [t.patient]

    return write


def _waitlist_offer(t: WalkCase) -> Write:
    # Cancelling offers the freed slot to a waiting patient: two patients' data change.
    appointment = t.book(t.patient)
    waiting = make_patient(t.clinic, "Wim", "Wachter")
    t.join_waitlist(waiting)

    def write() -> list[Patient]:
        scheduling_services.appointment_cancel(
            actor=t.actor(t.reception), appointment=appointment, reason="ill"
        )
        t.assertTrue(WaitlistOffer.objects.filter(entry__patient=waiting).exists())
        return [t.patient, waiting]

    return write


def _open_offer(t: WalkCase) -> tuple[WaitlistOffer, Patient]:
    appointment = t.book(t.patient)
    waiting = make_patient(t.clinic, "Wim", "Wachter")
    t.join_waitlist(waiting)
    scheduling_services.appointment_cancel(
        actor=t.actor(t.reception), appointment=appointment, reason="ill"
    )
    return WaitlistOffer.objects.get(entry__patient=waiting), waiting


def _waitlist_accept(t: WalkCase) -> Write:
    offer, waiting = _open_offer(t)

    def write() -> list[Patient]:
        Client().post(f"/en/book/offer/{offer.token}/", {"answer": "yes"})
        t.assertTrue(Appointment.objects.filter(patient=waiting).exists())
        return [waiting]

    return write


def _waitlist_decline(t: WalkCase) -> Write:
    offer, waiting = _open_offer(t)

    def write() -> list[Patient]:
        Client().post(f"/en/book/offer/{offer.token}/", {"answer": "no"})
        return [waiting]

    return write


def _waitlist_expire(t: WalkCase) -> Write:
    # The worker's job: an unanswered offer runs out and the patient waits again.
    offer, waiting = _open_offer(t)

    def write() -> list[Patient]:
        later = offer.expires_at + dt.timedelta(minutes=1)
        with mock.patch("django.utils.timezone.now", return_value=later):
            t.assertEqual(scheduling_services.waitlist_expire(), 1)
        return [waiting]

    return write


def _online_form(t: WalkCase, **changes: str) -> dict[str, str]:
    with mock.patch(
        "django.utils.timezone.now",
        return_value=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30),
    ):
        shown = _shown_token()
    practitioner = t.practitioner.practitioner
    data = {
        "type": str(follow_up(t.clinic).pk),
        "practitioner": "",
        "date": t.monday().isoformat(),
        "slot": f"{at(t.monday(), 10).isoformat()}|{practitioner.pk}",
        "given_name": "Nina",
        "family_name": "Nieuw",
        "birth_date": "1985-04-03",
        "sex": "female",
        "email": "nina@patients.example",
        "phone": "+31 6 5555 1234",
        "complaint": "Low back pain",
        "onset": "chronic",
        "website": "",
        "shown": shown,
    }
    for key in ["bladder_bowel", "leg_weakness", "cancer_weight", "fever", "injury", "night_pain"]:
        data[f"rf_{key}"] = "no"
    data.update(changes)
    return data


def _online_booking(t: WalkCase) -> Write:
    t.hours()
    caches["default"].clear()  # the booking form's rate limit counts per address

    def write() -> list[Patient]:
        page = Client().post(f"/en/book/{t.clinic.slug}/", _online_form(t))
        t.assertEqual(page.status_code, 302, page.content[:300])
        return [Patient.objects.get(email="nina@patients.example")]

    return write


def _booking_request_handled(t: WalkCase) -> Write:
    t.hours()
    caches["default"].clear()
    # A red-flag answer makes the online booking a call-back request, not a booking.
    Client().post(f"/en/book/{t.clinic.slug}/", _online_form(t, rf_fever="yes"))
    found = BookingRequest.objects.get(appointment=None)

    def write() -> list[Patient]:
        page = t.client_for(t.reception).post(
            reverse("scheduling:requests"), {"request_id": found.pk}
        )
        t.assertEqual(page.status_code, 302, page.content[:300])
        assert found.patient is not None
        return [found.patient]

    return write


def _portal(t: WalkCase, patient: Patient) -> Client:
    _session, key = portal_services.session_start(patient=patient)
    client = Client()
    client.cookies[COOKIE] = key
    return client


def _portal_cancel(t: WalkCase) -> Write:
    appointment = t.book(t.patient)
    portal = _portal(t, t.patient)

    def write() -> list[Patient]:
        page = portal.post(f"/en/portal/appointments/{appointment.pk}/cancel/", {"reason": "ill"})
        t.assertEqual(page.status_code, 302, page.content[:300])
        return [t.patient]

    return write


def _portal_reschedule(t: WalkCase) -> Write:
    appointment = t.book(t.patient)
    portal = _portal(t, t.patient)
    url = f"/en/portal/appointments/{appointment.pk}/reschedule/"
    offered = re.findall(r'name="start" value="([^"]+)"', portal.get(url).content.decode())
    t.assertTrue(offered, "no time offered")

    def write() -> list[Patient]:
        page = portal.post(url, {"start": offered[-1]})
        t.assertEqual(page.status_code, 302, page.content[:300])
        return [t.patient]

    return write


def _portal_password(t: WalkCase) -> Write:
    portal = _portal(t, t.patient)
    password = "a long and unusual portal password 7"

    def write() -> list[Patient]:
        page = portal.post("/en/portal/account/", {"password": password, "confirm": password})
        t.assertEqual(page.status_code, 302, page.content[:300])
        return [t.patient]

    return write


P, S = "acuflow.patients.services", "acuflow.scheduling.services"
WALK = [
    Walk("charting.session_create", ("acuflow.charting.services.session_create",), _session_create),
    Walk(
        "outcomes.response_record (staff)",
        ("acuflow.outcomes.services.response_record",),
        _response_staff,
    ),
    Walk(
        "outcomes.make_response_link",
        ("acuflow.outcomes.links.make_response_link",),
        _response_link_make,
    ),
    Walk("outcomes one-time link filled (public page)", (), _response_link_fill),
    Walk(
        "assessment.assessment_create",
        ("acuflow.assessment.services.assessment_create",),
        _assessment_create,
    ),
    Walk(
        "assessment.assessment_screen_red_flags",
        ("acuflow.assessment.services.assessment_screen_red_flags",),
        _red_flag_screen,
    ),
    Walk("course paused by a red flag found during it", (), _course_paused),
    Walk(
        "assessment.referral_create",
        ("acuflow.assessment.services.referral_create",),
        _referral_create,
    ),
    Walk(
        "course resumed: assessment.referral_decide",
        ("acuflow.assessment.services.referral_decide",),
        _course_resumed,
    ),
    Walk("protocols.course_create", ("acuflow.protocols.services.course_create",), _course_create),
    Walk("protocols.course_close", ("acuflow.protocols.services.course_close",), _course_close),
    Walk(
        "protocols.outcome_thresholds_update (rejudges courses)",
        ("acuflow.protocols.services.outcome_thresholds_update",),
        _thresholds_update,
    ),
    Walk(
        "patients.patient_create", (f"{P}.patient_create", f"{P}._set_identifiers"), _patient_create
    ),
    Walk("patients.patient_update", (f"{P}.patient_update",), _patient_update),
    Walk("patients.patient_update (identifiers)", (f"{P}._set_identifiers",), _patient_identifiers),
    Walk("patients.consent_record", (f"{P}.consent_record",), _consent_record),
    Walk("patients.patient_merge", (f"{P}.patient_merge",), _patient_merge),
    Walk("patients.patient_merge_undo", (f"{P}.patient_merge_undo",), _patient_merge_undo),
    Walk("scheduling.appointment_book", (f"{S}.booking.appointment_book",), _appointment_book),
    Walk("scheduling.appointment_move", (f"{S}.appointments.appointment_move",), _appointment_move),
    Walk(
        "scheduling.appointment_cancel",
        (f"{S}.appointments.appointment_cancel",),
        _appointment_cancel,
    ),
    Walk(
        "scheduling.appointment_set_status (arrived)",
        (f"{S}.appointments.appointment_set_status",),
        _appointment_arrived,
    ),
    Walk("scheduling.appointment_set_status (late cancelled)", (), _appointment_late_cancelled),
    Walk(
        "scheduling API: appointment note (PATCH)",
        ("acuflow.scheduling.api.patch_appointment",),
        _appointment_note_api,
    ),
    Walk("scheduling.course_book", ("acuflow.scheduling.courses.course_book",), _course_book),
    Walk("scheduling.waitlist_join", (f"{S}.waitlist.waitlist_join",), _waitlist_join),
    Walk(
        "scheduling.waitlist_offer (a cancelled slot offered)",
        (f"{S}.waitlist.waitlist_offer",),
        _waitlist_offer,
    ),
    Walk(
        "scheduling.waitlist_answer (accept, public page)",
        (f"{S}.waitlist.waitlist_answer",),
        _waitlist_accept,
    ),
    Walk("scheduling.waitlist_answer (decline, public page)", (), _waitlist_decline),
    Walk(
        "scheduling.waitlist_expire (worker)",
        (f"{S}.waitlist.waitlist_expire",),
        _waitlist_expire,
    ),
    Walk(
        "public online booking page",
        ("acuflow.scheduling.public._submit",),
        _online_booking,
    ),
    Walk(
        "booking request handled (staff page)",
        ("acuflow.scheduling.views.requests",),
        _booking_request_handled,
    ),
    Walk("portal: cancel an appointment", (), _portal_cancel),
    Walk("portal: reschedule an appointment", (), _portal_reschedule),
    Walk(
        "portal: set a password",
        ("acuflow.portal.services.portal_password_set",),
        _portal_password,
        record=False,
    ),
]


class WalkCase(AcuflowTestCase):
    """Fresh data for a write, made through the services."""

    def setUp(self) -> None:
        super().setUp()
        caches[sections.CACHE].clear()

    # fixtures, each made through the services
    def staff(self) -> Any:
        return self.actor(self.practitioner)

    def course(self, patient: Patient | None = None) -> Course:
        return make_course(self.staff(), patient or self.patient)

    def monday(self) -> dt.date:
        return next_weekday(0)

    def hours(self) -> None:
        practitioner = self.practitioner.practitioner
        if not practitioner.working_hours.exists():
            weekday_hours(practitioner)

    def book(self, patient: Patient) -> Appointment:
        self.hours()
        return scheduling_services.appointment_book(
            actor=self.actor(self.reception),
            patient=patient,
            practitioner=self.practitioner.practitioner,
            type=follow_up(self.clinic),
            start=at(self.monday(), 10),
        )

    def join_waitlist(self, patient: Patient) -> None:
        scheduling_services.waitlist_join(
            actor=self.actor(self.reception),
            patient=patient,
            practitioner=self.practitioner.practitioner,
            type=follow_up(self.clinic),
            earliest=self.monday(),
            latest=self.monday() + dt.timedelta(days=4),
        )


class WriteWalkTests(WalkCase):
    """One test per WALK entry (test_walk_<n>_<name>), so a failure names the service."""

    def run_walk(self, entry: Walk) -> None:
        write = entry.prepare(self)
        state, marks = record_state(), all_marks()
        with self.captureOnCommitCallbacks(execute=True):
            meant = {p.pk for p in write()}
        state_after, marks_after = record_state(), all_marks()
        changed = {
            p for p in state.keys() | state_after.keys() if state.get(p) != state_after.get(p)
        }
        moved = {p for p in marks_after if marks.get(p) != marks_after[p]}
        self.assertTrue(meant, f"{entry.name}: the write names no patient")
        if entry.record:
            self.assertLessEqual(
                meant,
                changed,
                f"{entry.name}: the write changed no data of {sorted(meant - changed)}",
            )
        self.assertEqual(
            changed - moved,
            set(),
            f"{entry.name}: the data of these patients changed and their write mark did not "
            "move (no create/update/delete audit row for them)",
        )
        self.assertLessEqual(meant, moved, f"{entry.name}: the mark did not move")


def _walk_test(entry: Walk) -> Callable[[WriteWalkTests], None]:
    def test(self: WriteWalkTests) -> None:
        self.run_walk(entry)

    test.__doc__ = f"The write mark moves with {entry.name}."
    return test


def _test_name(index: int, entry: Walk) -> str:
    slug = "".join(c if c.isalnum() else "_" for c in entry.name.lower()).strip("_")
    while "__" in slug:
        slug = slug.replace("__", "_")
    return f"test_walk_{index:02d}_{slug}"


for _index, _entry in enumerate(WALK):
    setattr(WriteWalkTests, _test_name(_index, _entry), _walk_test(_entry))


# -- writes that touch no record data, by design ---------------------------------------


def _draft_save(t: WalkCase) -> Callable[[], object]:
    course = t.course()
    return lambda: charting_services.draft_save(
        actor=t.staff(), course=course, data={"sites": [{"point": "LI4"}]}
    )


def _draft_discard(t: WalkCase) -> Callable[[], object]:
    course = t.course()
    charting_services.draft_save(actor=t.staff(), course=course, data={"nrs_before": 5})
    return lambda: charting_services.draft_discard(actor=t.staff(), course=course)


def _portal_sign_in(t: WalkCase) -> Callable[[], object]:
    caches["default"].clear()  # the links' rate limits count in the shared cache
    tokens: list[str] = []

    def keep(token: str, _language: str) -> str:
        tokens.append(token)
        return token

    def sign_in() -> None:
        portal_services.sign_in_links_send(
            email=t.patient.email, client_address="127.0.0.1", make_url=keep
        )
        t.assertIsNotNone(portal_services.sign_in_link_use(token=tokens[0]))

    return sign_in


def _portal_session_touch_and_end(t: WalkCase) -> Callable[[], object]:
    session, key = portal_services.session_start(patient=t.patient)

    def touch_and_end() -> None:
        later = timezone.now() + dt.timedelta(minutes=5)
        with mock.patch("django.utils.timezone.now", return_value=later):
            found = portal_services.session_for_key(key)
        t.assertIsNotNone(found)
        portal_services.session_end(session=session)

    return touch_and_end


def _reminder_worker(t: WalkCase) -> Callable[[], object]:
    appointment = t.book(t.patient)
    reminder = Reminder.objects.filter(appointment=appointment).first()
    t.assertIsNotNone(reminder)
    assert reminder is not None

    def send() -> None:
        later = reminder.due_at + dt.timedelta(minutes=1)
        sent = scheduling_reminders.reminder_send(reminder_id=reminder.pk, now=later)
        t.assertEqual(sent, "sent")

    return send


UNAUDITED_BY_DESIGN: dict[str, Callable[[WalkCase], Callable[[], object]]] = {
    "charting.draft_save": _draft_save,
    "charting.draft_discard": _draft_discard,
    "portal sign-in link sent and used": _portal_sign_in,
    "portal session seen and ended": _portal_session_touch_and_end,
    "reminder worker sends a reminder": _reminder_worker,
}


class UnauditedByDesignTests(WalkCase):
    """Writes without a write audit row change only the models NOT_RECORD lists."""

    def test_they_change_no_record_data(self) -> None:
        for name, prepare in UNAUDITED_BY_DESIGN.items():
            with self.subTest(name), transaction.atomic():
                run = prepare(self)
                state = record_state()
                with self.captureOnCommitCallbacks(execute=True):
                    run()
                self.assertEqual(record_state(), state, f"{name} changed record data unaudited")
                transaction.set_rollback(True)


# -- completeness guards ---------------------------------------------------------------

# Writers the scan finds that write no patient's data, and why.
NOT_PATIENT_DATA = {
    "acuflow.core.access.get_for_actor": "the audited read of the access helper; its action "
    "is the caller's `audit`, which test_no_access_read_is_audited_as_a_write checks",
    f"{P}.gp_create": "the clinic's GP directory (a patient's GP is set by patient_update)",
    "acuflow.protocols.services.protocol_copy": "the clinic's protocol library; a course "
    "copies its numbers at its start",
    "acuflow.protocols.services.protocol_update": "the clinic's protocol library; running "
    "courses keep the numbers they started with",
    "acuflow.outcomes.services.instrument_text_load": "the clinic's licensed questionnaire text",
    "acuflow.info.services.article_save": "the clinic's patient-information articles",
    f"{S}.settings.working_hours_set": "a practitioner's working hours",
    f"{S}.settings.schedule_exception_add": "a practitioner's absence or extra hours",
    f"{S}.settings.appointment_type_update": "the clinic's appointment types",
    f"{S}.settings.schedule_settings_update": "the clinic's scheduling settings",
    f"{S}.settings.holiday_add": "the clinic's closing days",
    f"{S}.settings.holiday_delete": "the clinic's closing days",
}

AUDIT_WRITERS = {"audit_record", "insert_chained"}
NOT_WRITE_ACTIONS = {a for a in Action.values if a not in WRITE_ACTIONS}


def _actions(node: ast.expr) -> set[str] | None:
    """The actions an `action=` expression can be, or None when the scan cannot tell
    (a variable): `Action.X`, string constants, and conditionals of them."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.value.id == "Action":
            return {node.attr.lower()}
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _actions(node.body), _actions(node.orelse)
        return None if body is None or orelse is None else body | orelse
    return None


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def audit_writers(source: str, module: str) -> set[str]:
    """The functions of `source` (as module.function, nested ones module.outer.inner) that
    write an audit row with a write action, or with an action the scan cannot read."""
    found: set[str] = set()

    def visit(node: ast.AST, scope: list[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(child, [*scope, child.name])
                continue
            if isinstance(child, ast.Call) and _called(child) in AUDIT_WRITERS:
                action = next((k.value for k in child.keywords if k.arg == "action"), None)
                actions = _actions(action) if action is not None else None
                if actions is None or actions - NOT_WRITE_ACTIONS:
                    found.add(".".join([module, *scope]))
            visit(child, scope)

    visit(ast.parse(source), [])
    return found


def product_modules() -> Iterator[tuple[str, str]]:
    """(module, source) of every product module; the audit app (the writer itself),
    tests, migrations and the data generator (it writes a database from nothing) left
    out."""
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {"audit", "datagen"} or "tests" in parts or "migrations" in parts:
            continue
        module = ".".join(["acuflow", *parts]).removesuffix(".py").removesuffix(".__init__")
        yield module, path.read_text()


class CompletenessTests(AcuflowTestCase):
    def test_every_writer_is_walked_or_exempted(self) -> None:
        found: set[str] = set()
        for module, source in product_modules():
            found |= audit_writers(source, module)
        walked = {name for entry in WALK for name in entry.covers}
        self.assertEqual(
            sorted(found - walked - set(NOT_PATIENT_DATA)),
            [],
            "writers neither walked in WALK nor listed in NOT_PATIENT_DATA with a reason",
        )
        self.assertEqual(
            sorted((walked | set(NOT_PATIENT_DATA)) - found),
            [],
            "WALK covers or NOT_PATIENT_DATA names a writer the scan does not find",
        )
        self.assertFalse(walked & set(NOT_PATIENT_DATA), "walked and exempted at once")

    def test_the_scan_finds_writes_and_passes_reads(self) -> None:
        source = textwrap.dedent(
            """
            def reads(actor):
                audit_record(actor=actor, action=Action.READ, patient=None)
                audit_record(actor=actor, action="export", patient=None)

            def writes(actor, created):
                audit_record(actor=actor, action=Action.CREATE if created else Action.READ)

            class Service:
                def change(self, actor):
                    def inner():
                        services.audit_record(actor=actor, action="delete", patient=None)
                    inner()

            def unknown(actor, action):
                audit_record(actor=actor, action=action, patient=None)

            def chained(rows):
                insert_chained(rows)
            """
        )
        self.assertEqual(
            audit_writers(source, "m"),
            {"m.writes", "m.Service.change.inner", "m.unknown", "m.chained"},
        )

    def test_no_access_read_is_audited_as_a_write(self) -> None:
        """get_for_actor writes its row with the caller's `audit=`: none is a write."""
        for module, source in product_modules():
            for node in ast.walk(ast.parse(source)):
                if not isinstance(node, ast.Call):
                    continue
                for keyword in node.keywords:
                    if keyword.arg != "audit":
                        continue
                    actions = _actions(keyword.value) or set()
                    self.assertFalse(actions & set(WRITE_ACTIONS), f"{module}: audit={actions}")

    def test_the_exempt_models_lead_to_a_patient(self) -> None:
        bound = patient_models()
        self.assertEqual(sorted(set(NOT_RECORD) - set(bound)), [], "stale NOT_RECORD entries")
        # The record state covers what the outcome page's part shows.
        for label in ["charting.session", "outcomes.response", "protocols.course"]:
            self.assertIn(label, bound)
            self.assertNotIn(label, NOT_RECORD)
        self.assertIn("appointment__patient", bound["scheduling.reminder"][1])
        self.assertIn("assessment__patient", bound["assessment.referral"][1])

    def test_the_record_state_sees_a_write_without_signals(self) -> None:
        """A bare update() (no signal, no audit row) changes the patient's state."""
        course = make_course(self.actor(self.practitioner), self.patient)
        before = record_state()
        Course.objects.filter(pk=course.pk).update(close_note="changed behind the services")
        after = record_state()
        self.assertNotEqual(before[self.patient.pk], after[self.patient.pk])
        self.assertEqual(before.get(self.other_patient.pk), after.get(self.other_patient.pk))


# -- end to end: the outcome page ------------------------------------------------------


class CourseOutcomePageTests(AcuflowTestCase):
    def setUp(self) -> None:
        super().setUp()
        caches[sections.CACHE].clear()
        self.course = make_course(self.actor(self.practitioner), self.patient)
        self.page = self.client_for(self.practitioner)
        self.url = reverse("outcomes:course", args=[self.course.pk])

    def render(self) -> str:
        answer = self.page.get(self.url)
        self.assertEqual(answer.status_code, 200)
        return answer.content.decode()

    def test_a_session_written_after_a_render_shows_on_the_next(self) -> None:
        row = "<td>3</td><td>1</td></tr>"  # the session's NRS before and after
        with mock.patch.object(
            outcome_selectors, "course_outcomes", wraps=outcome_selectors.course_outcomes
        ) as built:
            first = self.render()
            self.assertNotIn(row, first)
            mark = sections.write_mark(self.patient.pk)
            charting_services.session_create(
                actor=self.actor(self.practitioner),
                course=self.course,
                started_at=timezone.now(),
                **{**SESSION, "nrs_before": 3, "nrs_after": 1},
            )
            self.assertNotEqual(sections.write_mark(self.patient.pk), mark)
            second = self.render()
        self.assertIn(row, second)
        self.assertEqual(built.call_count, 2)

    def test_a_second_render_without_a_write_does_not_build_again(self) -> None:
        with mock.patch.object(
            outcome_selectors, "course_outcomes", wraps=outcome_selectors.course_outcomes
        ) as built:
            first = self.render()
            second = self.render()  # audits a read: reads leave the mark
        self.assertEqual(built.call_count, 1)
        for page in (first, second):
            self.assertIn("<svg", page)  # the chart, from the part either way
