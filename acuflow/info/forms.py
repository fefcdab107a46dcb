from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from acuflow.core.forms import BoundedForm, LanguageField
from acuflow.info.models import Article


class ArticleForm(BoundedForm):
    slug = forms.SlugField(
        label=_("Address name (slug)"),
        max_length=80,
        help_text=_("Lower-case words joined by hyphens, e.g. knee-pain."),
    )
    language = LanguageField(label=_("Language"))
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=400, required=False)
    body = forms.CharField(
        label=_("Text"),
        max_length=40000,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=Article._meta.get_field("body").help_text,
    )
    published = forms.BooleanField(label=_("Published"), required=False, initial=True)
