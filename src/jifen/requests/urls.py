from django.urls import path

from jifen.requests import views

app_name = "requests"

urlpatterns = [
    path("requests/<int:pk>/", views.detail, name="detail"),
]
