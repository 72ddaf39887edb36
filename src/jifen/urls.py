from django.urls import include, path

from jifen.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("open311/v2/", include("jifen.incidents.open311_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("jifen.points.urls")),
    path("", include("jifen.claims.urls")),
    path("", include("jifen.activities.urls")),
    path("", include("jifen.shop.urls")),
    path("", include("jifen.publicity.urls")),
    path("", include("jifen.notices.urls")),
    path("", include("jifen.inbox.urls")),
    path("", include("jifen.imports.urls")),
    path("", include("jifen.requests.urls")),
    path("", include("jifen.incidents.urls")),
    path("", include("jifen.disclosure.urls")),
    path("", include("jifen.messages.urls")),
    path("", include("jifen.deliberation.urls")),
    path("", include("jifen.inspection.urls")),
    path("", include("jifen.witness.urls")),
    path("", include("jifen.units.urls")),
    path("", include("jifen.projects.urls")),
    path("", include("jifen.party.urls")),
    path("", include("jifen.contests.urls")),
    path("", include("jifen.property_review.urls")),
    path("", include("jifen.web.urls")),
]

handler404 = "jifen.web.views.errors.not_found"
handler500 = "jifen.web.views.errors.server_error"
handler403 = "jifen.web.views.errors.forbidden"
handler400 = "jifen.web.views.errors.bad_request"
