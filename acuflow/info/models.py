"""Patient-information articles. Library articles (clinic empty) come from the data files
in acuflow/info/content/ and are the same for every clinic; a clinic customises one by
saving its own copy under the same slug, or writes its own article."""

from __future__ import annotations

import math

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acuflow.accounts.models import Clinic
from acuflow.core.languages import validate_language

WORDS_PER_MINUTE = 200


class ArticleQuerySet(models.QuerySet["Article"]):
    def library(self) -> ArticleQuerySet:
        return self.filter(clinic__isnull=True)

    def published(self) -> ArticleQuerySet:
        return self.filter(published=True)


class Article(models.Model):
    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, null=True, blank=True, related_name="articles"
    )
    slug = models.SlugField(_("slug"), max_length=80)
    language = models.CharField(_("language"), max_length=8, validators=[validate_language])
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=400, blank=True)
    body = models.TextField(
        _("text"), max_length=40000, help_text=_("Markdown: ## heading, - list item, [link](url).")
    )
    published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["slug", "language"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "slug", "language"], name="info_article_clinic_slug_language"
            ),
            models.UniqueConstraint(
                fields=["slug", "language"],
                condition=Q(clinic__isnull=True),
                name="info_article_library_slug_language",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    @property
    def is_library(self) -> bool:
        return self.clinic_id is None

    @property
    def word_count(self) -> int:
        return len(self.body.split())

    @property
    def read_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / WORDS_PER_MINUTE))
