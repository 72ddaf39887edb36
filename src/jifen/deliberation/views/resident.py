"""Residents' pages (phone first): 议事 — the polls open for me, one matter with big vote
buttons (the vote can be changed until the close), its result once closed."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.deliberation import selectors, services
from jifen.deliberation.forms import VoteForm
from jifen.deliberation.models import Choice, Status
from jifen.deliberation.views.public import matter_context, matter_or_404
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
        {"polls": polls, "recent": selectors.recent_for(person)},
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
    return render(
        request,
        "deliberation/detail.html",
        {
            **matter_context(matter),
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
