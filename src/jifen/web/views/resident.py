from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jifen.inbox.pages import lines_for
from jifen.inbox.selectors import HOME, MERCHANT
from jifen.people import authz, selectors
from jifen.people.models import OrganizationMember
from jifen.points.selectors import balance_of
from jifen.property_review import selectors as property_review
from jifen.shop.selectors import operated_merchants


def home(request: HttpRequest) -> HttpResponse:
    """The resident's home page; visitors see how to join."""
    if not request.user.is_authenticated:
        return render(request, "web/welcome.html")
    person = request.user
    return render(
        request,
        "web/home.html",
        {
            "person": person,
            "grants": selectors.grants_of(person),  # type: ignore[arg-type]
            "proxies_for": selectors.principals_of(person),  # type: ignore[arg-type]
            "is_worker": authz.can(person, authz.OPEN_CONSOLE),  # type: ignore[arg-type]
            "balance": balance_of(person),  # type: ignore[arg-type]
            # A partner shop's operator finds its counter here, role or not.
            "merchants": list(operated_merchants(person)),  # type: ignore[arg-type]
            "todo": lines_for(person, (MERCHANT, HOME)),  # type: ignore[arg-type]
            # A unit's contact finds the unit's page here (驻区单位, 回家报到's statements).
            "is_unit_contact": OrganizationMember.objects.filter(
                person=person, is_contact=True
            ).exists(),
            "in_property_review": property_review.involved(person),  # type: ignore[arg-type]
        },
    )
