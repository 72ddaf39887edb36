from django.urls import path

from jifen.points import views

app_name = "points"

urlpatterns = [
    path("points/", views.my_points, name="mine"),
    path("console/rules/", views.rules, name="rules"),
    path("console/points/", views.totals, name="totals"),
    path("console/points/policy/", views.policy, name="policy"),
    path(
        "console/adjustments/<int:adjustment_id>/",
        views.decide_adjustment,
        name="decide_adjustment",
    ),
    path("console/people/<int:person_id>/statement/", views.statement, name="statement"),
    path(
        "console/people/<int:person_id>/adjustments/",
        views.request_adjustment,
        name="request_adjustment",
    ),
]
