from django.urls import path

from jifen.projects.views import console, mine, public

app_name = "projects"

urlpatterns = [
    # A unit's contact, a party member (phone): my units' projects, needs to take, offers
    path("projects/", mine.mine, name="mine"),
    path("projects/offer/", mine.offer, name="offer"),
    path("projects/<int:pk>/", mine.detail, name="detail"),
    path("projects/<int:pk>/lead/", mine.lead, name="lead"),
    path("projects/<int:pk>/release/", mine.release, name="release"),
    path("projects/<int:pk>/milestones/<int:milestone_id>/report/", mine.report, name="report"),
    path("projects/<int:pk>/complete/", mine.complete, name="complete"),
    path("projects/needs/<int:pk>/claim/", mine.claim, name="claim"),
    path("projects/needs/<int:pk>/<str:step>/", mine.need_step, name="need_step"),
    # Anyone (no login; phone and big screen)
    path("public/<str:code>/projects/", public.public_list, name="public_list"),
    path("public/projects/<int:pk>/", public.public_detail, name="public_detail"),
    # Staff (desktop): the three lists of a community
    path("console/projects/", console.console_lists, name="console_lists"),
    path("console/projects/new/", console.console_new, name="console_new"),
    path("console/projects/needs/new/", console.console_need_new, name="console_need_new"),
    path("console/projects/needs/<int:pk>/", console.console_need, name="console_need"),
    path(
        "console/projects/needs/<int:pk>/close/",
        console.console_need_close,
        name="console_need_close",
    ),
    path(
        "console/projects/needs/<int:pk>/release/",
        console.console_need_release,
        name="console_need_release",
    ),
    path(
        "console/projects/resources/new/",
        console.console_resource_new,
        name="console_resource_new",
    ),
    path(
        "console/projects/resources/<int:pk>/withdraw/",
        console.console_resource_withdraw,
        name="console_resource_withdraw",
    ),
    path("console/projects/<int:pk>/", console.console_detail, name="console_detail"),
    path("console/projects/<int:pk>/publish/", console.console_publish, name="console_publish"),
    path("console/projects/<int:pk>/assign/", console.console_assign, name="console_assign"),
    path("console/projects/<int:pk>/reward/", console.console_reward, name="console_reward"),
    path(
        "console/projects/<int:pk>/milestones/",
        console.console_milestone,
        name="console_milestone",
    ),
    path(
        "console/projects/<int:pk>/milestones/<int:milestone_id>/report/",
        console.console_report,
        name="console_report",
    ),
    path("console/projects/<int:pk>/complete/", console.console_complete, name="console_complete"),
    path("console/projects/<int:pk>/release/", console.console_release, name="console_release"),
    path("console/projects/<int:pk>/cancel/", console.console_cancel, name="console_cancel"),
]
