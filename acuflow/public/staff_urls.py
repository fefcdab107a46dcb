from django.urls import path

from acuflow.public import views

app_name = "public_staff"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:message_id>/handled/", views.inbox_handled, name="handled"),
]
