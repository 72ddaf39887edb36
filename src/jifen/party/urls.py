from django.urls import URLPattern, URLResolver, path

from jifen.party.views import console, member, public, unit

app_name = "party"

urlpatterns: list[URLPattern | URLResolver] = [
    # The party member (phone): 报到, my reports, needs to take, my service at home
    path("party/", member.home, name="home"),
    path("party/report/", member.file_report, name="file_report"),
    path("party/report/<int:pk>/end/", member.end_report, name="end_report"),
    path("party/needs/<int:pk>/take/", member.take_need, name="take_need"),
    # A unit's contacts (and staff): statements, PDF, members not reporting
    path("party/units/", unit.my_units, name="units"),
    path("party/units/<int:pk>/", unit.unit_home, name="unit"),
    path(
        "party/units/<int:pk>/not-reporting.xlsx",
        unit.not_reporting_xlsx,
        name="not_reporting_xlsx",
    ),
    path("party/units/<int:pk>/statements/<str:quarter>/", unit.statement, name="statement"),
    path("party/units/<int:pk>/statements/<str:quarter>/seal/", unit.seal, name="seal"),
    path(
        "party/units/<int:pk>/statements/<str:quarter>/pdf/",
        unit.statement_pdf,
        name="statement_pdf",
    ),
    # Anyone: check a statement's seal
    path("public/statements/<int:pk>/", public.statement_check, name="public_statement"),
    # Staff (desktop)
    path("console/party/", console.reports, name="console_reports"),
    path("console/party/reports/<int:pk>/", console.report_detail, name="console_report"),
    path("console/party/reports/<int:pk>/correct/", console.report_correct, name="console_correct"),
    path("console/party/reports/<int:pk>/end/", console.report_end, name="console_end"),
    path("console/party/home-days/", console.home_days, name="console_home_days"),
    path("console/party/approvals/", console.approvals, name="console_approvals"),
    path("console/party/approvals/<int:pk>/approve/", console.approve, name="console_approve"),
    path("console/party/approvals/<int:pk>/reject/", console.reject, name="console_reject"),
    path("console/party/units/", console.units, name="console_units"),
]
