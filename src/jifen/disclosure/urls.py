from django.urls import path

from jifen.disclosure.views import console, public

app_name = "disclosure"

urlpatterns = [
    # Anyone, no login (phone first): 村务公开
    path("disclosures/", public.index, name="index"),
    path("disclosures/r/<str:code>/", public.region_list, name="region"),
    path("disclosures/r/<str:code>/export.xlsx", public.region_export, name="region_export"),
    path("disclosures/<int:pk>/", public.item, name="item"),
    path("disclosures/<int:pk>.pdf", public.item_pdf, name="item_pdf"),
    path("disclosures/<int:pk>.xlsx", public.item_xlsx, name="item_xlsx"),
    path("disclosures/files/<int:pk>/", public.attachment, name="attachment"),
    # Staff (desktop)
    path("console/disclosures/", console.console_list, name="console_list"),
    path("console/disclosures/export.xlsx", console.console_export, name="console_export"),
    path("console/disclosures/new/", console.console_new, name="console_new"),
    path("console/disclosures/report/", console.console_report, name="console_report"),
    path("console/disclosures/calendar/", console.console_calendar, name="console_calendar"),
    path(
        "console/disclosures/calendar/<int:pk>/delete/",
        console.console_calendar_delete,
        name="console_calendar_delete",
    ),
    path("console/disclosures/overdue/", console.console_overdue, name="console_overdue"),
    path("console/disclosures/<int:pk>/", console.console_item, name="console_item"),
    path("console/disclosures/<int:pk>/correct/", console.console_correct, name="console_correct"),
]
