from django.urls import path

from acuflow.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("instruments/", views.instrument_list, name="instruments"),
    path("patients/<int:patient_id>/responses/new/", views.response_new, name="response_new"),
    path("courses/<int:course_id>/", views.course_outcomes, name="course"),
    path("courses/<int:course_id>/link/", views.course_link, name="course_link"),
]
