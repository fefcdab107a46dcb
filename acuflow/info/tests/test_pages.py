from __future__ import annotations

from django.urls import reverse

from acuflow.audit.models import AuditEvent
from acuflow.core.testing import AcuflowTestCase
from acuflow.info import services
from acuflow.info.models import Article
from acuflow.info.rendering import render_markdown


class LibrarySyncTests(AcuflowTestCase):
    def test_migrate_loads_the_library_and_a_second_sync_changes_nothing(self) -> None:
        self.assertEqual(Article.objects.library().count(), 36)
        self.assertEqual(services.library_sync(), 0)

    def test_sync_restores_library_text_changed_in_the_database(self) -> None:
        row = Article.objects.library().get(slug="ims", language="nl")
        Article.objects.filter(pk=row.pk).update(title="changed")
        self.assertEqual(services.library_sync(), 1)
        row.refresh_from_db()
        self.assertEqual(row.title, "IMS (intramusculaire stimulatie)")


class PublicArticleTests(AcuflowTestCase):
    def test_article_page_in_each_language_shows_title_read_time_and_sources(self) -> None:
        expected = {"nl": "Leestijd", "nb": "Lesetid", "en": "Read time", "es": "Tiempo de lectura"}
        for lang, words in expected.items():
            response = self.client.get(f"/{lang}/info/chronic-low-back-pain/")
            self.assertEqual(response.status_code, 200, lang)
            self.assertContains(response, words)
            self.assertContains(response, "NG59")
            self.assertContains(response, f'<html lang="{lang}">')

    def test_unknown_article_is_404(self) -> None:
        self.assertEqual(self.client.get("/en/info/no-such-thing/").status_code, 404)

    def test_list_shows_every_library_article_in_the_language(self) -> None:
        response = self.client.get("/es/info/")
        self.assertContains(response, "Dolor lumbar crónico")
        self.assertEqual(len(response.context["articles"]), 9)

    def test_raw_html_and_script_links_in_article_text_are_not_rendered(self) -> None:
        html = render_markdown("<script>alert(1)</script>\n\n[x](javascript:alert(1))")
        self.assertNotIn("<script>", html)
        self.assertNotIn('href="javascript:', html)

    def test_read_time_grows_with_the_text(self) -> None:
        short = Article(body="word " * 150)
        long = Article(body="word " * 1001)
        self.assertEqual(short.read_minutes, 1)
        self.assertEqual(long.read_minutes, 6)


class StaffArticleTests(AcuflowTestCase):
    def test_editing_a_library_article_saves_a_clinic_copy_and_keeps_the_library(self) -> None:
        library = Article.objects.library().get(slug="cupping", language="nl")
        client = self.client_for(self.practitioner)
        response = client.post(
            reverse("info:edit", args=[library.pk]),
            {
                "title": "Cupping bij ons",
                "summary": "",
                "body": "## Eigen tekst\n\nHallo.",
                "published": "on",
            },
        )
        own = Article.objects.get(clinic=self.clinic, slug="cupping", language="nl")
        self.assertRedirects(
            response, reverse("info:edit", args=[own.pk]), fetch_redirect_response=False
        )
        library.refresh_from_db()
        self.assertEqual(library.title, "Cupping")
        self.assertTrue(
            AuditEvent.objects.filter(object_type="info.article", object_id=str(own.pk)).exists()
        )
        # The clinic's public page shows its own version; the general library does not.
        self.assertContains(self.client.get("/nl/clinic/test-nl/info/cupping/"), "Cupping bij ons")
        self.assertNotContains(self.client.get("/nl/info/cupping/"), "Cupping bij ons")
        self.assertNotContains(
            self.client.get("/nl/clinic/test-no/info/cupping/"), "Cupping bij ons"
        )

    def test_staff_add_their_own_article(self) -> None:
        client = self.client_for(self.owner)
        client.post(
            reverse("info:create"),
            {
                "slug": "knee-pain",
                "language": "en",
                "title": "Knee pain",
                "body": "Text.",
                "published": "on",
            },
        )
        self.assertContains(self.client.get("/en/clinic/test-nl/info/knee-pain/"), "Knee pain")
        self.assertEqual(self.client.get("/en/clinic/test-no/info/knee-pain/").status_code, 404)

    def test_reception_may_read_the_list_but_not_edit(self) -> None:
        client = self.client_for(self.reception)
        self.assertEqual(client.get(reverse("info:list")).status_code, 200)
        self.assertEqual(client.get(reverse("info:create")).status_code, 403)

    def test_another_clinics_article_is_404_for_staff(self) -> None:
        own = Article.objects.create(
            clinic=self.clinic, slug="x", language="en", title="X", body="b"
        )
        self.assertEqual(
            self.client_for(self.other).get(reverse("info:edit", args=[own.pk])).status_code, 404
        )

    def test_staff_list_queries_do_not_grow(self) -> None:
        client = self.client_for(self.owner)
        counter = iter(range(1000))

        def rows(n: int) -> None:
            for _ in range(n):
                Article.objects.create(
                    clinic=self.clinic, slug=f"a{next(counter)}", language="en", title="T", body="b"
                )

        self.assertConstantQueries(rows, lambda: client.get(reverse("info:list")))
