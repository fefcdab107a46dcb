from django.contrib import admin

from acuflow.accounts.admin import ClinicScopedAdmin
from acuflow.info.models import Article


@admin.register(Article)
class ArticleAdmin(ClinicScopedAdmin):
    """An owner sees and edits the clinic's own articles; the shared library is data
    shipped with acuflow and edited as a clinic copy from the articles page."""

    list_display = ["title", "slug", "language", "clinic", "published", "updated_at"]
    list_filter = ["language", "published", "clinic"]
    search_fields = ["title", "slug"]
