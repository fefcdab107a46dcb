from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from acuflow.assessment import catalogue
from acuflow.assessment.models import ReferralOutcome, ReferralUrgency
from acuflow.core.apps import BLANK_CHOICE_LABEL
from acuflow.core.forms import BoundedForm


class CodesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class AssessmentForm(BoundedForm):
    """The intake. Choices come from the data catalogue in the active language."""

    complaint = forms.CharField(
        label=_("Presenting complaint"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
    )
    body_regions = CodesField(label=_("Body regions"), required=False)
    condition = forms.ChoiceField(label=_("Condition"))
    onset_date = forms.DateField(
        label=_("Onset date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Acute < 6 weeks, subacute 6-12 weeks, chronic > 12 weeks."),
    )
    baseline_nrs = forms.IntegerField(
        label=_("Usual pain over the last week (NRS 0-10)"),
        min_value=0,
        max_value=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    contributing_factors = CodesField(label=_("Contributing factors"), required=False)
    other_care = CodesField(label=_("Current other care"), required=False)
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    gunn_signs = CodesField(label=_("Gunn's signs of neuropathy (IMS)"), required=False)
    affected_segments = forms.CharField(
        label=_("Affected segments (IMS)"),
        required=False,
        max_length=200,
        help_text=_("Spinal segments separated by spaces or commas, e.g. L4 L5 S1."),
    )
    ms_domains = CodesField(label=_("MS symptom domains targeted"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        condition: Any = self.fields["condition"]
        condition.choices = [("", BLANK_CHOICE_LABEL), *catalogue.condition_choices()]
        for name in (
            "body_regions",
            "contributing_factors",
            "other_care",
            "gunn_signs",
            "ms_domains",
        ):
            self.fields[name].choices = catalogue.code_choices(name)  # type: ignore[attr-defined]

    def clean_onset_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["onset_date"]
        if value > dt.date.today():
            raise forms.ValidationError(_("The onset date cannot be in the future."))
        return value

    def clean_affected_segments(self) -> list[str]:
        raw = self.cleaned_data["affected_segments"].replace(",", " ").upper().split()
        unknown = [s for s in raw if s not in catalogue.SEGMENTS]
        if unknown:
            raise forms.ValidationError(
                _("Unknown segment: %(segments)s.") % {"segments": ", ".join(unknown)}
            )
        return list(dict.fromkeys(raw))


class RedFlagForm(BoundedForm):
    red_flags = forms.MultipleChoiceField(
        label=_("Positive red flags"), required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["red_flags"].choices = [  # type: ignore[attr-defined]
            (f["code"], catalogue.text(f["label"])) for f in catalogue.red_flags()
        ]


class ReferralForm(BoundedForm):
    to = forms.CharField(label=_("Referred to"), max_length=200)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=ReferralUrgency.choices,
        initial=ReferralUrgency.URGENT,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_urgency(self) -> str:
        return self.cleaned_data.get("urgency") or ReferralUrgency.URGENT

    def clean_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["date"]
        if value > dt.date.today() + dt.timedelta(days=1):
            raise forms.ValidationError(_("The referral date cannot be in the future."))
        if value < dt.date(1900, 1, 1):
            raise forms.ValidationError(_("Enter a date after 1900."))
        return value


class ReferralOutcomeForm(BoundedForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ReferralOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note (the reply)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
