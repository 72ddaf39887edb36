from django.urls import path

from jifen.deliberation.views import console, public, resident

app_name = "deliberation"

urlpatterns = [
    # Residents (phone): 议事 — polls open for me, one matter, my vote
    path("deliberations/", resident.mine, name="mine"),
    path("deliberations/<int:pk>/", resident.detail, name="detail"),
    path("deliberations/<int:pk>/vote/", resident.vote, name="vote"),
    path(
        "deliberations/<int:pk>/actions/<int:action_id>/progress/",
        resident.progress,
        name="progress",
    ),
    # Anyone (no login; phone and big screen): a place's matters, one matter
    # (a place's list beside its 公示 pages: public/<code>/ is publicity's)
    path("public/<str:code>/deliberations/", public.public_list, name="public_list"),
    path("public/deliberations/<int:pk>/", public.public_detail, name="public_detail"),
    # Staff (desktop), inspectors reading
    path("console/deliberations/", console.console_list, name="console_list"),
    path("console/deliberations/new/", console.console_new, name="console_new"),
    path("console/deliberations/<int:pk>/", console.console_detail, name="console_detail"),
    path("console/deliberations/<int:pk>/poll/", console.console_poll, name="console_poll"),
    path("console/deliberations/<int:pk>/close/", console.console_close, name="console_close"),
    path(
        "console/deliberations/<int:pk>/meeting/", console.console_meeting, name="console_meeting"
    ),
    path(
        "console/deliberations/<int:pk>/minutes/", console.console_minutes, name="console_minutes"
    ),
    path(
        "console/deliberations/<int:pk>/escalate/",
        console.console_escalate,
        name="console_escalate",
    ),
    path("console/deliberations/<int:pk>/decide/", console.console_decide, name="console_decide"),
    path("console/deliberations/<int:pk>/cancel/", console.console_cancel, name="console_cancel"),
    path(
        "console/deliberations/<int:pk>/complete/",
        console.console_complete,
        name="console_complete",
    ),
    path("console/deliberations/<int:pk>/actions/", console.console_action, name="console_action"),
    path(
        "console/deliberations/<int:pk>/actions/<int:action_id>/progress/",
        console.console_progress,
        name="console_progress",
    ),
]
