from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.models import Practitioner
from acuflow.core.forms import BoundedForm, BoundedModelForm
from acuflow.core.languages import LANGUAGES
from acuflow.protocols.models import CLOSED_STATES, Protocol

LANGS = LANGUAGES  # (code, name) from the one list


class CourseForm(BoundedForm):
    protocol = forms.ModelChoiceField(label=_("Protocol"), queryset=Protocol.objects.none())
    practitioner = forms.ModelChoiceField(
        label=_("Practitioner"), queryset=Practitioner.objects.none()
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, protocols: Any, practitioners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol"].queryset = protocols  # type: ignore[attr-defined]
        self.fields["protocol"].label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{p.label()} ({_('clinic copy') if p.clinic_id else _('default')})"
        )
        self.fields["practitioner"].queryset = practitioners  # type: ignore[attr-defined]
        self.fields["practitioner"].label_from_instance = lambda p: p.user.full_name  # type: ignore[attr-defined]


class CourseCloseForm(BoundedForm):
    state = forms.ChoiceField(
        label=_("Close the course as"),
        choices=[(s.value, s.label) for s in CLOSED_STATES],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


SOURCE_KINDS = ("research", "clinic", "default")


class ThresholdsForm(BoundedForm):
    """A clinic's responder thresholds (the outcome model's numbers)."""

    minimal_pct = forms.IntegerField(label=_("Minimal improvement (%)"), min_value=1, max_value=100)
    moderate_pct = forms.IntegerField(
        label=_("Moderate improvement (%)"), min_value=1, max_value=100
    )
    substantial_pct = forms.IntegerField(
        label=_("Substantial improvement (%)"), min_value=1, max_value=100
    )
    important_points = forms.IntegerField(
        label=_("An important change is also at least (NRS points)"), min_value=1, max_value=10
    )
    worse_points = forms.IntegerField(
        label=_("Worse: pain rises by (NRS points)"), min_value=1, max_value=10
    )
    worse_pct = forms.IntegerField(label=_("Worse: or by (%)"), min_value=1, max_value=100)
    assessable_from = forms.IntegerField(
        label=_("Lowest baseline the pain score can judge (NRS)"), min_value=1, max_value=10
    )
    note = forms.CharField(
        label=_("Why your clinic uses these numbers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProtocolForm(BoundedModelForm):
    """Edit a clinic copy. Texts per language are separate fields; sources one per line
    as 'citation | what it supports'; the point set as codes separated by spaces."""

    sources_text = forms.CharField(
        label=_("Sources"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: citation | what it supports | kind (research, clinic or default). "
            "Without a kind a source counts as a clinic's experience, never as research."
        ),
    )
    point_set_text = forms.CharField(
        label=_("Point set"),
        required=False,
        help_text=_("Point codes or segments separated by spaces, e.g. BL23 BL25 GV4 or L4 L5."),
    )

    class Meta:
        model = Protocol
        fields = [
            "cadence_days",
            "cadence_max_days",
            "expected_sessions",
            "onset_session",
            "lasting_session",
            "review_session",
            "max_sessions",
            "single_session_onset_days",
            "onset_days",
            "review_days",
            "other_instrument",
            "notes",
            "active",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        p = self.instance
        for code, language in LANGS:
            for field, label in (
                ("name", _("Name")),
                ("home_care", _("Home-care advice")),
                ("expectations", _("What the patient can expect")),
            ):
                name = f"{field}_{code}"
                self.fields[name] = forms.CharField(
                    label=f"{label} ({language})",
                    required=field == "name" and code == "en",
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 2}) if field != "name" else None,
                    initial=(getattr(p, field) or {}).get(code, ""),
                )
        self.fields["sources_text"].initial = "\n".join(
            " | ".join((s.get("citation", ""), s.get("supports", ""), s.get("kind", "research")))
            for s in p.sources
        )
        self.fields["point_set_text"].initial = " ".join(p.point_set)

    def clean_sources_text(self) -> list[dict[str, str]]:
        sources = []
        for line in self.cleaned_data["sources_text"].splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            citation, supports = parts[0], parts[1] if len(parts) > 1 else ""
            kind = parts[2] if len(parts) > 2 and parts[2] in SOURCE_KINDS else "clinic"
            sources.append({"citation": citation, "supports": supports, "kind": kind})
        if not sources:
            raise forms.ValidationError(_("Every protocol names at least one source."))
        return sources

    def clean_point_set_text(self) -> list[str]:
        return list(dict.fromkeys(self.cleaned_data["point_set_text"].replace(",", " ").split()))

    def changes(self) -> dict[str, Any]:
        data: dict[str, Any] = {f: self.cleaned_data[f] for f in self.Meta.fields}
        for field in ("name", "home_care", "expectations"):
            data[field] = {
                code: self.cleaned_data[f"{field}_{code}"]
                for code, _language in LANGS
                if self.cleaned_data[f"{field}_{code}"]
            }
        data["sources"] = self.cleaned_data["sources_text"]
        data["point_set"] = self.cleaned_data["point_set_text"]
        data["notes"] = data["notes"] or ""
        return data
