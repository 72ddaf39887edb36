"""每月公示 in the work console: the months of each community, drafting one, the review of
a draft, publishing and sealing it, and answering the objections residents file.

Staff draft and answer; the review group (reviewers) publishes. Every decision is a
service call; the pages only hide buttons a person could not use.
"""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.errors import DomainError
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Person
from jifen.points.selectors import visible_communities
from jifen.publicity import selectors, services
from jifen.publicity.forms import AnswerForm, DraftForm, FilterForm, ObjectionFilterForm
from jifen.publicity.models import Announcement, Objection, ObjectionStatus, Status
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

LINES_PER_PAGE = 50


def _may_announce(person: Person) -> bool:
    return authz.can(person, authz.DRAFT_ANNOUNCEMENTS) or authz.can(
        person, authz.PUBLISH_ANNOUNCEMENTS
    )


def _require_announcer(person: Person) -> None:
    if not _may_announce(person):
        authz.require(person, authz.DRAFT_ANNOUNCEMENTS)  # refuses, naming the action


def _choices(person: Person, action: authz.Action) -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in visible_communities(person, action)]


def _pdf_url(announcement: Announcement) -> str:
    """The printable announcement, when the documents are installed alongside."""
    try:
        return reverse("publicity:announcement_pdf", args=[announcement.pk])
    except NoReverseMatch:
        return ""


# --- The months -----------------------------------------------------------------------------


@console_view
def announcements(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _require_announcer(actor)
    communities = sorted(
        set(_choices(actor, authz.DRAFT_ANNOUNCEMENTS))
        | set(_choices(actor, authz.PUBLISH_ANNOUNCEMENTS)),
        key=lambda c: c[0],
    )
    form = FilterForm(request.GET or None, communities=communities)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.staff_announcements(actor)
    if data.get("community"):
        rows = rows.filter(community__code=data["community"])
    if data.get("status"):
        rows = rows.filter(status=data["status"])
    if request.GET.get("objections") == "open":  # the to-do's "objections to answer"
        rows = rows.filter(open_objections__gt=0)
    page = paginate(request, rows, per_page=25)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "publicity/console/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_draft": authz.can(actor, authz.DRAFT_ANNOUNCEMENTS),
            "drafts_waiting": selectors.staff_announcements(actor)
            .filter(status=Status.DRAFT)
            .count(),
        },
    )


@console_view
def draft(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.DRAFT_ANNOUNCEMENTS)
    communities = _choices(actor, authz.DRAFT_ANNOUNCEMENTS)
    form = DraftForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        community = visible_communities(actor, authz.DRAFT_ANNOUNCEMENTS).get(
            code=form.cleaned_data["community"]
        )
        try:
            announcement = services.draft(
                actor=actor, community=community, month=form.cleaned_data["month"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The announcement of %(month)s is drafted. Check it, then ask the review "
                    "group to publish it."
                )
                % {"month": announcement.month},
            )
            return redirect("publicity:console_announcement", announcement_id=announcement.pk)
    return render(
        request,
        "publicity/console/draft.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- One month ------------------------------------------------------------------------------


def _page(request: HttpRequest, announcement: Announcement, status: int = 200) -> HttpResponse:
    actor = person_of(request)
    community = announcement.community
    is_draft = announcement.status == Status.DRAFT
    lines = selectors.lines(community, announcement.month)
    page = paginate(request, lines, per_page=LINES_PER_PAGE)
    shown = [selectors.line(transfer) for transfer in page.object_list]
    return render(
        request,
        "publicity/console/announcement.html",
        {
            "announcement": announcement,
            "totals": announcement.totals,
            "page": page,
            "lines": shown,
            "can_redraft": is_draft and authz.can(actor, authz.DRAFT_ANNOUNCEMENTS, community),
            "can_publish": is_draft and authz.can(actor, authz.PUBLISH_ANNOUNCEMENTS, community),
            "can_answer": authz.can(actor, authz.DRAFT_ANNOUNCEMENTS, community),
            "window_open": announcement.objections_until is not None
            and timezone.now() <= announcement.objections_until,
            "pdf_url": "" if is_draft else _pdf_url(announcement),
            "verify_url": reverse("publicity:verify"),
        },
        status=status,
    )


@console_view
def announcement(request: HttpRequest, announcement_id: int) -> HttpResponse:
    return _page(request, selectors.get_for_staff(person_of(request), announcement_id))


@console_view
@require_POST
def redraft(request: HttpRequest, announcement_id: int) -> HttpResponse:
    actor = person_of(request)
    found = selectors.get_for_staff(actor, announcement_id)
    try:
        services.draft(actor=actor, community=found.community, month=found.month)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The figures are worked out again from the ledger."))
    return redirect("publicity:console_announcement", announcement_id=found.pk)


@console_view
@require_POST
def publish(request: HttpRequest, announcement_id: int) -> HttpResponse:
    actor = person_of(request)
    found = selectors.get_for_staff(actor, announcement_id)
    try:
        done = services.publish(actor=actor, announcement=found.pk)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(
            request,
            _(
                "%(month)s is published and sealed. Print the seal on the announcement; "
                "residents may object until %(date)s."
            )
            % {
                "month": done.month,
                "date": timezone.localtime(done.objections_until).strftime("%Y-%m-%d %H:%M")
                if done.objections_until
                else "",
            },
        )
    return redirect("publicity:console_announcement", announcement_id=found.pk)


# --- Objections -----------------------------------------------------------------------------


def _objections_page(
    request: HttpRequest,
    announcement: Announcement,
    forms: dict[int, AnswerForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = person_of(request)
    filters = ObjectionFilterForm(request.GET or None)
    chosen = filters.cleaned_data.get("status") if filters.is_valid() else ""
    rows = announcement.objections.select_related(
        "person", "transfer", "answered_by", "correction"
    ).order_by("created_at", "pk")
    if chosen:
        rows = rows.filter(status=chosen)
    page = paginate(request, rows, per_page=25)
    can_answer = authz.can(actor, authz.DRAFT_ANNOUNCEMENTS, announcement.community)
    forms = forms or {}
    items = [
        {
            "objection": objection,
            "form": forms.get(objection.pk) or AnswerForm(prefix=f"o{objection.pk}"),
        }
        for objection in page.object_list
    ]
    counts = announcement.objections.aggregate(
        open=Count("pk", filter=Q(status=ObjectionStatus.OPEN)), all=Count("pk")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "publicity/console/objections.html",
        {
            "announcement": announcement,
            "filters": filters,
            "page": page,
            "items": items,
            "counts": counts,
            "can_answer": can_answer,
            "query": query.urlencode(),
        },
        status=status,
    )


@console_view
def objections(request: HttpRequest, announcement_id: int) -> HttpResponse:
    actor = person_of(request)
    found = selectors.get_for_staff(actor, announcement_id)
    return _objections_page(request, found)


@console_view
@require_POST
def answer(request: HttpRequest, objection_id: int) -> HttpResponse:
    actor = person_of(request)
    objection = Objection.objects.filter(pk=objection_id).values_list("announcement_id").first()
    found = selectors.get_for_staff(actor, objection[0] if objection else 0)
    form = AnswerForm(request.POST, prefix=f"o{objection_id}")
    if form.is_valid():
        try:
            services.answer(
                actor=actor,
                objection=objection_id,
                text=form.cleaned_data["answer"],
                correction_id=form.cleaned_data["correction"],
            )
        except DomainError as exc:
            if exc.status in (403, 404, 409):
                messages.error(request, exc.render())
                return redirect("publicity:console_objections", announcement_id=found.pk)
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your answer is recorded; the resident can read it."))
            return redirect("publicity:console_objections", announcement_id=found.pk)
    return _objections_page(request, found, forms={objection_id: form}, status=400)
