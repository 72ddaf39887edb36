"""Volunteers' pages (phone first): 可接的单 (open requests they may take, never with the
address), taking one (抢单: of many at once one wins, the others are told kindly), 我接的单
with the due dates, and the helper's steps: report done, hand back; the leader of a team
(or a contact of an organisation) a request was given to names the member who goes.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.errors import DomainError, NotFound
from jifen.lib.pagination import paginate
from jifen.people.models import Person
from jifen.requests import rules, selectors, services
from jifen.requests.forms import AssignForm, DoneForm, HandBackForm
from jifen.requests.models import IN_HAND, Kind, ServiceRequest, Status
from jifen.requests.views.resident import (
    contacts,
    detail_page,
    group_members,
    real_id,
    step,
    visible,
)
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view

KINDS = {"request", "wish"}


@resident_view
def open_list(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in KINDS else ""
    requests = selectors.open_for(actor, selectors.Filters(kind=kind))
    page = paginate(request, requests, per_page=20)
    return render(
        request,
        "requests/open.html",
        {
            "page": page,
            "kind": kind,
            "query": urlencode({"kind": kind}) if kind else "",
            "has_community": actor.community_id is not None or bool(selectors.unit_regions(actor)),
        },
    )


@resident_view
def taken(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    closed = request.GET.get("show") == "closed"
    requests = selectors.taken_by(actor)
    if closed:
        requests = requests.exclude(status__in=IN_HAND)
    else:
        # What is in hand: the nearest deadline first, then those waiting for confirmation.
        requests = requests.filter(status__in=IN_HAND).order_by("status", "due_on", "id")
    page = paginate(request, requests.select_related("entered_by"), per_page=20)
    for item in page:
        item.contacts = contacts(actor, item) if not closed else []
    return render(
        request,
        "requests/taken.html",
        {
            "page": page,
            "closed": closed,
            "query": "show=closed" if closed else "",
            "today": timezone.localdate(),
            "me": actor,
        },
    )


def _back(request: HttpRequest, default: str) -> str:
    """Back to the wishes wall or the open list the button was pressed on."""
    target = request.POST.get("next", "")
    if target.startswith(("/requests/", "/wishes/")) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return default


@resident_view
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    if not real_id(pk):
        raise NotFound(_("There is no such request, or you may not see it."))
    item = selectors.get_visible(actor, pk)
    fallback = _back(request, "/requests/open/")
    if item is None:
        # Taken a moment ago by someone else, so no longer open nor visible to the viewer;
        # a request they could never have taken stays a 404.
        gone = ServiceRequest.objects.filter(pk=pk).exclude(status=Status.OPEN).first()
        if gone is None or gone.status == Status.SUBMITTED or not rules.may_accept(actor, gone):
            raise NotFound(_("There is no such request, or you may not see it."))
        messages.error(request, _("Another volunteer has already taken this request."))
        return redirect(fallback)
    try:
        services.accept(actor=actor, request=item)
    except DomainError as exc:
        if exc.code == "already_taken" or (
            exc.code == "invalid_transition" and item.status != Status.OPEN
        ):
            messages.error(request, _("Another volunteer has already taken this request."))
        else:
            messages.error(request, exc.render())
        return redirect(fallback)
    if item.kind == Kind.WISH:
        text = _("The wish is yours to fulfil. The details are on this page.")
    else:
        text = _("The request is yours. The address and the deadline are on this page.")
    messages.success(request, text)
    return redirect("requests:detail", pk=item.pk)


@resident_view
@require_POST
def done(request: HttpRequest, pk: int) -> HttpResponse:
    return step(
        request,
        pk,
        DoneForm,
        "done_form",
        services.mark_done,
        _("Reported done. The resident is asked to confirm."),
    )


@resident_view
@require_POST
def hand_back(request: HttpRequest, pk: int) -> HttpResponse:
    return step(
        request,
        pk,
        HandBackForm,
        "hand_back_form",
        services.hand_back,
        _("Handed back: the request is open again for other volunteers."),
    )


@resident_view
@require_POST
def assign_member(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    item = visible(request, pk)
    members = group_members(item)
    form = AssignForm(request.POST, members=members)
    if form.is_valid():
        person: Any = Person.objects.filter(pk=form.cleaned_data["person"]).first()
        try:
            services.assign_member(actor=actor, request=item, person=person)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s will go; they are told.") % {"name": person.name})
            return redirect("requests:detail", pk=item.pk)
    return detail_page(request, item, status=400, assign_form=form)
