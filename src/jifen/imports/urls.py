from django.urls import path

from jifen.imports import views

app_name = "imports"

urlpatterns = [
    path("console/imports/", views.index, name="index"),
    path("console/imports/template/<str:kind>/", views.template, name="template"),
    path("console/imports/approval/", views.mode, name="mode"),
    path("console/imports/check/<str:kind>/", views.check, name="check"),
    path("console/imports/uploads/<int:upload_id>/confirm/", views.confirm, name="confirm"),
    path("console/imports/<int:batch_id>/", views.batch, name="batch"),
    path("console/imports/<int:batch_id>/approve/", views.approve, name="approve"),
    path("console/imports/<int:batch_id>/reject/", views.reject, name="reject"),
]
