from django.urls import path

from acuflow.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<int:patient_id>/", views.patient_detail, name="detail"),
    path("<int:patient_id>/edit/", views.patient_edit, name="edit"),
    path("<int:patient_id>/consent/", views.patient_consent, name="consent"),
    path("<int:patient_id>/audit/", views.patient_audit, name="audit"),
    path("<int:patient_id>/identifiers/", views.patient_identifiers, name="identifiers"),
    path("<int:patient_id>/merge/", views.patient_merge, name="merge"),
    path("merges/<int:merge_id>/undo/", views.merge_undo, name="merge_undo"),
    path("gps/new/", views.gp_create, name="gp_create"),
]
