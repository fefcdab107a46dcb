from django.urls import path

from acuflow.outcomes import public_views

app_name = "outcomes_public"
urlpatterns = [
    path("<str:token>/", public_views.fill, name="fill"),
]
