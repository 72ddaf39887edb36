from django.urls import path

from jifen.incidents.views import detail

app_name = "incidents"

urlpatterns = [
    # Everyone who may see it (phone first): one incident, its timeline and the steps
    path("incidents/<int:pk>/", detail.detail, name="detail"),
    # Staff (desktop): the queue, categories, dashboards
]
