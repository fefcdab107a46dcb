from django.urls import path

from acuflow.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("link/", views.request_link, name="request_link"),
    path("sign-in/<str:token>/", views.sign_in, name="sign_in"),
    path("password/", views.password_sign_in, name="password_sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("account/", views.account, name="account"),
    path("who-looked/", views.access_log, name="access_log"),
    path("appointments/<int:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("appointments/<int:appointment_id>/reschedule/", views.reschedule, name="reschedule"),
    path("reports/<int:course_id>/progress.pdf", views.report, name="report"),
]
