from django.urls import path

from acuflow.scheduling import public

app_name = "scheduling_public"
urlpatterns = [
    path("offer/<str:token>/", public.offer, name="offer"),
    path("<slug:clinic_slug>/", public.booking, name="book"),
    path("<slug:clinic_slug>/slots/", public.booking_slots, name="slots"),
    path("<slug:clinic_slug>/done/<str:token>/", public.booking_done, name="done"),
]
