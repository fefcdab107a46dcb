from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.models import Clinic, User
from acuflow.core.forms import BoundedForm, BoundedModelForm, LanguageField


class LoginForm(BoundedForm):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordLinkForm(BoundedForm):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class TokenForm(BoundedForm):
    token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the 6-digit code.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ClinicSettingsForm(BoundedModelForm):
    class Meta:
        model = Clinic
        fields = [
            "name",
            "address",
            "phone",
            "email",
            "whatsapp",
            "language",
            "timezone",
            "require_2fa",
        ]
        field_classes = {"language": LanguageField}

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"]
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Unknown timezone."))
        return value


class ProfileForm(BoundedModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language"]
        field_classes = {"language": LanguageField}


class ApiTokenForm(BoundedForm):
    """Issue an API token. `code` is asked when the user has an authenticator: a token
    is only handed out after a second-factor check made for it."""

    name = forms.CharField(label=_("What it is for"), max_length=100)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=366, initial=90)
    code = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\d{6}$",
        required=False,
        error_messages={"invalid": _("Enter the 6-digit code.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, needs_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if needs_code:
            self.fields["code"].required = True
        else:
            del self.fields["code"]
