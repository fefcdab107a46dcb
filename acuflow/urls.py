from django.contrib import admin
from django.urls import include, path

from acuflow.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("acuflow.api.urls")),
    path("admin/", admin.site.urls),
    path("patients/", include("acuflow.patients.urls")),
    path("", include("acuflow.accounts.urls")),
    path("", include("acuflow.core.urls")),
]
