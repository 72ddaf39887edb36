from django.urls import path

from jifen.requests.views import console, public, resident, volunteer

app_name = "requests"

urlpatterns = [
    # Residents (phone): 我要点单, 许个微心愿, 我的点单, one request and its steps
    path("requests/", resident.mine, name="mine"),
    path("requests/new/", resident.new, name="new"),
    path("requests/wish/", resident.new_wish, name="new_wish"),
    path("requests/<int:pk>/", resident.detail, name="detail"),
    path("requests/<int:pk>/cancel/", resident.cancel, name="cancel"),
    path("requests/<int:pk>/confirm/", resident.confirm, name="confirm"),
    path("requests/<int:pk>/dispute/", resident.dispute, name="dispute"),
    path("requests/photos/<int:photo_id>/", resident.photo, name="photo"),
    # Volunteers (phone): 可接的单, 我接的单, and their steps
    path("requests/open/", volunteer.open_list, name="open"),
    path("requests/taken/", volunteer.taken, name="taken"),
    path("requests/<int:pk>/accept/", volunteer.accept, name="accept"),
    path("requests/<int:pk>/done/", volunteer.done, name="done"),
    path("requests/<int:pk>/hand-back/", volunteer.hand_back, name="hand_back"),
    path("requests/<int:pk>/assign/", volunteer.assign_member, name="assign_member"),
    # Anyone, no login: the wishes wall (心愿墙)
    path("wishes/<str:code>/", public.wall, name="wall"),
    # Staff (desktop): the list, one request and its steps, the service menu, the figures
    path("console/requests/", console.console_list, name="console_list"),
    path("console/requests/export.xlsx", console.console_export, name="console_export"),
    path("console/requests/menu/", console.console_menu, name="console_menu"),
    path("console/requests/menu/edit/", console.console_menu_edit, name="console_menu_edit"),
    path("console/requests/stats/", console.console_stats, name="console_stats"),
    path("console/requests/stats.xlsx", console.console_stats_export, name="console_stats_export"),
    path("console/requests/<int:pk>/", console.console_detail, name="console_detail"),
    path("console/requests/<int:pk>/publish/", console.console_publish, name="console_publish"),
    path("console/requests/<int:pk>/reject/", console.console_reject, name="console_reject"),
    path("console/requests/<int:pk>/dispatch/", console.console_dispatch, name="console_dispatch"),
    path(
        "console/requests/<int:pk>/member/",
        console.console_assign_member,
        name="console_assign_member",
    ),
    path("console/requests/<int:pk>/cancel/", console.console_cancel, name="console_cancel"),
]
