from django.urls import path

from acuflow.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.page, name="page"),
    path("results.csv", views.export_csv, name="csv"),
    path("results.pdf", views.export_pdf, name="pdf"),
]
