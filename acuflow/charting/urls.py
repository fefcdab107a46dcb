from django.urls import path

from acuflow.charting import views

app_name = "charting"
urlpatterns = [
    path("points/", views.point_search, name="point_search"),
    path("courses/<int:course_id>/chart/", views.chart, name="chart"),
    path("courses/<int:course_id>/draft/", views.draft, name="draft"),
    path("sessions/<int:session_id>/", views.session_detail, name="session"),
]
