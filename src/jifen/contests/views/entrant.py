"""Pages of a team's leader or a unit's contact (phone first): the contests open to their
teams and units, entering a project with its documents, their entries; and a document's
download for whoever may read its entry (staff, judges, the entrant)."""

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.contests import selectors, services
from jifen.contests.forms import EntryForm
from jifen.contests.models import Document, Entry, Stage
from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError
from jifen.people.models import Organization, Person, Team
from jifen.regions.models import Level, Region
from jifen.regions.selectors import subtree
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view

# A county has a few hundred communities and villages; a select beyond that is no help.
MAX_COMMUNITIES = 1000


@resident_view
def mine(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    return render(
        request,
        "contests/mine.html",
        {
            "open": selectors.open_for_entries(person),
            "entries": selectors.my_entries(person)[:50],
            "judging": selectors.judging(person)[:20],
        },
    )


def _entrants(person: Person, contest: Any) -> list[tuple[str, str]]:
    rows = [
        (f"team:{t.pk}", t.name)
        for t in selectors.entrant_teams(person)
        if t.region.is_within(contest.region) or contest.region.is_within(t.region)
    ]
    rows += [
        (f"org:{o.pk}", o.name)
        for o in selectors.entrant_organizations(person)
        if o.region.is_within(contest.region) or contest.region.is_within(o.region)
    ]
    return rows


def _communities(contest: Any) -> list[tuple[str, str]]:
    """The communities of a town's or county's contest where a project may run."""
    if contest.region.level == Level.COMMUNITY:
        return []
    rows = subtree(contest.region).filter(level=Level.COMMUNITY).order_by("path")
    return [(r.code, r.name) for r in rows[:MAX_COMMUNITIES]]


def _entrant(value: str) -> tuple[Team | None, Organization | None]:
    kind, _sep, raw = value.partition(":")
    pk = int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_ID else 0
    if kind == "team":
        return Team.objects.select_related("region").filter(pk=pk).first(), None
    return None, Organization.objects.select_related("region").filter(pk=pk).first()


@resident_view
def enter(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    contest = selectors.get(pk) if 1 <= pk <= MAX_ID else None
    if contest is None or contest.stage == Stage.DRAFT:
        raise Http404
    entrants = _entrants(person, contest)
    communities = _communities(contest)
    form = EntryForm(request.POST or None, entrants=entrants, communities=communities)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            team, organization = _entrant(data["entrant"])
            try:
                with transaction.atomic():
                    entry = services.submit_entry(
                        actor=person,
                        contest=contest,
                        team=team,
                        organization=organization,
                        title=data["title"],
                        summary=data["summary"],
                        years_running=data["years_running"],
                        core_members=data["core_members"],
                        budget_fen=services.parse_yuan(data["budget_yuan"]),
                        milestones=data["milestones"],
                        documents=request.FILES.getlist("documents"),
                        community=Region.objects.filter(code=data.get("community") or "").first(),
                    )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Your project is entered."))
                return redirect("contests:entry", pk=entry.pk)
    return render(
        request,
        "contests/enter.html",
        {"contest": contest, "form": form, "entrants": entrants},
        status=status,
    )


def _readable_entry(person: Person, pk: int) -> Entry:
    entry = selectors.get_entry(pk) if 1 <= pk <= MAX_ID else None
    if entry is None or not selectors.may_read_entry(person, entry):
        raise Http404
    return entry


@resident_view
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    found = _readable_entry(person, pk)
    own = services.may_enter_for(person, team=found.team, organization=found.organization)
    return render(
        request,
        "contests/entry.html",
        {
            "entry": found,
            "contest": found.contest,
            "own": own,
            "may_withdraw": own
            and found.contest.stage == Stage.SUBMISSION
            and found.status == "submitted",
            "named": selectors.shows_entrant(found.contest, person),
            "judging": not own and selectors.is_judge(person, found.contest),
        },
    )


@require_POST
@resident_view
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    found = _readable_entry(person, pk)
    try:
        services.withdraw_entry(actor=person, entry=found)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("Your entry is withdrawn."))
    return redirect("contests:entry", pk=found.pk)


@resident_view
def document(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    row = Document.objects.filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if row is None:
        raise Http404
    found = _readable_entry(person, row.entry_id)
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response: HttpResponse = FileResponse(  # type: ignore[assignment]
        handle,
        content_type=row.content_type,
        as_attachment=not row.is_image,
        filename=row.shown_name(selectors.shows_entrant(found.contest, person)),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
