"""Error pages are acuflow's own: translated, with a way on (403, 404, 500, CSRF)."""

from __future__ import annotations

from django.test import Client, RequestFactory
from django.utils import translation
from django.views.csrf import csrf_failure
from django.views.defaults import server_error

from acuflow.core.testing import AcuflowTestCase
from acuflow.core.visible_text import problems, visible_text


class ErrorPageTests(AcuflowTestCase):
    def assertOwnPage(self, html: str, language: str) -> None:
        self.assertIn(f'<html lang="{language}">', html)
        self.assertIn('id="error-links"', html)
        self.assertEqual(problems(" ".join(visible_text(html, language)), language), [])

    def test_a_missing_staff_page_is_translated_with_the_navigation(self) -> None:
        response = self.client_for(self.practitioner).get("/patients/999999/")
        self.assertEqual(response.status_code, 404)
        html = response.content.decode()
        self.assertIn("Pagina niet gevonden", html)
        self.assertIn('href="/patients/"', html)  # the staff navigation
        self.assertOwnPage(html, "nl")

    def test_a_page_outside_the_role_answers_403_in_the_users_language(self) -> None:
        self.reception.language = "nb"
        self.reception.save(update_fields=["language"])
        response = self.client_for(self.reception).get(f"/assessments/new/{self.patient.pk}/")
        self.assertEqual(response.status_code, 403)
        html = response.content.decode()
        self.assertIn("Ingen tilgang", html)
        self.assertNotIn("403 Forbidden", html)
        self.assertOwnPage(html, "nb")

    def test_a_missing_public_page_follows_the_address_language(self) -> None:
        response = Client().get("/es/clinic/no-such-clinic/")
        self.assertEqual(response.status_code, 404)
        html = response.content.decode()
        self.assertIn("Página no encontrada", html)
        self.assertIn('href="/es/portal/"', html)
        self.assertOwnPage(html, "es")

    def test_a_server_error_page_needs_no_request_context_and_is_translated(self) -> None:
        request = RequestFactory().get("/")
        for language, words in (("nl", "Er ging iets mis"), ("en", "Something went wrong")):
            with self.subTest(language=language), translation.override(language):
                response = server_error(request)
                html = response.content.decode()
                self.assertEqual(response.status_code, 500)
                self.assertIn(words, html)
                self.assertOwnPage(html, language)

    def test_an_expired_form_is_explained_in_the_users_language(self) -> None:
        request = RequestFactory().post("/")
        with translation.override("nb"):
            html = csrf_failure(request).content.decode()
        self.assertIn("Skjemaet er utløpt", html)
        self.assertOwnPage(html, "nb")
