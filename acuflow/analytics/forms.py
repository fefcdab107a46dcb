"""The filters of the "Our results" page (the API takes the same as query parameters)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.models import Practitioner
from acuflow.analytics.selectors import Filters, pair_protocols, parse_sessions
from acuflow.assessment import catalogue as assessment_catalogue
from acuflow.assessment.models import Chronicity
from acuflow.core.errors import DomainError
from acuflow.core.forms import BoundedForm
from acuflow.protocols.models import Modality, Protocol

COHORTS = [
    ("protocol", _("One protocol")),
    ("condition", _("A condition and modality (all its protocols)")),
]


class FiltersForm(BoundedForm):
    cohort = forms.ChoiceField(
        label=_("Cohort"), choices=COHORTS, required=False, widget=forms.RadioSelect
    )
    protocol = forms.TypedChoiceField(
        label=_("Protocol"), coerce=int, required=False, empty_value=None
    )
    condition = forms.ChoiceField(label=_("Condition"), required=False)
    modality = forms.ChoiceField(
        label=_("Modality"), required=False, choices=[("", "—")] + list(Modality.choices)
    )
    date_from = forms.DateField(
        label=_("Started from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Started until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    chronicity = forms.ChoiceField(
        label=_("Chronicity"),
        required=False,
        choices=[("", _("All"))] + list(Chronicity.choices),
    )
    cadence = forms.ChoiceField(
        label=_("Cadence"),
        required=False,
        choices=[("", _("All")), ("weekly", _("Weekly")), ("two_weekly", _("Every two weeks"))],
    )
    practitioner = forms.TypedChoiceField(
        label=_("Practitioner"), required=False, coerce=int, empty_value=None
    )
    sessions = forms.CharField(
        label=_("Also at sessions"), required=False, max_length=60, help_text=_("e.g. 4, 8")
    )

    def __init__(self, data: Any, *, clinic: Any, owner: bool, initial_protocol: int | None):
        # The page and the API share the names: ?from=&to= (not date_from).
        data = data.copy()
        for short, name in (("from", "date_from"), ("to", "date_to")):
            if short in data and name not in data:
                data[name] = data[short]
        if not data.get("cohort"):
            # The API's names alone say which: ?condition=&modality= without ?protocol=.
            pair = (data.get("condition") or data.get("modality")) and not data.get("protocol")
            data["cohort"] = "condition" if pair else "protocol"
        if not data.get("protocol") and initial_protocol is not None:
            data["protocol"] = str(initial_protocol)
        super().__init__(data)
        self.clinic = clinic
        self.fields["condition"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *assessment_catalogue.condition_choices(),
        ]
        protocols = Protocol.objects.available_to(clinic)
        self.fields["protocol"].choices = [(p.pk, p.label()) for p in protocols]  # type: ignore[attr-defined]
        if owner:
            practitioners = Practitioner.objects.filter(clinic=clinic).select_related("user")
            self.fields["practitioner"].choices = [("", _("All"))] + [  # type: ignore[attr-defined]
                (p.pk, p.user.full_name) for p in practitioners.order_by("user__full_name")
            ]
        else:
            del self.fields["practitioner"]

    def clean_sessions(self) -> tuple[int, ...]:
        try:
            return parse_sessions(self.cleaned_data["sessions"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if data.get("cohort") == "condition":
            for name in ("condition", "modality"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Choose a condition and a modality."))
            if data.get("condition") and data.get("modality"):
                found = pair_protocols(
                    clinic_id=self.clinic.pk,
                    condition=data["condition"],
                    modality=data["modality"],
                )
                if not found.exists():
                    self.add_error("condition", _("No protocol has this condition and modality."))
        elif data.get("protocol") is None and "protocol" not in self.errors:
            self.add_error("protocol", _("Choose a protocol."))
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        pair = data.get("cohort") == "condition"
        return Filters(
            protocol_id=None if pair else data["protocol"],
            condition=data["condition"] if pair else "",
            modality=data["modality"] if pair else "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            chronicity=data.get("chronicity") or "",
            cadence=data.get("cadence") or "",
            practitioner_id=data.get("practitioner"),
            sessions=data.get("sessions") or (),
        )
