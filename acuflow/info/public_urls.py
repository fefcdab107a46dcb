from django.urls import path

from acuflow.info import views

app_name = "info_public"
urlpatterns = [
    path("", views.public_list, name="list"),
    path("<slug:slug>/", views.public_detail, name="detail"),
]
