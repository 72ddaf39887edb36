from django.urls import path

from jifen.activities import views

app_name = "activities"

urlpatterns = [
    # Residents
    path("activities/", views.find, name="find"),
    path("activities/mine/", views.mine, name="mine"),
    path("activities/mine.ics", views.my_calendar, name="calendar"),
    path("activities/<int:activity_id>/", views.detail, name="detail"),
    path("activities/<int:activity_id>/signup/", views.sign_up, name="sign_up"),
    path("activities/<int:activity_id>/withdraw/", views.withdraw, name="withdraw"),
    path("activities/<int:activity_id>/checkin/", views.checkin, name="checkin"),
    path("me/card.pdf", views.my_card, name="my_card"),
    # Staff
    path("console/activities/", views.console_list, name="console"),
    path("console/activities/new/", views.create, name="create"),
    path("console/activities/items/", views.rule_items, name="rule_items"),
    path("console/activities/who/", views.who, name="who"),
    path("console/activities/<int:activity_id>/", views.manage, name="manage"),
    path("console/activities/<int:activity_id>/submit/", views.submit, name="submit"),
    path("console/activities/<int:activity_id>/edit/", views.edit, name="edit"),
    path("console/activities/<int:activity_id>/approve/", views.approve, name="approve"),
    path("console/activities/<int:activity_id>/return/", views.send_back, name="send_back"),
    path("console/activities/<int:activity_id>/cancel/", views.cancel, name="cancel"),
    path("console/activities/<int:activity_id>/close/", views.close, name="close"),
    path(
        "console/activities/<int:activity_id>/signups/", views.staff_sign_up, name="staff_sign_up"
    ),
    path(
        "console/activities/<int:activity_id>/signups/<int:person_id>/withdraw/",
        views.staff_withdraw,
        name="staff_withdraw",
    ),
    path("console/activities/<int:activity_id>/attendance/", views.board, name="board"),
    path("console/activities/<int:activity_id>/paper/", views.paper, name="paper"),
    path("console/activities/<int:activity_id>/scan/", views.scan, name="scan"),
    path("console/activities/<int:activity_id>/qr/", views.qr, name="qr"),
    path("console/activities/<int:activity_id>/qr/code/", views.qr_code, name="qr_code"),
    path("console/people/<int:person_id>/card.pdf", views.person_card, name="person_card"),
]
