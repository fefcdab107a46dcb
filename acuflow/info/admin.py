from django.contrib import admin

from acuflow.info.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "language", "clinic", "published", "updated_at"]
    list_filter = ["language", "published", "clinic"]
    search_fields = ["title", "slug"]
