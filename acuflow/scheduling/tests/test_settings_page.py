"""The owner's scheduling settings page (settings form, holidays), the admin for the
scheduling configuration, and absolute links in emails from SITE_URL."""

from __future__ import annotations

import datetime as dt
import os
from unittest import mock

from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase
from acuflow.scheduling.models import Holiday, ScheduleSettings
from acuflow.scheduling.selectors import schedule_settings

SETTINGS = {
    "form": "settings",
    "reminder_hours_before": "48",
    "late_cancel_hours": "12",
    "slot_step_minutes": "30",
    "online_days_ahead": "90",
    "offer_hours": "6",
    # online_booking unchecked: closed
}
CHRISTMAS = dt.date(2030, 12, 25)


class SettingsPageTests(AcuflowTestCase):
    url = "/calendar/settings/"

    def test_owner_changes_the_settings_and_the_change_is_audited(self) -> None:
        client = self.client_for(self.owner)
        self.assertEqual(client.get(self.url).status_code, 200)
        response = client.post(self.url, SETTINGS)
        self.assertRedirects(response, self.url)
        found = ScheduleSettings.objects.get(clinic=self.clinic)
        self.assertEqual(
            (
                found.reminder_hours_before,
                found.late_cancel_hours,
                found.slot_step_minutes,
                found.online_booking,
                found.online_days_ahead,
                found.offer_hours,
            ),
            (48, 12, 30, False, 90, 6),
        )
        event = AuditEvent.objects.filter(object_type="scheduling.schedulesettings").get()
        self.assertEqual((event.action, event.user), ("update", self.owner))

    def test_out_of_range_values_are_refused_and_nothing_changes(self) -> None:
        before = schedule_settings(self.clinic).reminder_hours_before
        for field, value in (("reminder_hours_before", "0"), ("slot_step_minutes", "61")):
            with self.subTest(field=field):
                response = self.client_for(self.owner).post(self.url, {**SETTINGS, field: value})
                self.assertEqual(response.status_code, 422)
                self.assertTrue(response.context["settings_form"].errors[field])
        self.assertEqual(schedule_settings(self.clinic).reminder_hours_before, before)

    def test_only_the_owner_may_open_or_change_the_settings(self) -> None:
        for user in (self.practitioner, self.reception):
            with self.subTest(user=user.email):
                client = self.client_for(user)
                self.assertEqual(client.get(self.url).status_code, 403)
                self.assertEqual(client.post(self.url, SETTINGS).status_code, 403)
        self.assertEqual(schedule_settings(self.clinic).reminder_hours_before, 24)

    def test_owner_adds_and_removes_a_holiday_and_both_are_audited(self) -> None:
        client = self.client_for(self.owner)
        data = {"form": "holiday", "holiday-date": str(CHRISTMAS), "holiday-name": "Christmas"}
        self.assertRedirects(client.post(self.url, data), self.url)
        holiday = Holiday.objects.get(clinic=self.clinic)
        self.assertEqual((holiday.date, holiday.name), (CHRISTMAS, "Christmas"))
        self.assertContains(client.get(self.url), "Christmas")
        again = client.post(self.url, data)  # the same date twice
        self.assertEqual(again.status_code, 422)
        self.assertEqual(Holiday.objects.count(), 1)
        delete = f"/calendar/settings/holidays/{holiday.pk}/delete/"
        self.assertRedirects(client.post(delete), self.url)
        self.assertFalse(Holiday.objects.exists())
        actions = AuditEvent.objects.filter(object_type="scheduling.holiday").values_list(
            "action", flat=True
        )
        self.assertEqual(sorted(actions), ["create", "delete"])

    def test_a_holiday_closes_the_day_for_availability(self) -> None:
        from acuflow.scheduling.tests.helpers import next_weekday, weekday_hours

        acu = self.practitioner.practitioner
        weekday_hours(acu)
        monday = next_weekday(0)
        query = {
            "practitioner": acu.pk,
            "from": str(monday),
            "to": str(monday),
            "type": "follow_up",
        }
        self.assertTrue(self.api(self.owner, "GET", "/api/v1/availability", query).json())
        self.client_for(self.owner).post(
            self.url, {"form": "holiday", "holiday-date": str(monday), "holiday-name": "Closed"}
        )
        self.assertEqual(self.api(self.owner, "GET", "/api/v1/availability", query).json(), [])

    def test_another_clinics_holiday_is_404_and_reception_may_not_delete(self) -> None:
        holiday = Holiday.objects.create(clinic=self.clinic, date=CHRISTMAS, name="Christmas")
        delete = f"/calendar/settings/holidays/{holiday.pk}/delete/"
        self.assertEqual(self.client_for(self.other).post(delete).status_code, 404)
        self.assertEqual(self.client_for(self.reception).post(delete).status_code, 403)
        self.assertTrue(Holiday.objects.filter(pk=holiday.pk).exists())


class SchedulingAdminTests(AcuflowTestCase):
    def setUp(self) -> None:
        self.owner.is_staff = True
        self.owner.save(update_fields=["is_staff"])
        self.mine = Holiday.objects.create(clinic=self.clinic, date=CHRISTMAS, name="Kerst")
        self.theirs = Holiday.objects.create(
            clinic=self.other_clinic, date=CHRISTMAS, name="Juledag"
        )

    def test_owner_sees_only_the_own_clinics_holidays_and_settings(self) -> None:
        client = self.client_for(self.owner)
        page = client.get("/admin/scheduling/holiday/")
        self.assertContains(page, "Kerst")
        self.assertNotContains(page, "Juledag")
        other = client.get(f"/admin/scheduling/holiday/{self.theirs.pk}/change/")
        self.assertNotEqual(other.status_code, 200)
        self.assertEqual(client.get("/admin/scheduling/schedulesettings/").status_code, 200)

    def test_owner_cannot_file_a_holiday_under_another_clinic(self) -> None:
        client = self.client_for(self.owner)
        form = client.get("/admin/scheduling/holiday/add/")
        choices = form.context["adminform"].form.fields["clinic"].queryset
        self.assertEqual(list(choices), [self.clinic])
        client.post(
            "/admin/scheduling/holiday/add/",
            {"clinic": self.other_clinic.pk, "date": "2030-12-26", "name": "Boxing day"},
        )
        self.assertFalse(Holiday.objects.filter(name="Boxing day").exists())


class SiteUrlTests(AcuflowTestCase):
    @override_settings(SITE_URL="https://clinic.example")
    def test_waitlist_offer_email_carries_an_absolute_link_under_site_url(self) -> None:
        from acuflow.scheduling.channels import send_offer
        from acuflow.scheduling.models import WaitlistEntry, WaitlistOffer
        from acuflow.scheduling.selectors import appointment_type_by_code

        entry = WaitlistEntry.objects.create(
            clinic=self.clinic,
            patient=self.patient,
            practitioner=self.practitioner.practitioner,
            type=appointment_type_by_code(self.clinic, "follow_up"),
            earliest=dt.date.today(),
            latest=dt.date.today() + dt.timedelta(days=30),
        )
        start = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        offer = WaitlistOffer.objects.create(
            entry=entry, start=start, expires_at=start - dt.timedelta(hours=1)
        )
        send_offer(offer.pk)
        self.assertIn(f"https://clinic.example/nl/book/offer/{offer.token}/", mail.outbox[0].body)

    @override_settings(SITE_URL="https://clinic.example")
    def test_portal_sign_in_link_without_a_request_uses_site_url(self) -> None:
        from acuflow.portal.services import site_sign_in_url

        self.assertRegex(
            site_sign_in_url("TOKEN", "nb"), r"^https://clinic\.example/nb/portal/.*TOKEN"
        )

    def test_site_url_must_be_http_or_https_without_a_trailing_slash(self) -> None:
        from acuflow.settings import envurl

        for good in ("http://127.0.0.1:8000", "https://clinic.example", "https://a.example/x"):
            with mock.patch.dict(os.environ, {"SITE_URL": good}):
                self.assertEqual(envurl("SITE_URL", "http://127.0.0.1:8000"), good)
        for bad in (
            "clinic.example",
            "ftp://clinic.example",
            "https://clinic.example/",
            "https://",
            " ",
        ):
            with self.subTest(bad=bad), mock.patch.dict(os.environ, {"SITE_URL": bad}):
                with self.assertRaises(ImproperlyConfigured):
                    envurl("SITE_URL", "http://127.0.0.1:8000")
        with mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop("SITE_URL", None)
            self.assertEqual(envurl("SITE_URL", "http://127.0.0.1:8000"), "http://127.0.0.1:8000")
