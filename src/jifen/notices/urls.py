from django.urls import path

from jifen.notices import views

app_name = "notices"

urlpatterns = [
    path("me/notices/", views.my_notices, name="mine"),
    path("me/notices/read-all/", views.read_all, name="read_all"),
    path("me/notices/<int:notice_id>/", views.open_notice, name="open"),
]
