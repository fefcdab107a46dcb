from django.urls import path

from acuflow.info import views

app_name = "info"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("new/", views.staff_create, name="create"),
    path("<int:article_id>/", views.staff_edit, name="edit"),
]
