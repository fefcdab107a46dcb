from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.models import Location, Practitioner
from acuflow.core.forms import BoundedForm, BoundedModelForm
from acuflow.core.languages import LANGUAGES, language_codes
from acuflow.patients.models import Sex
from acuflow.scheduling import selectors
from acuflow.scheduling.models import (
    AppointmentType,
    ScheduleException,
    ScheduleSettings,
    WorkingHours,
)
from acuflow.scheduling.services import SETTINGS_FIELDS

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class PractitionerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.user.full_name


def _practitioners(clinic: Any) -> Any:
    return Practitioner.objects.filter(clinic=clinic).select_related("user")


class InstantField(forms.CharField):
    """An ISO 8601 instant with offset (slot radios carry these)."""

    def to_python(self, value: Any) -> dt.datetime | None:  # type: ignore[override]
        value = super().to_python(value)
        if not value:
            return None
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(_("Choose a time."))
        if timezone.is_naive(parsed):
            raise forms.ValidationError(_("Choose a time."))
        return parsed


class WallClockField(forms.DateTimeField):
    """A date and time as typed, without a zone: the view reads it as the clinic's wall
    clock with `acuflow.core.timezones.local_datetime`, which refuses a time that a
    daylight-saving change skips or repeats (Django's own conversion would read it in
    the active zone with a message of its own)."""

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return timezone.make_naive(value) if timezone.is_aware(value) else value
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        parsed: dt.datetime | None = forms.fields.BaseTemporalField.to_python(self, value)
        return parsed


class MoveForm(BoundedForm):
    start = WallClockField(
        label=_("New start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    practitioner = PractitionerChoice(queryset=Practitioner.objects.none(), required=False)

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = _practitioners(clinic)  # type: ignore[attr-defined]
        self.fields["practitioner"].label = _("Practitioner")

    def clean_start(self) -> dt.datetime:
        # Wall-clock time in the clinic's zone: the view turns it into an instant.
        value: dt.datetime = self.cleaned_data["start"]
        return value


class CancelForm(BoundedForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    late_cancel = forms.ChoiceField(
        label=_("Late cancellation"),
        choices=[
            ("auto", _("By the clinic's rule")),
            ("yes", _("Yes")),
            ("no", _("No")),
        ],
        initial="auto",
    )


class SlotQueryForm(BoundedForm):
    type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(), label=_("Type"))
    practitioner = PractitionerChoice(queryset=Practitioner.objects.none(), label=_("Practitioner"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = selectors.appointment_types(clinic)  # type: ignore[attr-defined]
        self.fields["practitioner"].queryset = _practitioners(clinic)  # type: ignore[attr-defined]


class BookForm(SlotQueryForm):
    slot = InstantField(label=_("Time"), widget=forms.HiddenInput, required=True)
    note = forms.CharField(label=_("Note for reception"), max_length=300, required=False)


class WeeklyHoursForm(BoundedForm):
    """One working window per weekday (the common case); empty times = not working."""

    def __init__(
        self, *args: Any, locations: list[Location], current: list[WorkingHours], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        by_day = {w.weekday: w for w in current}
        choices = [(str(loc.pk), loc.name) for loc in locations]
        for day, label in enumerate(WEEKDAYS):
            now = by_day.get(day)
            self.fields[f"start_{day}"] = forms.TimeField(
                label=label,
                required=False,
                initial=now.start if now else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"end_{day}"] = forms.TimeField(
                label=_("until"),
                required=False,
                initial=now.end if now else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"location_{day}"] = forms.ChoiceField(
                label=_("Location"),
                choices=choices,
                initial=str(now.location_id) if now else (choices[0][0] if choices else None),
            )

    def days(self) -> list[tuple[str, Any, Any, Any]]:
        return [
            (
                str(label),
                self[f"start_{day}"],
                self[f"end_{day}"],
                self[f"location_{day}"],
            )
            for day, label in enumerate(WEEKDAYS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day in range(7):
            start, end = data.get(f"start_{day}"), data.get(f"end_{day}")
            if (start is None) != (end is None):
                self.add_error(f"end_{day}", _("Give both times or neither."))
            elif start is not None and end is not None and end <= start:
                self.add_error(f"end_{day}", _("The end must be after the start."))
        return data

    def rows(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "weekday": day,
                "start": data[f"start_{day}"],
                "end": data[f"end_{day}"],
                "location_id": int(data[f"location_{day}"]),
            }
            for day in range(7)
            if data.get(f"start_{day}") is not None
        ]


class ExceptionForm(BoundedModelForm):
    class Meta:
        model = ScheduleException
        fields = ["date", "kind", "start", "end", "location", "note"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "start": forms.TimeInput(attrs={"type": "time"}),
            "end": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args: Any, locations: list[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(  # type: ignore[attr-defined]
            pk__in=[loc.pk for loc in locations]
        )

    def _post_clean(self) -> None:
        pass  # the service validates the complete object (with its practitioner)


class TypeForm(BoundedModelForm):
    """The type's settings and its name in every language (`name_nl`, `name_en`, ...)."""

    class Meta:
        model = AppointmentType
        fields = ["duration_minutes", "buffer_minutes", "online", "needs_session", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = self.instance.names or {}
        for code, language in LANGUAGES:
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name (%(language)s)") % {"language": language},
                max_length=100,
                required=False,
                initial=names.get(code, "") or self.instance.name,
            )
        # the names first, as on the page before
        self.order_fields([f"name_{code}" for code in language_codes()])

    def changed_values(self) -> dict[str, Any]:
        """What the service updates: the changed settings and, if one changed, the names."""
        data = {f: self.cleaned_data[f] for f in self.changed_data if not f.startswith("name_")}
        if any(f.startswith("name_") for f in self.changed_data):
            data["names"] = {
                code: self.cleaned_data[f"name_{code}"].strip()
                for code in language_codes()
                if self.cleaned_data[f"name_{code}"].strip()
            }
        return data


class WaitlistForm(BoundedForm):
    practitioner = PractitionerChoice(queryset=Practitioner.objects.none(), label=_("Practitioner"))
    type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(), label=_("Type"))
    earliest = forms.DateField(label=_("From date"), widget=forms.DateInput(attrs={"type": "date"}))
    latest = forms.DateField(label=_("Until date"), widget=forms.DateInput(attrs={"type": "date"}))
    day_start = forms.TimeField(
        label=_("Not before"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    day_end = forms.TimeField(
        label=_("Not after"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = _practitioners(clinic)  # type: ignore[attr-defined]
        self.fields["type"].queryset = selectors.appointment_types(clinic)  # type: ignore[attr-defined]


YES_NO = [("no", _("No")), ("yes", _("Yes"))]

# Red flags (refer before treating) in plain words; see docs/clinical-sources.md. One "yes"
# turns an online booking into a call-back from the clinic.
RED_FLAG_QUESTIONS = [
    (
        "bladder_bowel",
        _(
            "Since the pain started, have you had trouble holding or passing urine or "
            "stools, or numbness between your legs or around your bottom?"
        ),
    ),
    ("leg_weakness", _("Are your legs getting weaker, or is walking getting harder?")),
    ("cancer_weight", _("Have you ever had cancer, or lost weight lately without trying?")),
    (
        "fever",
        _(
            "Do you have a fever or chills, or an illness or medicine that weakens your "
            "immune system?"
        ),
    ),
    (
        "injury",
        _(
            "Did the pain start after a fall or accident, or do you have weak bones "
            "(osteoporosis) or take steroid tablets?"
        ),
    ),
    ("night_pain", _("Does the pain wake you at night and stay, whatever position you lie in?")),
]

# Which red flag of the staff screen (assessment/data/red_flags.json) each plain-words
# question asks about: a "yes" is offered as that flag on the patient's next screen.
RED_FLAG_CODES = {
    "bladder_bowel": "cauda_equina",
    "leg_weakness": "cauda_equina",
    "cancer_weight": "malignancy",
    "fever": "infection",
    "injury": "fracture",
    "night_pain": "malignancy",
}

ONSET = [
    ("acute", _("Less than 6 weeks")),
    ("subacute", _("6 to 12 weeks")),
    ("chronic", _("More than 12 weeks")),
]


class OnlineBookingForm(BoundedForm):
    type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(), label=_("Kind of visit"))
    practitioner = PractitionerChoice(
        queryset=Practitioner.objects.none(),
        label=_("Practitioner"),
        required=False,
        empty_label=_("No preference"),
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    slot = forms.CharField(label=_("Time"), max_length=80)
    given_name = forms.CharField(label=_("First name"), max_length=100)
    family_name = forms.CharField(label=_("Last name"), max_length=100)
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    email = forms.EmailField(label=_("Email"))
    phone = forms.RegexField(label=_("Phone"), regex=r"^\+?[0-9 ()\-]{6,20}$", max_length=32)
    complaint = forms.CharField(
        label=_("What would you like treatment for?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    onset = forms.ChoiceField(label=_("How long have you had it?"), choices=ONSET)
    # Spam traps: a field people do not see, and the time the form was shown (signed).
    website = forms.CharField(required=False, label=_("Leave this empty"))
    shown = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["type"].queryset = selectors.appointment_types(clinic).filter(online=True)  # type: ignore[attr-defined]
        self.fields["practitioner"].queryset = _practitioners(clinic)  # type: ignore[attr-defined]
        for key, question in RED_FLAG_QUESTIONS:
            self.fields[f"rf_{key}"] = forms.ChoiceField(
                label=question, choices=YES_NO, widget=forms.RadioSelect
            )

    def red_flag_fields(self) -> list[Any]:
        return [self[f"rf_{key}"] for key, _q in RED_FLAG_QUESTIONS]

    def red_flags(self) -> dict[str, bool]:
        return {key: self.cleaned_data.get(f"rf_{key}") == "yes" for key, _q in RED_FLAG_QUESTIONS}

    def clean_birth_date(self) -> dt.date:
        value = self.cleaned_data["birth_date"]
        if not (dt.date(1900, 1, 1) <= value <= dt.date.today()):
            raise forms.ValidationError(_("Enter your date of birth."))
        return value

    def clean_slot(self) -> tuple[dt.datetime, int]:
        """A slot radio carries 'ISO-start|practitioner-id'."""
        raw = self.cleaned_data["slot"]
        try:
            start_text, practitioner_id = raw.split("|", 1)
            start = dt.datetime.fromisoformat(start_text)
            pid = int(practitioner_id)
        except ValueError:
            raise forms.ValidationError(_("Choose a time."))
        if timezone.is_naive(start):
            raise forms.ValidationError(_("Choose a time."))
        return start, pid


class CourseBookForm(BoundedForm):
    time = forms.TimeField(
        label=_("Time of day"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(), label=_("Type"))

    def __init__(self, *args: Any, clinic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = selectors.appointment_types(clinic)  # type: ignore[attr-defined]


class ScheduleSettingsForm(BoundedModelForm):
    class Meta:
        model = ScheduleSettings
        fields = list(SETTINGS_FIELDS)


class HolidayForm(BoundedForm):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
