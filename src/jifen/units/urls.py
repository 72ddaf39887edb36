from django.urls import URLPattern, URLResolver, path

from jifen.units.views import console, public, resident

app_name = "units"

urlpatterns: list[URLPattern | URLResolver] = [
    # A unit's contact (phone): 单位积分 — balance, declare, claims, alliance, spending
    path("units/", resident.my_units, name="mine"),
    path("units/<int:pk>/", resident.home, name="home"),
    path("units/<int:pk>/alliance/", resident.join, name="join"),
    path(
        "units/<int:pk>/alliance/<int:membership_id>/withdraw/",
        resident.withdraw,
        name="withdraw",
    ),
    path("units/<int:pk>/alliance/<int:membership_id>/leave/", resident.leave, name="leave"),
    path("units/<int:pk>/spend/", resident.spend, name="spend"),
    # Anyone (no login): a community's 红色积分联盟, a community's or town's unit ranking
    path("public/<str:code>/alliance/", public.alliance, name="public_alliance"),
    path("public/<str:code>/unit-rankings/", public.rankings, name="public_rankings"),
    # Staff (desktop)
    path("console/units/", console.unit_list, name="console_list"),
    path("console/units/alliance/", console.alliance_requests, name="console_alliance"),
    path(
        "console/units/alliance/<int:membership_id>/accept/",
        console.alliance_accept,
        name="console_accept",
    ),
    path(
        "console/units/alliance/<int:membership_id>/decline/",
        console.alliance_decline,
        name="console_decline",
    ),
    path(
        "console/units/alliance/<int:membership_id>/remove/",
        console.alliance_remove,
        name="console_remove",
    ),
    path("console/units/rankings/", console.rankings, name="console_rankings"),
    path("console/units/uses/", console.uses, name="console_uses"),
    path("console/units/uses/<int:use_id>/toggle/", console.use_toggle, name="console_use_toggle"),
    path("console/units/<int:pk>/", console.unit_detail, name="console_detail"),
    path("console/units/<int:pk>/edit/", console.unit_edit, name="console_edit"),
    path("console/units/<int:pk>/contacts/", console.contact_add, name="console_contact_add"),
    path(
        "console/units/<int:pk>/contacts/remove/",
        console.contact_remove,
        name="console_contact_remove",
    ),
]
