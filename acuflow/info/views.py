from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from acuflow.accounts.decorators import staff_view
from acuflow.info import selectors, services
from acuflow.info.forms import ArticleForm
from acuflow.info.rendering import render_markdown


# -- public pages (/<lang>/info/...) --------------------------------------------------
def public_list(request: HttpRequest) -> HttpResponse:
    language = translation.get_language()
    articles = selectors.articles_for_public(language=language)
    return render(request, "info/public_list.html", {"articles": articles})


def public_detail(request: HttpRequest, slug: str) -> HttpResponse:
    language = translation.get_language()
    article = selectors.article_for_public(slug=slug, language=language)
    return render_article(request, article)


def render_article(request: HttpRequest, article, clinic=None) -> HttpResponse:  # type: ignore[no-untyped-def]
    return render(
        request,
        "info/public_detail.html",
        {
            "article": article,
            "body_html": render_markdown(article.body),
            "public_clinic": clinic,
        },
    )


# -- staff pages (/articles/...) ------------------------------------------------------
@staff_view()
def staff_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    articles = list(selectors.articles_for_staff(actor=actor))
    customised = {(a.slug, a.language) for a in articles if a.clinic_id is not None}
    return render(request, "info/staff_list.html", {"articles": articles, "customised": customised})


@staff_view(clinical=True)
def staff_create(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        article = services.article_save(actor=actor, **form.cleaned_data)
        messages.success(request, _("Article saved."))
        return redirect("info:edit", article_id=article.pk)
    return render(request, "info/staff_form.html", {"form": form, "article": None})


@staff_view(clinical=True)
def staff_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    article = selectors.article_get_for_actor(actor=actor, article_id=article_id)
    initial = {
        "slug": article.slug,
        "language": article.language,
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "published": article.published,
    }
    form = ArticleForm(request.POST or None, initial=initial)
    if article.is_library:
        # A clinic's copy keeps the library slug and language so it replaces it.
        form.fields["slug"].disabled = True
        form.fields["language"].disabled = True
    for name in ("title", "summary", "body"):  # the article's text is in its own language
        form.fields[name].widget.attrs["lang"] = article.language
    if request.method == "POST" and form.is_valid():
        saved = services.article_save(actor=actor, article=article, **form.cleaned_data)
        messages.success(request, _("Article saved."))
        return redirect("info:edit", article_id=saved.pk)
    return render(
        request,
        "info/staff_form.html",
        {"form": form, "article": article, "preview": render_markdown(article.body)},
    )
