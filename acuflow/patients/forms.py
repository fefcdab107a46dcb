from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.models import Clinic
from acuflow.core.forms import BoundedModelForm, LanguageField
from acuflow.patients.identifiers import MAX_INPUT, SYSTEM_CHOICES
from acuflow.patients.models import Consent, GeneralPractitioner, Patient
from acuflow.patients.services import GP_FIELDS, PATIENT_FIELDS


class PatientForm(BoundedModelForm):
    # One national identifier per save on the page (the API takes a list); given, it
    # replaces the patient's number of that kind.
    identifier_system = forms.ChoiceField(
        label=_("National identifier"),
        choices=[("", "—"), *SYSTEM_CHOICES],
        required=False,
    )
    identifier_value = forms.CharField(
        label=_("Number"), max_length=MAX_INPUT, required=False, strip=True
    )

    class Meta:
        model = Patient
        fields = list(PATIENT_FIELDS)  # the fields the patient services may change
        field_classes = {"language": LanguageField}
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        gp = self.fields["gp"]
        gp.queryset = GeneralPractitioner.objects.filter(clinic=clinic)  # type: ignore[attr-defined]
        if self.instance.pk:
            recorded = ", ".join(
                f"{i.get_system_display()} {i.masked}" for i in self.instance.identifiers.all()
            )
            if recorded:
                self.fields["identifier_value"].help_text = _(
                    "Recorded: %(numbers)s. A new number replaces the one of its kind."
                ) % {"numbers": recorded}

    def clean_birth_date(self) -> dt.date:
        value = self.cleaned_data["birth_date"]
        if not (dt.date(1900, 1, 1) <= value <= dt.date.today()):
            raise forms.ValidationError(_("Enter a birth date between 1900 and today."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("identifier_system")) != bool(data.get("identifier_value")):
            raise forms.ValidationError(_("Choose the kind of identifier and give its number."))
        return data

    def identifiers(self) -> list[dict[str, str]] | None:
        """The identifier given on the form, as the services take it; None: none given."""
        system = self.cleaned_data.get("identifier_system")
        if not system:
            return None
        return [{"system": system, "value": self.cleaned_data["identifier_value"]}]

    def patient_data(self, fields: list[str] | None = None) -> dict[str, Any]:
        names = fields if fields is not None else list(self.cleaned_data)
        return {f: self.cleaned_data[f] for f in names if f in PATIENT_FIELDS}


class GpForm(BoundedModelForm):
    class Meta:
        model = GeneralPractitioner
        fields = list(GP_FIELDS)
        field_classes = {"language": LanguageField}
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


class ConsentForm(BoundedModelForm):
    class Meta:
        model = Consent
        fields = ["kind", "given", "note"]
