from django.urls import path

from jifen.incidents.views import console, detail, field, reporting, resident

app_name = "incidents"

urlpatterns = [
    # Residents (phone): 我要反映, 我的反映
    path("incidents/", resident.mine, name="mine"),
    path("incidents/new/", resident.new, name="new"),
    # Grid workers (phone): 我的网格, 上报; and 我处置的 for whoever an incident was given to
    path("grid/", field.grid, name="grid"),
    path("grid/report/", field.report, name="report"),
    path("incidents/handling/", field.handling, name="handling"),
    # Before sending a report: open incidents nearby of the same kind (htmx partial)
    path("incidents/duplicates/", reporting.duplicates, name="duplicates"),
    # Everyone who may see it (phone first): one incident, its timeline and the steps
    path("incidents/<int:pk>/", detail.detail, name="detail"),
    path("incidents/<int:pk>/accept/", field.accept, name="accept"),
    path("incidents/<int:pk>/assign/", field.assign, name="assign"),
    path("incidents/<int:pk>/escalate/", field.escalate, name="escalate"),
    path("incidents/<int:pk>/resolve/", detail.resolve, name="resolve"),
    path("incidents/<int:pk>/verify/", detail.verify, name="verify"),
    path("incidents/<int:pk>/rate/", detail.rate, name="rate"),
    path("incidents/<int:pk>/reopen/", detail.reopen, name="reopen"),
    path("incidents/photos/<int:photo_id>/", detail.photo, name="photo"),
    # Staff (desktop): the queue, categories, dashboards
    path("console/incidents/", console.console_list, name="console_list"),
    path("console/incidents/export.xlsx", console.console_export, name="console_export"),
    path("console/incidents/new/", console.console_intake, name="console_intake"),
    path("console/incidents/categories/", console.console_categories, name="console_categories"),
    path(
        "console/incidents/categories/edit/",
        console.console_category_edit,
        name="console_category_edit",
    ),
    path("console/incidents/dashboard/", console.console_dashboard, name="console_dashboard"),
    path(
        "console/incidents/dashboard.xlsx",
        console.console_dashboard_export,
        name="console_dashboard_export",
    ),
    path("console/calendar/", console.console_calendar, name="console_calendar"),
    path("console/incidents/<int:pk>/", console.console_detail, name="console_detail"),
    path("console/incidents/<int:pk>/accept/", console.console_accept, name="console_accept"),
    path("console/incidents/<int:pk>/assign/", console.console_assign, name="console_assign"),
    path("console/incidents/<int:pk>/escalate/", console.console_escalate, name="console_escalate"),
    path("console/incidents/<int:pk>/close/", console.console_close, name="console_close"),
    path("console/incidents/<int:pk>/verify/", console.console_verify, name="console_verify"),
]
