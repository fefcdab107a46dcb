from django.urls import path

from acuflow.protocols import views

app_name = "protocols"
urlpatterns = [
    path("protocols/", views.protocol_list, name="list"),
    path("protocols/thresholds/", views.outcome_thresholds, name="thresholds"),
    path("protocols/<int:protocol_id>/", views.protocol_detail, name="detail"),
    path("protocols/<int:protocol_id>/copy/", views.protocol_copy, name="copy"),
    path("protocols/<int:protocol_id>/edit/", views.protocol_edit, name="edit"),
    path("courses/new/<int:assessment_id>/", views.course_create, name="course_create"),
    path("courses/<int:course_id>/", views.course_detail, name="course_detail"),
    path("courses/<int:course_id>/close/", views.course_close, name="course_close"),
]
