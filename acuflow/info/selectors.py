"""Reads of articles. A clinic sees the library plus its own articles; its own copy of a
library article (same slug and language) takes the library article's place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from acuflow.info.models import Article

if TYPE_CHECKING:
    from acuflow.accounts.models import Clinic
    from acuflow.core.actor import Actor


def article_for_public(*, slug: str, language: str, clinic: Clinic | None = None) -> Article:
    """The published article for this slug and language: the clinic's own if it has one,
    else the library's. Http404 when there is neither."""
    qs = Article.objects.published().filter(slug=slug, language=language)
    if clinic is not None:
        own = qs.filter(clinic=clinic).first()
        if own is not None:
            return own
    article = qs.filter(clinic__isnull=True).first()
    if article is None:
        raise Http404("no such article")
    return article


def articles_for_public(*, language: str, clinic: Clinic | None = None) -> list[Article]:
    """One published article per slug in this language (clinic copies win)."""
    scope = (
        Q(clinic__isnull=True) | Q(clinic=clinic) if clinic is not None else Q(clinic__isnull=True)
    )
    rows = Article.objects.published().filter(scope, language=language).order_by("title")
    chosen: dict[str, Article] = {}
    for row in rows:
        if row.slug not in chosen or row.clinic_id is not None:
            chosen[row.slug] = row
    return sorted(chosen.values(), key=lambda a: a.title.lower())


def articles_for_staff(*, actor: Actor) -> QuerySet[Article]:
    return Article.objects.filter(Q(clinic__isnull=True) | Q(clinic=actor.clinic)).order_by(
        "slug", "language", "clinic_id"
    )


def article_get_for_actor(*, actor: Actor, article_id: int | str) -> Article:
    """A library article or one of the actor's clinic; Http404 for another clinic's."""
    try:
        pk = int(article_id)
    except (TypeError, ValueError):
        raise Http404("article not found")
    article = Article.objects.filter(Q(clinic__isnull=True) | Q(clinic=actor.clinic), pk=pk).first()
    if article is None:
        raise Http404("article not found")
    return article
