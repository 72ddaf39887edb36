from django.urls import path

from jifen.publicity.views import console, documents, kiosk, objections, public, verify

app_name = "publicity"

urlpatterns = [
    path("certificates/", documents.my_certificates, name="my_certificates"),
    path("certificates/<str:number>/", documents.certificate_public, name="certificate_public"),
    path(
        "certificates/<str:number>/pdf/",
        documents.certificate_download,
        name="certificate_pdf",
    ),
    path("documents/ledger.pdf", documents.my_ledger_pdf, name="my_ledger_pdf"),
    path(
        "documents/announcements/<int:announcement_id>.pdf",
        documents.announcement_pdf,
        name="announcement_pdf",
    ),
    path("console/certificates/", documents.certificates_console, name="certificates"),
    path(
        "console/certificates/<int:certificate_id>/",
        documents.certificate_detail,
        name="certificate_detail",
    ),
    path(
        "console/certificates/<int:certificate_id>/revoke/",
        documents.certificate_revoke,
        name="certificate_revoke",
    ),
    path(
        "console/people/<int:person_id>/ledger.pdf",
        documents.person_ledger_pdf,
        name="person_ledger_pdf",
    ),
    path("console/selection/", documents.selection_page, name="selection"),
    path("console/selection/policy/", documents.selection_policy, name="selection_policy"),
    path("console/selection/<str:kind>.xlsx", documents.selection_export, name="selection_export"),
    # 每月公示 in the console: the months, drafting, review, publishing, objections.
    path("console/announcements/", console.announcements, name="console"),
    path("console/announcements/new/", console.draft, name="console_draft"),
    path(
        "console/announcements/<int:announcement_id>/",
        console.announcement,
        name="console_announcement",
    ),
    path(
        "console/announcements/<int:announcement_id>/redraft/",
        console.redraft,
        name="console_redraft",
    ),
    path(
        "console/announcements/<int:announcement_id>/publish/",
        console.publish,
        name="console_publish",
    ),
    path(
        "console/announcements/<int:announcement_id>/objections/",
        console.objections,
        name="console_objections",
    ),
    path("console/objections/<int:objection_id>/answer/", console.answer, name="console_answer"),
    # The public verify page (no login) and a resident's proof to download.
    path("verify/", verify.verify, name="verify"),
    path("verify/mine/", verify.verify_mine, name="verify_mine"),
    path("verify/method/", verify.verify_method, name="verify_method"),
    path(
        "verify/announcements/<int:announcement_id>/",
        verify.verify_announcement,
        name="verify_announcement",
    ),
    path("verify/proof/<int:announcement_id>.json", verify.proof_download, name="proof_download"),
    # The public pages (no login): 公示, rankings, activity news; the big screen.
    path("public/", public.index, name="public_index"),
    path("public/rankings/", public.rankings_home, name="rankings_home"),
    path(
        "public/announcements/<int:announcement_id>/",
        public.announcement_page,
        name="public_announcement",
    ),
    path(
        "public/announcements/<int:announcement_id>/object/",
        objections.object_to,
        name="object",
    ),
    path("objections/", objections.mine, name="my_objections"),
    path("public/<str:code>/", public.region_page, name="public_region"),
    path("public/<str:code>/announcements/", public.announcement_list, name="public_announcements"),
    path("public/<str:code>/rankings/", public.ranking_page, name="public_rankings"),
    path("public/<str:code>/activities/", public.activities_page, name="public_activities"),
    path("kiosk/<str:code>/", kiosk.screen, name="kiosk"),
    path("kiosk/<str:code>/panels/", kiosk.panels, name="kiosk_panels"),
]
