"""Documents: certificates of service, the printable PDFs, the annual selection.

- Anyone (no login): ``/certificates/<number>/``, the page the certificate's QR code
  opens, and the printable PDF of a published announcement.
- The volunteer: their certificates and their printable ledger (一人一档).
- Staff of the community: issue and revoke certificates, print a resident's ledger, the
  annual selection (一年一评选) and its Excel lists.
"""

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jifen.lib.errors import DomainError, InvalidInput, NotFound
from jifen.lib.http import require_posted_community
from jifen.lib.masking import mask_name
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Person
from jifen.people.selectors import get_person_for, visible_people
from jifen.points import selectors as ledger
from jifen.points.forms import StatementForm
from jifen.points.selectors import visible_communities
from jifen.publicity import certificates, pdf, selection
from jifen.publicity.models import Announcement, Certificate, Status
from jifen.regions.models import Region
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of, resident_view

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(data: bytes, content_type: str, name: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = _attachment(data, "application/pdf", name, inline=True)
    # A person's ledger or certificate: not for a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def _this_year() -> tuple[date, date]:
    today = timezone.localdate()
    return date(today.year, 1, 1), today


# --- Certificates: the public page -------------------------------------------------------------


def certificate_url(request: HttpRequest, certificate: Certificate) -> str:
    """The address the printed QR code opens."""
    return request.build_absolute_uri(
        reverse("publicity:certificate_public", args=[certificate.number])
    )


def certificate_public(request: HttpRequest, number: str) -> HttpResponse:
    """确认: anyone holding the certificate (or its QR code) sees whether it is valid."""
    try:
        certificate = certificates.get_public(number)
    except NotFound:
        return render(
            request,
            "publicity/documents/certificate_public.html",
            {"certificate": None, "number": number[:40]},
            status=404,
        )
    intact = certificates.is_intact(certificate)
    return render(
        request,
        "publicity/documents/certificate_public.html",
        {
            "certificate": certificate,
            "masked_name": mask_name(certificate.name),
            "intact": intact,
            "valid": intact and not certificate.is_revoked,
            "hours": selection.hours_text(certificate.hours),
        },
    )


@resident_view
def certificate_download(request: HttpRequest, number: str) -> HttpResponse:
    """The PDF, for the volunteer it was issued to and the community's staff."""
    certificate = certificates.get_for(person_of(request), number)
    data = pdf.certificate_pdf(certificate, certificate_url(request, certificate))
    return _pdf(data, f"certificate-{certificate.number}.pdf")


@resident_view
def my_certificates(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "publicity/documents/my_certificates.html",
        {"certificates": certificates.certificates_of(person_of(request))},
    )


# --- Certificates: staff -----------------------------------------------------------------------


class IssueForm(StatementForm):
    person = forms.CharField(
        label=gettext_lazy("Volunteer number"),
        max_length=16,
        help_text=gettext_lazy("The volunteer's number, as on their card."),
    )
    responsible = forms.CharField(label=gettext_lazy("Responsible person"), max_length=50)
    handler = forms.CharField(label=gettext_lazy("Handled by"), max_length=50)

    field_order = ["person", "start", "end", "responsible", "handler"]


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, widget=forms.TextInput())


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Certificate number, volunteer number or name"),
        required=False,
        max_length=50,
    )


def _person_by_number(actor: Person, number: str) -> Person:
    found = (
        visible_people(actor, authz.ISSUE_CERTIFICATES).filter(volunteer_no=number.strip()).first()
    )
    if found is None:
        raise InvalidInput(
            gettext_lazy("No resident of your communities has this volunteer number."),
            field="person",
        )
    return found


@console_view
def certificates_console(request: HttpRequest) -> HttpResponse:
    """Issue a certificate (the form on top) and find the ones issued."""
    actor = person_of(request)
    authz.require(actor, authz.ISSUE_CERTIFICATES)
    start, end = _this_year()
    initial: dict[str, Any] = {"start": start, "end": end, "handler": actor.name}
    chosen = request.GET.get("person", "")
    if chosen.isdigit():
        person = get_person_for(actor, int(chosen))
        initial["person"] = person.volunteer_no
    form = IssueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = _person_by_number(actor, data["person"])
            issued = certificates.issue_certificate(
                actor=actor,
                person=person,
                start=data["start"],
                end=data["end"],
                responsible=data["responsible"],
                handler=data["handler"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Certificate %(number)s is issued: print it or give the volunteer the PDF.")
                % {"number": issued.number},
            )
            return redirect("publicity:certificate_detail", certificate_id=issued.pk)
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
    page = paginate(request, certificates.visible_certificates(actor, query), per_page=25)
    return render(
        request,
        "publicity/documents/certificates.html",
        {"form": form, "search": search, "page": page},
        status=400 if request.method == "POST" else 200,
    )


def _staff_certificate(actor: Person, certificate_id: int) -> Certificate:
    found = (
        certificates.visible_certificates(actor)
        .select_related("person", "issued_by", "revoked_by")
        .filter(pk=certificate_id)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such certificate."))
    return found


@console_view
def certificate_detail(request: HttpRequest, certificate_id: int) -> HttpResponse:
    actor = person_of(request)
    certificate = _staff_certificate(actor, certificate_id)
    return render(
        request,
        "publicity/documents/certificate_detail.html",
        {
            "certificate": certificate,
            "hours": selection.hours_text(certificate.hours),
            "intact": certificates.is_intact(certificate),
            "public_url": certificate_url(request, certificate),
            "revoke_form": RevokeForm() if not certificate.is_revoked else None,
        },
    )


@console_view
@require_POST
def certificate_revoke(request: HttpRequest, certificate_id: int) -> HttpResponse:
    actor = person_of(request)
    certificate = _staff_certificate(actor, certificate_id)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            certificates.revoke_certificate(
                actor=actor, certificate=certificate, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, exc.render())
        else:
            messages.success(request, _("The certificate is revoked; its page now says so."))
    else:
        messages.error(request, _("Please say why it is revoked."))
    return redirect("publicity:certificate_detail", certificate_id=certificate.pk)


# --- The personal ledger (一人一档) on paper ---------------------------------------------------


def _ledger_response(request: HttpRequest, person: Person) -> HttpResponse:
    start, end = _this_year()
    form = StatementForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound:
        if not form.is_valid():
            raise InvalidInput(_("Give the period as two dates, the start first."))
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    account = ledger.account_of(person)
    sheet = ledger.statement(account, start, end) if account else None
    data = pdf.ledger_pdf(person, sheet, start, end)
    name = f"ledger-{person.volunteer_no or person.pk}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    return _pdf(data, name)


@resident_view
def my_ledger_pdf(request: HttpRequest) -> HttpResponse:
    return _ledger_response(request, person_of(request))


@console_view
def person_ledger_pdf(request: HttpRequest, person_id: int) -> HttpResponse:
    """Staff of the person's community print their ledger (to file, or to give them)."""
    return _ledger_response(request, get_person_for(person_of(request), person_id))


# --- The monthly announcement on paper ------------------------------------------------------


def announcement_url(request: HttpRequest, announcement: Announcement) -> str:
    """The verify page of the announcement, for the printed QR code: what a person holding
    the paper can check, and their own entries once they log in."""
    try:
        path = reverse("publicity:verify_announcement", args=[announcement.pk])
    except NoReverseMatch:  # without the public pages: the contract's API document
        path = f"/api/v1/public/announcements/{announcement.pk}"
    return request.build_absolute_uri(path)


def announcement_pdf(request: HttpRequest, announcement_id: int) -> HttpResponse:
    """The published 公示 on A4, for anyone (it is public); a draft, for its staff only."""
    found = (
        Announcement.objects.select_related("community")
        .filter(pk=announcement_id)
        .defer("leaves")
        .first()
    )
    user = request.user
    may_see = found is not None and (
        found.status == Status.PUBLISHED
        or authz.can(user, authz.DRAFT_ANNOUNCEMENTS, found.community)  # type: ignore[arg-type]
        or authz.can(user, authz.PUBLISH_ANNOUNCEMENTS, found.community)  # type: ignore[arg-type]
    )
    if found is None or not may_see:
        return render(
            request,
            "web/error.html",
            {"title": _("Not found"), "text": _("There is no such announcement.")},
            status=404,
        )
    data = pdf.announcement_pdf(found, announcement_url(request, found))
    response = _attachment(
        data, "application/pdf", f"announcement-{found.community.code}-{found.month}.pdf", True
    )
    if found.status != Status.PUBLISHED:
        response["Cache-Control"] = "private, no-store"
    return response


# --- 一年一评选 ------------------------------------------------------------------------------


class PolicyForm(forms.Form):
    star_hours = forms.CharField(
        label=gettext_lazy("Service hours of each star level"),
        required=False,
        max_length=60,
        help_text=gettext_lazy(
            "Hours of 1 star, 2 stars … separated by commas. Empty: the national practice, "
            "100,300,600,1000,1500."
        ),
    )
    certificate_issuer = forms.CharField(
        label=gettext_lazy("Issuing organisation of certificates"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Empty: the community's name."),
    )


def _community_and_year(request: HttpRequest, actor: Person) -> tuple[Region, list[Region], int]:
    communities = list(visible_communities(actor, authz.VIEW_LEDGER))
    if not communities:
        raise NotFound(_("You hold no role over a community."))
    code = request.GET.get("community") or request.POST.get("community") or ""
    chosen = next((c for c in communities if c.code == code), None)
    if chosen is None:
        chosen = actor.community if actor.community in communities else communities[0]
    this_year = timezone.localdate().year
    raw = request.GET.get("year") or request.POST.get("year") or ""
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= this_year else this_year
    return chosen, communities, year


@console_view
def selection_page(request: HttpRequest) -> HttpResponse:
    """The community's year: star volunteers, the points ranking, model families, and the
    report of in-service party members for their employers, each exported to Excel."""
    actor = person_of(request)
    community, communities, year = _community_and_year(request, actor)
    figures = selection.year_of(community, year)
    may_set = authz.can(actor, authz.MANAGE_RULES, community)
    policy = selection.own_policy(community)
    policy_form = (
        PolicyForm(
            initial={
                "star_hours": policy.star_hours,
                "certificate_issuer": policy.certificate_issuer,
            }
        )
        if may_set
        else None
    )
    party = selection.party_report(community, year)
    return render(
        request,
        "publicity/documents/selection.html",
        {
            "community": community,
            "communities": communities,
            "year": year,
            "years": selection.years_with_service(community),
            "figures": figures,
            "levels": [
                (selection.stars(n), selection.hours_text(h))
                for n, h in enumerate(figures.thresholds, start=1)
            ],
            "ranking": figures.ranking[:50],
            "stars": figures.star_candidates[:50],
            "households": selection.households(figures)[:30],
            "party": party,
            "employers": selection.employers(community),
            "policy_form": policy_form,
        },
    )


EXPORTS = {
    "ranking": ("points-ranking", selection.ranking_workbook),
    "stars": ("star-volunteers", selection.stars_workbook),
    "households": ("model-families", selection.households_workbook),
}


@console_view
def selection_export(request: HttpRequest, kind: str) -> HttpResponse:
    actor = person_of(request)
    community, _communities, year = _community_and_year(request, actor)
    if kind == "party":
        employer = request.GET.get("employer")
        data = selection.party_workbook(community, year, employer)
        name = f"party-members-{community.code}-{year}.xlsx"
    elif kind in EXPORTS:
        stem, build = EXPORTS[kind]
        data = build(selection.year_of(community, year))
        name = f"{stem}-{community.code}-{year}.xlsx"
    else:
        raise NotFound()
    return _attachment(data, XLSX, name)


@console_view
@require_POST
def selection_policy(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    community, _communities, year = _community_and_year(request, actor)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            require_posted_community(request, community.code)
            selection.save_policy(
                actor=actor,
                community=community,
                star_hours=form.cleaned_data["star_hours"],
                certificate_issuer=form.cleaned_data["certificate_issuer"],
            )
        except DomainError as exc:
            messages.error(request, exc.render())
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Please check the settings."))
    return redirect(
        f"{reverse('publicity:selection')}?community={community.code}&year={year}#settings"
    )
