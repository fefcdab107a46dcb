"""Writes to articles: loading the shipped library, and staff edits (always to their own
clinic's copy; the shared library rows only ever change through the data files)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from acuflow.audit.models import Action
from acuflow.audit.services import audit_record
from acuflow.info.library import library_articles
from acuflow.info.models import Article

if TYPE_CHECKING:
    from acuflow.core.actor import Actor

EDITABLE_FIELDS = ("title", "summary", "body", "published")


def library_sync() -> int:
    """Make the library rows equal to the data files; returns how many rows changed."""
    languages = {code for code, _name in settings.LANGUAGES}
    existing = {(a.slug, a.language): a for a in Article.objects.library()}
    changed = 0
    with transaction.atomic():
        for item in library_articles():
            if item.language not in languages:
                continue
            row = existing.get((item.slug, item.language))
            values = {"title": item.title, "summary": item.summary, "body": item.body}
            if row is None:
                row = Article(slug=item.slug, language=item.language, **values)
            elif all(getattr(row, k) == v for k, v in values.items()):
                continue
            else:
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at = timezone.now()
            row.full_clean(validate_constraints=False)
            row.save()
            changed += 1
    return changed


def sync_library_after_migrate(**kwargs: Any) -> None:
    library_sync()


def article_save(
    *,
    actor: Actor,
    slug: str,
    language: str,
    title: str,
    summary: str,
    body: str,
    published: bool = True,
    article: Article | None = None,
) -> Article:
    """Create or change the actor's clinic's article. Given a library article, the
    change is saved as the clinic's own copy (same slug and language)."""
    if article is None or article.is_library:
        article = Article.objects.filter(clinic=actor.clinic, slug=slug, language=language).first()
    creating = article is None
    if article is None:
        article = Article(clinic=actor.clinic, slug=slug, language=language)
    elif article.clinic_id != actor.clinic.pk:
        raise PermissionError("article of another clinic")
    article.title = title.strip()
    article.summary = summary.strip()
    article.body = body
    article.published = published
    article.updated_at = timezone.now()
    article.updated_by = actor.user
    article.full_clean()
    with transaction.atomic():
        article.save()
        audit_record(
            actor=actor,
            action=Action.CREATE if creating else Action.UPDATE,
            patient=None,
            obj=article,
        )
    return article
