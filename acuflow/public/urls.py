from django.urls import path

from acuflow.public import views

app_name = "public"
urlpatterns = [
    path("<slug:clinic_slug>/", views.clinic_page, name="clinic"),
    path("<slug:clinic_slug>/info/<slug:slug>/", views.clinic_article, name="article"),
]
