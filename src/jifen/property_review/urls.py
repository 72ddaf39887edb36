"""物业互评: quarterly cross-evaluation of property companies, findings tracked to fixes."""

from django.urls import path

from jifen.property_review.views import console, public, resident

app_name = "property_review"

urlpatterns = [
    # Panel members and property companies' contacts (phone)
    path("property-reviews/", resident.mine, name="mine"),
    path("property-reviews/inspections/<int:pk>/", resident.inspection, name="inspection"),
    path(
        "property-reviews/inspections/<int:pk>/scores/",
        resident.inspection_scores,
        name="inspection_scores",
    ),
    path(
        "property-reviews/inspections/<int:pk>/findings/",
        resident.inspection_finding,
        name="inspection_finding",
    ),
    path("property-reviews/findings/<int:pk>/", resident.finding, name="finding"),
    path(
        "property-reviews/findings/<int:pk>/<slug:step>/",
        resident.finding_step,
        name="finding_step",
    ),
    path("property-reviews/photos/<int:pk>/", resident.photo, name="photo"),
    # Anyone (no login; phone and big screen)
    path("public/<str:code>/property-reviews/", public.public_list, name="public_list"),
    path("public/property-reviews/<int:pk>/", public.public_detail, name="public_detail"),
    path("public/property-reviews/<int:pk>/scores.xlsx", public.public_xlsx, name="public_xlsx"),
    # Staff (desktop)
    path("console/property-reviews/", console.console_list, name="console_list"),
    path("console/property-reviews/<int:pk>/", console.console_detail, name="console_detail"),
    path(
        "console/property-reviews/<int:pk>/scores.xlsx", console.console_xlsx, name="console_xlsx"
    ),
    path(
        "console/property-reviews/<int:pk>/companies/",
        console.console_company,
        name="console_company",
    ),
    path(
        "console/property-reviews/<int:pk>/companies/<int:company_id>/remove/",
        console.console_company_remove,
        name="console_company_remove",
    ),
    path("console/property-reviews/<int:pk>/items/", console.console_item, name="console_item"),
    path(
        "console/property-reviews/<int:pk>/items/<int:item_id>/remove/",
        console.console_item_remove,
        name="console_item_remove",
    ),
    path(
        "console/property-reviews/<int:pk>/inspections/",
        console.console_inspection,
        name="console_inspection",
    ),
    path("console/property-reviews/<int:pk>/panel/", console.console_panel, name="console_panel"),
    path(
        "console/property-reviews/<int:pk>/panel/<int:member_id>/remove/",
        console.console_panel_remove,
        name="console_panel_remove",
    ),
    path(
        "console/property-reviews/<int:pk>/cancel/", console.console_cancel, name="console_cancel"
    ),
    path(
        "console/property-reviews/<int:pk>/<slug:step>/",
        console.console_step,
        name="console_step",
    ),
    path(
        "console/property-reviews/findings/<int:pk>/",
        console.console_finding,
        name="console_finding",
    ),
    path(
        "console/property-reviews/findings/<int:pk>/<slug:step>/",
        console.console_finding_step,
        name="console_finding_step",
    ),
]
