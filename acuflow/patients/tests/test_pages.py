from __future__ import annotations

from django.test import Client
from django.urls import reverse

from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase, make_patient
from acuflow.patients.models import Patient


class PatientPageTests(AcuflowTestCase):
    def test_list_searches_and_htmx_gets_rows_only(self) -> None:
        make_patient(self.clinic, "Bram", "Visser")
        client = self.client_for(self.reception)
        page = client.get(reverse("patients:list"), {"q": "visser"})
        self.assertContains(page, "Visser")
        self.assertNotContains(page, "de Jong")
        partial = client.get(reverse("patients:list"), {"q": "visser"}, HTTP_HX_REQUEST="true")
        self.assertContains(partial, "Visser")
        self.assertNotContains(partial, "<html")

    def test_the_dashboard_counts_only_the_clinics_own_patients(self) -> None:
        make_patient(self.clinic, "Bram", "Visser")
        own = Patient.objects.filter(clinic=self.clinic).count()
        page = self.client_for(self.reception).get("/")
        self.assertContains(page, f'<p class="big">{own}</p>', html=True)
        self.assertContains(page, reverse("patients:create"))
        other = Patient.objects.filter(clinic=self.other_clinic).count()
        self.assertNotEqual(own, other)
        self.assertContains(
            self.client_for(self.other).get("/"), f'<p class="big">{other}</p>', html=True
        )

    def test_detail_is_audited(self) -> None:
        reads = AuditEvent.objects.filter(
            patient=self.patient, action="read", object_type="patients.patient"
        )
        before = reads.count()
        response = self.client_for(self.practitioner).get(
            reverse("patients:detail", args=[self.patient.pk])
        )
        self.assertContains(response, "de Jong")
        self.assertEqual(reads.count(), before + 1)
        event = reads.first()
        assert event is not None
        self.assertEqual(
            (event.user, event.channel, event.client_address),
            (self.practitioner, "web", "127.0.0.1"),
        )

    def test_create_with_errors_then_ok(self) -> None:
        client = self.client_for(self.reception)
        response = client.post(
            reverse("patients:create"), {"given_name": "", "birth_date": "2999-01-01"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "errorlist")
        response = client.post(
            reverse("patients:create"),
            {
                "given_name": "Iris",
                "family_name": "Bos",
                "birth_date": "1975-06-01",
                "sex": "female",
                "language": "nl",
            },
        )
        patient = Patient.objects.get(family_name="Bos")
        self.assertRedirects(response, reverse("patients:detail", args=[patient.pk]))

    def test_edit_changes_and_audits(self) -> None:
        client = self.client_for(self.owner)
        data = {
            "given_name": "Anna",
            "family_name": "de Jong-Smit",
            "birth_date": "1970-05-17",
            "sex": "female",
            "language": "nl",
            "email": "",
            "phone": "",
            "address": "",
            "notes": "n",
        }
        response = client.post(reverse("patients:edit", args=[self.patient.pk]), data)
        self.assertEqual(response.status_code, 302)
        self.patient.refresh_from_db()
        self.assertEqual(self.patient.family_name, "de Jong-Smit")
        self.assertTrue(AuditEvent.objects.filter(patient=self.patient, action="update").exists())

    def test_the_form_offers_the_languages_and_refuses_an_unknown_one(self) -> None:
        client = self.client_for(self.owner)
        page = client.get(reverse("patients:edit", args=[self.patient.pk]))
        self.assertContains(page, '<option value="nb">', html=False)
        data = {
            "given_name": "Anna",
            "family_name": "de Jong",
            "birth_date": "1970-05-17",
            "sex": "female",
            "language": "xx",
        }
        response = client.post(reverse("patients:edit", args=[self.patient.pk]), data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("language", response.context["form"].errors)
        self.patient.refresh_from_db()
        self.assertEqual(self.patient.language, "nl")

    def test_the_record_shows_the_language_by_name(self) -> None:
        self.patient.language = "nb"
        self.patient.save(update_fields=["language"])
        page = self.client_for(self.owner).get(reverse("patients:detail", args=[self.patient.pk]))
        self.assertContains(page, "<dd>Noors (Bokmål)</dd>", html=True)  # owner reads Dutch

    def test_pages_follow_accept_language_before_login_and_user_language_after(self) -> None:
        page = Client().get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="nl")
        self.assertContains(page, "Inloggen")
        page = Client().get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="es")
        self.assertContains(page, "Iniciar sesión")
        self.owner.language = "nb"
        self.owner.save()
        page = self.client_for(self.owner).get(reverse("patients:list"), HTTP_ACCEPT_LANGUAGE="es")
        self.assertContains(page, "Pasienter")

    def test_patient_list_queries_do_not_grow(self) -> None:
        client = self.client_for(self.owner)

        def rows(n: int) -> None:
            for i in range(n):
                make_patient(self.clinic, f"Q{i}", "Budget")

        self.assertConstantQueries(rows, lambda: client.get(reverse("patients:list")))


class ConsentAndAuditPageTests(AcuflowTestCase):
    def test_reception_records_consent_and_it_is_audited(self) -> None:
        client = self.client_for(self.reception)
        response = client.post(
            reverse("patients:consent", args=[self.patient.pk]),
            {"kind": "reminders", "given": "on"},
        )
        self.assertRedirects(
            response,
            reverse("patients:detail", args=[self.patient.pk]),
            fetch_redirect_response=False,
        )
        consent = self.patient.consents.get(kind="reminders")
        self.assertTrue(consent.given)
        self.assertEqual(consent.recorded_by, self.reception)
        self.assertTrue(
            AuditEvent.objects.filter(patient=self.patient, object_type="patients.consent").exists()
        )
        bad = client.post(
            reverse("patients:consent", args=[self.patient.pk]), {"kind": "telepathy"}
        )
        self.assertEqual(bad.status_code, 200)
        self.assertContains(bad, "errorlist")

    def test_owner_sees_who_accessed_the_record_and_others_may_not(self) -> None:
        self.client_for(self.practitioner).get(reverse("patients:detail", args=[self.patient.pk]))
        page = self.client_for(self.owner).get(reverse("patients:audit", args=[self.patient.pk]))
        self.assertContains(page, "acupuncturist@nl.example")
        self.assertEqual(
            self.client_for(self.practitioner)
            .get(reverse("patients:audit", args=[self.patient.pk]))
            .status_code,
            403,
        )

    def test_audit_page_queries_do_not_grow(self) -> None:
        client = self.client_for(self.owner)
        reader = self.client_for(self.practitioner)

        def rows(n: int) -> None:
            for _ in range(n):
                reader.get(reverse("patients:detail", args=[self.patient.pk]))

        self.assertConstantQueries(
            rows, lambda: client.get(reverse("patients:audit", args=[self.patient.pk]))
        )
