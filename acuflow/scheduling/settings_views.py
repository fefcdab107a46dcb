"""Owner pages for the clinic's scheduling settings (reminders, late cancellation, slot
grid, online booking, waitlist offers) and its holidays."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from acuflow.accounts.decorators import staff_view
from acuflow.scheduling import forms, selectors, services
from acuflow.scheduling.models import Holiday


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@staff_view(owner=True)
def schedule_settings(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    current = selectors.schedule_settings(actor.clinic)
    settings_form = forms.ScheduleSettingsForm(
        request.POST if request.POST.get("form") == "settings" else None, instance=current
    )
    holiday_form = forms.HolidayForm(
        request.POST if request.POST.get("form") == "holiday" else None,
        prefix="holiday",
    )
    if request.method == "POST":
        if settings_form.is_bound and settings_form.is_valid():
            try:
                services.schedule_settings_update(
                    actor=actor,
                    data={f: settings_form.cleaned_data[f] for f in settings_form.changed_data},
                )
            except ValidationError as exc:
                _add_errors(settings_form, exc)
            else:
                messages.success(request, _("Scheduling settings saved."))
                return redirect("scheduling:settings")
        elif holiday_form.is_bound and holiday_form.is_valid():
            try:
                services.holiday_add(
                    actor=actor,
                    date=holiday_form.cleaned_data["date"],
                    name=holiday_form.cleaned_data["name"],
                )
            except ValidationError as exc:
                _add_errors(holiday_form, exc)
            else:
                messages.success(request, _("Holiday added."))
                return redirect("scheduling:settings")
    holidays = Holiday.objects.filter(clinic=actor.clinic).order_by("date")
    invalid = settings_form.is_bound or holiday_form.is_bound
    return render(
        request,
        "scheduling/settings.html",
        {"settings_form": settings_form, "holiday_form": holiday_form, "holidays": holidays},
        status=422 if request.method == "POST" and invalid else 200,
    )


@staff_view()
def holiday_delete(request: HttpRequest, holiday_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    holiday = Holiday.objects.filter(pk=holiday_id, clinic=actor.clinic).first()
    if holiday is None:
        raise Http404("holiday not found")
    actor.require_owner()  # after the lookup: another clinic's holiday is 404, not 403
    if request.method != "POST":
        return redirect("scheduling:settings")
    services.holiday_delete(actor=actor, holiday=holiday)
    messages.success(request, _("Holiday removed."))
    return redirect("scheduling:settings")
