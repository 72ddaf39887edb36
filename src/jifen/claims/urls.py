from django.urls import path

from jifen.claims import views

app_name = "claims"

urlpatterns = [
    path("claims/", views.my_claims, name="mine"),
    path("claims/new/", views.declare, name="declare"),
    path("claims/<int:claim_id>/", views.detail, name="detail"),
    path("claims/<int:claim_id>/appeal/", views.appeal, name="appeal"),
    path("claims/photos/<int:photo_id>/", views.photo, name="photo"),
    path("console/claims/", views.queue, name="queue"),
    path("console/claims/approve/", views.approve_many, name="approve_many"),
    path("console/claims/cadence/", views.cadence, name="cadence"),
    path("console/claims/<int:claim_id>/", views.review, name="review"),
    path("console/claims/<int:claim_id>/approve/", views.approve, name="approve"),
    path("console/claims/<int:claim_id>/reject/", views.reject, name="reject"),
    path("console/claims/<int:claim_id>/revoke/", views.revoke, name="revoke"),
    path("console/claims/<int:claim_id>/appeal/", views.decide_appeal, name="decide_appeal"),
    path(
        "console/people/<int:person_id>/claims/new/",
        views.declare_for_person,
        name="declare_for_person",
    ),
]
