from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from acuflow.accounts.views import admin_login_view
from acuflow.core.views import healthz

# Unhandled exceptions: JSON on /api/ (500 server_error, 503 service_unavailable while the
# database is down), a plain translated page elsewhere (acuflow.core.reliability).
handler500 = "acuflow.core.reliability.server_error"

# Staff pages and the API: the language follows the user (or Accept-Language).
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("acuflow.api.urls")),
    # One sign-in for staff: the admin's goes through /login/ (lockout, second factor).
    path("admin/login/", admin_login_view),
    path("admin/", admin.site.urls),
    path("patients/", include("acuflow.patients.urls")),
    path("calendar/", include("acuflow.scheduling.urls")),
    path("articles/", include("acuflow.info.urls")),
    path("inbox/", include("acuflow.public.staff_urls")),
    path("charting/", include("acuflow.charting.urls")),
    path("outcomes/", include("acuflow.outcomes.urls")),
    path("assessments/", include("acuflow.assessment.urls")),
    path("analytics/", include("acuflow.analytics.urls")),
    path("", include("acuflow.protocols.urls")),  # protocols/, courses/
    path("", include("acuflow.accounts.urls")),
]

# Public and patient-facing pages live under a language prefix: /nl/, /nb/, /en/, /es/.
# Each public app adds one line here.
public_patterns: list = [
    path("book/", include("acuflow.scheduling.public_urls")),
    path("info/", include("acuflow.info.public_urls")),
    path("clinic/", include("acuflow.public.urls")),
    path("portal/", include("acuflow.portal.urls")),
    path("questionnaire/", include("acuflow.outcomes.public_urls")),
]

urlpatterns += i18n_patterns(*public_patterns, prefix_default_language=True)
