"""The unit's pages (its contacts, and staff): the quarters' sealed statements (服务登记卡),
their PDF, and members who did not report home in half a year (with Excel)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError
from jifen.party import exports, pdf, selectors, services
from jifen.party.models import Statement
from jifen.people.models import Organization, Person
from jifen.web.views.errors import person_of, resident_view


def _unit(actor: Person, pk: int) -> Organization:
    found = (
        Organization.objects.select_related("region").filter(pk=pk).first()
        if 1 <= pk <= MAX_ID
        else None
    )
    if found is None or not services.may_read_unit(actor, found):
        raise Http404
    return found


def _statement(actor: Person, pk: int, quarter: str) -> Statement:
    organization = _unit(actor, pk)
    found = services.get_statement(organization, quarter[:8])
    if found is None:
        raise Http404
    return found


def public_url(request: HttpRequest, statement: Statement) -> str:
    path = reverse("party:public_statement", args=[statement.pk])
    return request.build_absolute_uri(f"{path}?seal={statement.seal}")


@resident_view
def my_units(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    return render(request, "party/units.html", {"units": selectors.contact_units(person)})


@resident_view
def unit_home(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    organization = _unit(person, pk)
    sealed = {s.quarter: s for s in selectors.statements_of(organization)}
    quarters = [
        {"quarter": q, "statement": sealed.get(q)}
        for q in services.ended_quarters(timezone.localdate())
    ]
    return render(
        request,
        "party/unit.html",
        {
            "unit": organization,
            "quarters": quarters,
            "older": [s for q, s in sealed.items() if q not in {r["quarter"] for r in quarters}],
            "not_reporting": selectors.not_reporting(
                organization, people=services.readable_people(person, organization)
            )[:200],
        },
    )


@require_POST
@resident_view
def seal(request: HttpRequest, pk: int, quarter: str) -> HttpResponse:
    """Seal a quarter's statement (once, after the quarter ended: the service refuses more)."""
    person = person_of(request)
    organization = _unit(person, pk)
    try:
        made = services.statement(actor=person, organization=organization, quarter=quarter[:8])
    except DomainError as exc:
        messages.error(request, exc.render())
        return redirect("party:unit", pk=organization.pk)
    return redirect("party:statement", pk=organization.pk, quarter=made.quarter)


@resident_view
def statement(request: HttpRequest, pk: int, quarter: str) -> HttpResponse:
    person = person_of(request)
    found = _statement(person, pk, quarter)
    members = [line for line in services.lines_for(person, found) if line["kind"] == "member"]
    # The lines shown (with full names) are the stored ones: say so when they no longer
    # lead to the seal (changed behind Jifen's back), as the public check would.
    matches = services.check_published(found)[0] and services.seal_witnessed(found) is not False
    return render(
        request,
        "party/statement.html",
        {
            "statement": found,
            "unit": found.organization,
            "members": members,
            "public_url": public_url(request, found),
            "matches": matches,
        },
    )


@resident_view
def statement_pdf(request: HttpRequest, pk: int, quarter: str) -> HttpResponse:
    person = person_of(request)
    found = _statement(person, pk, quarter)
    if not services.check_published(found)[0] or services.seal_witnessed(found) is False:
        # Never print a record that no longer leads to its seal as if it were the sealed one.
        messages.error(
            request, _("This record no longer matches its seal, so it cannot be printed.")
        )
        return redirect("party:statement", pk=found.organization_id, quarter=found.quarter)
    response = HttpResponse(
        pdf.statement_pdf(found, public_url(request, found), services.lines_for(person, found)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{found.organization_id}-{found.quarter}.pdf"'
    )
    return response


@resident_view
def not_reporting_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    organization = _unit(person, pk)
    response = HttpResponse(
        exports.not_reporting_xlsx(
            organization,
            selectors.not_reporting(
                organization, people=services.readable_people(person, organization)
            ),
        ),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="not-reporting-{organization.pk}.xlsx"'
    return response
