from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.admin import ClinicScopedAdmin
from acuflow.core.languages import LANGUAGES, language_codes
from acuflow.public.models import ClinicProfile, ContactMessage, OpeningHours


class ClinicProfileForm(forms.ModelForm):
    """The introduction once per language (stored in `intros`) beside the clinic's own."""

    class Meta:
        model = ClinicProfile
        fields = ["clinic", "published", "intro"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, text in (self.instance.intros or {}).items():
            if f"intro_{code}" in self.fields:
                self.fields[f"intro_{code}"].initial = text

    def save(self, commit: bool = True) -> Any:
        self.instance.intros = {
            code: self.cleaned_data[f"intro_{code}"].strip()
            for code in language_codes()
            if self.cleaned_data[f"intro_{code}"].strip()
        }
        return super().save(commit)


# Declared on the class (the admin builds its form from the declared fields).
for _code, _language in LANGUAGES:
    _field = forms.CharField(
        label=format_lazy(_("Introduction ({language})"), language=_language),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "lang": _code}),
    )
    ClinicProfileForm.base_fields[f"intro_{_code}"] = _field
    ClinicProfileForm.declared_fields[f"intro_{_code}"] = _field


@admin.register(ClinicProfile)
class ClinicProfileAdmin(ClinicScopedAdmin):
    form = ClinicProfileForm
    list_display = ["clinic", "published"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["clinic", "published", "intro", *[f"intro_{c}" for c in language_codes()]]


@admin.register(OpeningHours)
class OpeningHoursAdmin(ClinicScopedAdmin):
    list_display = ["clinic", "weekday", "opens", "closes"]
    list_filter = ["clinic"]


@admin.register(ContactMessage)
class ContactMessageAdmin(ClinicScopedAdmin):
    list_display = ["clinic", "name", "received_at", "handled_at"]
    list_filter = ["clinic"]
