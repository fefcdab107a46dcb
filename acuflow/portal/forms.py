from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from acuflow.core.forms import BoundedForm


class LinkRequestForm(BoundedForm):
    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("The address your clinic has on file for you."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PasswordSignInForm(BoundedForm):
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SetPasswordForm(BoundedForm):
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        min_length=10,
        help_text=_("At least 10 characters. You can always sign in with an emailed link instead."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:  # type: ignore[type-arg]
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("confirm"):
            self.add_error("confirm", _("The two passwords are not the same."))
        return data
