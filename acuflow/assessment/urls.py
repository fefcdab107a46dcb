from django.urls import path

from acuflow.assessment import views

app_name = "assessment"
urlpatterns = [
    path("new/<int:patient_id>/", views.assessment_create, name="create"),
    path("chronicity/", views.chronicity_preview, name="chronicity"),
    path("<int:assessment_id>/", views.assessment_detail, name="detail"),
    path("<int:assessment_id>/red-flags/", views.red_flag_screen, name="red_flags"),
    path("<int:assessment_id>/referrals/", views.referral_create, name="referral_create"),
    path("referrals/<int:referral_id>/outcome/", views.referral_outcome, name="referral_outcome"),
    path("referrals/<int:referral_id>/letter.pdf", views.referral_letter, name="referral_letter"),
]
