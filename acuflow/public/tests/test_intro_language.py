from __future__ import annotations

from django.test import Client

from acuflow.core.testing import AcuflowTestCase
from acuflow.public.models import ClinicProfile


class IntroLanguageTests(AcuflowTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        ClinicProfile.objects.create(
            clinic=cls.clinic,
            intro="Eerlijk over wat u mag verwachten.",
            intros={"en": "Honest about what you can expect."},
        )

    def test_the_introduction_is_shown_in_the_pages_language(self) -> None:
        page = Client().get(f"/en/clinic/{self.clinic.slug}/").content.decode()
        self.assertIn('<p class="lead" lang="en">Honest about what you can expect.</p>', page)
        self.assertNotIn("Eerlijk", page)

    def test_without_one_the_clinics_own_shows_marked_with_its_language(self) -> None:
        page = Client().get(f"/es/clinic/{self.clinic.slug}/").content.decode()
        self.assertIn('<p class="lead" lang="nl">Eerlijk over wat u mag verwachten.</p>', page)


class IntroAdminTests(AcuflowTestCase):
    def test_the_owner_writes_the_introduction_once_per_language(self) -> None:
        profile = ClinicProfile.objects.create(clinic=self.clinic, intro="Welkom.")
        self.owner.is_staff = True
        self.owner.save(update_fields=["is_staff"])
        client = self.client_for(self.owner)
        url = f"/admin/public/clinicprofile/{profile.pk}/change/"
        page = client.get(url)
        self.assertContains(page, 'name="intro_es"')
        response = client.post(
            url,
            {
                "clinic": self.clinic.pk,
                "published": "on",
                "intro": "Welkom.",
                "intro_nl": "Welkom.",
                "intro_nb": "Velkommen.",
                "intro_en": "",
                "intro_es": "Bienvenido.",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:500])
        profile.refresh_from_db()
        self.assertEqual(profile.intros, {"nl": "Welkom.", "nb": "Velkommen.", "es": "Bienvenido."})
