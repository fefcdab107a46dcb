from django.urls import path

from acuflow.scheduling import settings_views, views

app_name = "scheduling"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("today/", views.today, name="today"),
    path("new/", views.book, name="book"),
    path("slots/", views.slots, name="slots"),
    path("types/", views.types, name="types"),
    path("settings/", settings_views.schedule_settings, name="settings"),
    path(
        "settings/holidays/<int:holiday_id>/delete/",
        settings_views.holiday_delete,
        name="holiday_delete",
    ),
    path("waitlist/", views.waitlist, name="waitlist"),
    path("requests/", views.requests, name="requests"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:appointment_id>/move/", views.appointment_move, name="move"),
    path("appointments/<int:appointment_id>/cancel/", views.appointment_cancel, name="cancel"),
    path("appointments/<int:appointment_id>/status/", views.appointment_status, name="status"),
    path("appointments/<int:appointment_id>/chart/", views.appointment_chart, name="chart"),
    path("courses/<int:course_id>/book/", views.course_book, name="course_book"),
    path("practitioners/<int:practitioner_id>/hours/", views.feed_settings, name="hours"),
    path("practitioners/<int:practitioner_id>/calendar.ics", views.feed, name="feed"),
]
