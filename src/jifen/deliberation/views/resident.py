"""Residents' pages (phone first): 议事 — the polls open for me, one matter with big vote
buttons (the vote can be changed until the close), its result once closed."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.deliberation import selectors, services
from jifen.deliberation.forms import ProgressForm, VoteForm
from jifen.deliberation.models import ActionStatus, Choice, Status
from jifen.deliberation.views.public import matter_context, matter_or_404
from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError
from jifen.web.views.errors import person_of, resident_view


@resident_view
def mine(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    polls = list(selectors.open_for(person))
    voted = {
        v.matter_id: v.choice for m in polls if (v := selectors.my_vote(person, m)) is not None
    }
    for matter in polls:
        matter.my_choice = voted.get(matter.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "deliberation/mine.html",
        {"polls": polls, "recent": selectors.recent_for(person), "community": person.community},
    )


@resident_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    matter = matter_or_404(pk)
    services.close_if_due(matter)
    mine_ = selectors.my_vote(person, matter)
    may_vote = bool(
        matter.status == Status.VOTING
        and matter.closes_at is not None
        and matter.closes_at > timezone.now()
        and selectors.ballot_for(person, matter) is not None
    )
    context = matter_context(matter)
    if matter.status == Status.DECIDED:
        # The owner of an action (a person, or a contact of the owning organisation)
        # reports its progress here, from the notice that gave it to them.
        for action in context["actions"]:
            if action.status != ActionStatus.DONE and services.may_report(person, action):
                action.progress_url = reverse("deliberation:progress", args=[matter.pk, action.pk])
    return render(
        request,
        "deliberation/detail.html",
        {
            **context,
            "may_vote": may_vote,
            "my_choice": mine_.choice if mine_ else None,
            "choices": Choice.choices,
        },
    )


@require_POST
@resident_view
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_or_404(pk)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose agree, disagree or abstain."))
        return redirect("deliberation:detail", pk=matter.pk)
    try:
        services.vote(actor=person_of(request), matter=matter, choice=form.cleaned_data["choice"])
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(
            request, _("Your vote is recorded. You can change it until the poll closes.")
        )
    return redirect("deliberation:detail", pk=matter.pk)


@require_POST
@resident_view
def progress(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    """An action's owner reports how far it has got (the service checks they own it)."""
    matter = matter_or_404(pk)
    if not 1 <= action_id <= MAX_ID or not matter.actions.filter(pk=action_id).exists():
        raise Http404
    form = ProgressForm(request.POST, prefix="progress")
    if not form.is_valid():
        messages.error(request, _("Progress is a whole percentage from 0 to 100."))
        return redirect(f"{reverse('deliberation:detail', args=[matter.pk])}#actions")
    try:
        services.report_progress(
            actor=person_of(request),
            action=action_id,
            percent=form.cleaned_data["percent"],
            status=form.cleaned_data["status"] or "",
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The progress is recorded and shown publicly."))
    return redirect(f"{reverse('deliberation:detail', args=[matter.pk])}#actions")
