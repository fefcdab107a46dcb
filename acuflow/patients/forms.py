from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from acuflow.core.forms import LanguageField
from acuflow.patients.models import Consent, Patient
from acuflow.patients.services import PATIENT_FIELDS


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = list(PATIENT_FIELDS)  # the fields the patient services may change
        field_classes = {"language": LanguageField}
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_birth_date(self) -> dt.date:
        value = self.cleaned_data["birth_date"]
        if not (dt.date(1900, 1, 1) <= value <= dt.date.today()):
            raise forms.ValidationError(_("Enter a birth date between 1900 and today."))
        return value


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["kind", "given", "note"]
