from django.urls import URLPattern, URLResolver, path

from jifen.contests.views import console, entrant, judge, public

app_name = "contests"

urlpatterns: list[URLPattern | URLResolver] = [
    # Team leaders and unit contacts (phone): contests open to them, entering, their entries
    path("contests/", entrant.mine, name="mine"),
    path("contests/<int:pk>/enter/", entrant.enter, name="enter"),
    path("contests/entries/<int:pk>/", entrant.entry, name="entry"),
    path("contests/entries/<int:pk>/withdraw/", entrant.withdraw, name="withdraw"),
    path("contests/documents/<int:pk>/", entrant.document, name="document"),
    # Judges (phone and desktop)
    path("contests/judge/", judge.judge_list, name="judge_list"),
    path("contests/judge/<int:pk>/", judge.judge_contest, name="judge_contest"),
    path(
        "contests/judge/<int:pk>/entries/<int:entry_id>/<str:phase>/",
        judge.judge_sheet,
        name="judge_sheet",
    ),
    path(
        "contests/judge/<int:pk>/entries/<int:entry_id>/<str:phase>/abstain/",
        judge.judge_abstain,
        name="judge_abstain",
    ),
    # Anyone (no login; phone and big screen)
    path("public/<str:code>/contests/", public.public_list, name="public_list"),
    path("public/contests/<int:pk>/", public.public_detail, name="public_detail"),
    # Staff (desktop)
    path("console/contests/", console.console_list, name="console_list"),
    path("console/contests/new/", console.console_new, name="console_new"),
    path("console/contests/<int:pk>/", console.console_detail, name="console_detail"),
    path("console/contests/<int:pk>/settings/", console.console_settings, name="console_settings"),
    path("console/contests/<int:pk>/judges/", console.console_judge, name="console_judge"),
    path(
        "console/contests/<int:pk>/judges/<int:person_id>/remove/",
        console.console_judge_remove,
        name="console_judge_remove",
    ),
    path("console/contests/<int:pk>/steps/<str:step>/", console.console_step, name="console_step"),
    path("console/contests/<int:pk>/scores.xlsx", console.console_xlsx, name="console_xlsx"),
]
