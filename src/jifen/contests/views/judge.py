"""Judges' pages (a phone at the roadshow, a desktop at home): the contests they judge,
the entries of the phases open now with what is done, and one entry's sheet — a mark per
criterion, changeable until the phase closes, the other judges' sheets only as the
contest's setting says, and the conflict-of-interest declaration (回避)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.contests import selectors, services
from jifen.contests.forms import AbstainForm, ScoreForm
from jifen.contests.models import Abstention, Contest, Entry, Phase, Score
from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError
from jifen.people.models import Person
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view


def _judged(person: Person, pk: int) -> Contest:
    contest = selectors.get(pk) if 1 <= pk <= MAX_ID else None
    if contest is None or not selectors.is_judge(person, contest):
        raise Http404
    return contest


def _entry(contest: Contest, pk: int) -> Entry:
    entry = selectors.get_entry(pk) if 1 <= pk <= MAX_ID else None
    if entry is None or entry.contest_id != contest.pk:
        raise Http404
    return entry


@resident_view
def judge_list(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    return render(request, "contests/judge_list.html", {"contests": selectors.judging(person)})


@resident_view
def judge_contest(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    contest = _judged(person, pk)
    tasks = selectors.judge_tasks(person, contest)
    for task in tasks:
        task.named = selectors.shows_entrant(contest, person, task.phase)  # type: ignore[attr-defined]
    return render(
        request,
        "contests/judge_contest.html",
        {
            "contest": contest,
            "tasks": tasks,
            "left": sum(1 for t in tasks if not (t.done or t.abstained or t.own)),
        },
    )


def _render_sheet(
    request: HttpRequest,
    contest: Contest,
    entry: Entry,
    phase: str,
    form: ScoreForm | None = None,
    abstain_form: AbstainForm | None = None,
    status: int = 200,
) -> HttpResponse:
    person = person_of(request)
    criteria = list(contest.criteria.all())
    mine = Score.objects.filter(entry=entry, judge=person, phase=phase).first()
    if form is None:
        initial = {f"c{k}": v for k, v in (mine.values if mine else {}).items()}
        if mine:
            initial["comment"] = mine.comment
        form = ScoreForm(criteria=criteria, initial=initial)
    others = [
        s
        for s in selectors.visible_sheets(person, contest, entry, phase)
        if s.judge_id != person.pk
    ]
    for sheet in others:
        sheet.total_text = selectors.ranking_text(sheet.total)  # type: ignore[attr-defined]
    return render(
        request,
        "contests/judge_sheet.html",
        {
            "contest": contest,
            "entry": entry,
            "phase": phase,
            "phase_label": Phase(phase).label,
            "named": selectors.shows_entrant(contest, person, phase),
            "form": form,
            "abstain_form": abstain_form or AbstainForm(),
            "mine": mine,
            "mine_total": selectors.ranking_text(mine.total) if mine else "",
            "others": others,
            "sees_others": selectors.may_see_others(person, contest, entry, phase),
            "open": phase in contest.open_phases,
            "own": services.is_own_entry(person, entry),
            "abstained": Abstention.objects.filter(entry=entry, judge=person).first(),
        },
        status=status,
    )


@resident_view
def judge_sheet(request: HttpRequest, pk: int, entry_id: int, phase: str) -> HttpResponse:
    person = person_of(request)
    contest = _judged(person, pk)
    entry = _entry(contest, entry_id)
    if phase not in Phase.values:
        raise Http404
    if request.method != "POST":
        return _render_sheet(request, contest, entry, phase)
    form = ScoreForm(request.POST, criteria=list(contest.criteria.all()))
    if not form.is_valid():
        return _render_sheet(request, contest, entry, phase, form=form, status=400)
    try:
        services.score(
            actor=person,
            entry=entry,
            phase=phase,
            values=form.values(),
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        return _render_sheet(request, contest, entry, phase, form=form, status=exc.status)
    messages.success(
        request, _("Your scores are saved. You can change them until the phase closes.")
    )
    return redirect("contests:judge_contest", pk=contest.pk)


@require_POST
@resident_view
def judge_abstain(request: HttpRequest, pk: int, entry_id: int, phase: str) -> HttpResponse:
    person = person_of(request)
    contest = _judged(person, pk)
    entry = _entry(contest, entry_id)
    if phase not in Phase.values:
        raise Http404
    form = AbstainForm(request.POST)
    if not form.is_valid():
        return _render_sheet(request, contest, entry, phase, abstain_form=form, status=400)
    try:
        services.abstain(actor=person, entry=entry, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        add_domain_error(form, exc)
        return _render_sheet(request, contest, entry, phase, abstain_form=form, status=exc.status)
    messages.success(request, _("You stand aside on this project; it is recorded."))
    return redirect("contests:judge_contest", pk=contest.pk)
