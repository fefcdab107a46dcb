from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from acuflow.core.forms import BoundedForm


class ContactForm(BoundedForm):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    message = forms.CharField(
        label=_("Your question"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Please do not send medical details you would not want in an email."),
    )
    # Honeypot: hidden from people, filled in by form-filling robots.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean(self) -> dict:  # type: ignore[type-arg]
        data = super().clean() or {}
        if not data.get("email") and not data.get("phone"):
            raise forms.ValidationError(
                _("Leave an email address or a phone number so we can answer.")
            )
        return data

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website"))
