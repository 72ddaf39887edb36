"""Staff pages of 项目大赛 (desktop): the list of contests, a new contest, and one contest
with what staff do at each stage — settings and criteria while being prepared or open,
judges, the entries, the review's ranking to choose the finalists from, the final's
standings, each step behind a confirmation, the history and the Excel of scores.

Every step is one service call: these views parse the form, call it and say what
happened; a refusal comes back on the form that asked, and nothing is written.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.contests import exports, selectors, services
from jifen.contests.forms import (
    CancelForm,
    JudgeForm,
    NewContestForm,
    NoteForm,
    SettingsForm,
    criteria_text,
)
from jifen.contests.models import STEPS, Contest, Stage, may_take
from jifen.contests.views.public import standings_context
from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Level, Region
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

SETTINGS = [
    "title",
    "description",
    "anonymous_review",
    "score_visibility",
    "roadshow_weight",
    "live_weight",
    "winners",
    "submission_ends_on",
    "review_ends_on",
    "final_on",
]


def _get(actor: Person, pk: int) -> Contest:
    contest = selectors.get_managed(actor, pk) if 1 <= pk <= MAX_ID else None
    if contest is None:
        raise Http404
    return contest


def _regions(actor: Person) -> list[tuple[str, str]]:
    rows = Region.objects.filter(
        authz.regions_q(actor, authz.MANAGE_CONTESTS),
        level__in=[Level.COUNTY, Level.TOWN, Level.COMMUNITY],
    ).order_by("path")[:2000]
    return [(r.code, f"{'　' * max(r.path.count('/') - 2, 0)}{r.name}") for r in rows]


@console_view
def console_list(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_CONTESTS)
    page = paginate(request, selectors.listed(actor), per_page=25)
    return render(
        request,
        "contests/console/list.html",
        {"page": page, "todo": selectors.staff_todo(actor)},
    )


@console_view
def console_new(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_CONTESTS)
    regions = _regions(actor)
    if request.method != "POST":
        form = NewContestForm(regions=regions, initial={"criteria": criteria_text_default()})
        return render(request, "contests/console/new.html", {"form": form})
    form = NewContestForm(request.POST, regions=regions)
    if form.is_valid():
        data = form.cleaned_data
        try:
            contest = services.create_contest(
                actor=actor,
                region=Region.objects.get(code=data["region"]),
                criteria=data["criteria"],
                **{k: data[k] for k in SETTINGS},
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The contest is prepared. Name its judges, then open it."))
            return redirect("contests:console_detail", pk=contest.pk)
    return render(request, "contests/console/new.html", {"form": form}, status=400)


def criteria_text_default() -> str:
    return "\n".join(
        f"{c['name']}, {c['weight']}, {c['max_score']}" for c in services.default_criteria()
    )


def _render(
    request: HttpRequest, contest: Contest, status: int = 200, **given: Any
) -> HttpResponse:
    criteria = list(contest.criteria.all())
    settings_initial = {k: getattr(contest, k) for k in SETTINGS}
    settings_initial["criteria"] = criteria_text(criteria)
    made: dict[str, Any] = {
        "settings_form": SettingsForm(initial=settings_initial, prefix="settings"),
        "judge_form": JudgeForm(prefix="judge"),
        "note_form": NoteForm(prefix="step"),
        "cancel_form": CancelForm(prefix="cancel"),
    }
    made.update(given)
    steps = {name: may_take(name, contest.stage) for name in STEPS}
    context: dict[str, Any] = {
        "contest": contest,
        "criteria": criteria,
        "judges": list(contest.judges.select_related("person")),
        "entries": list(selectors.entries(contest)),
        "history": selectors.history(contest),
        "may": steps,
        "editable": contest.stage in (Stage.DRAFT, Stage.SUBMISSION),
        "missing": len(selectors.missing_scores(contest)) if contest.stage == Stage.FINAL else 0,
        **made,
    }
    if contest.stage in (Stage.REVIEW, Stage.FINAL, Stage.PUBLISHED):
        review = selectors.review_standings(contest)
        context["review"] = [
            {"entry": e, "mean": selectors.ranking_text(m), "judges": n} for e, m, n in review
        ]
    if contest.stage in (Stage.FINAL, Stage.PUBLISHED):
        context.update(standings_context(contest))
    return render(request, "contests/console/detail.html", context, status=status)


@console_view
def console_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _get(person_of(request), pk))


@require_POST
@console_view
def console_settings(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    contest = _get(actor, pk)
    form = SettingsForm(request.POST, prefix="settings")
    if not form.is_valid():
        return _render(request, contest, status=400, settings_form=form)
    data = form.cleaned_data
    try:
        services.update_contest(
            actor=actor,
            contest=contest,
            criteria=data["criteria"],
            **{k: data[k] for k in SETTINGS},
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        return _render(request, _get(actor, pk), status=exc.status, settings_form=form)
    messages.success(request, _("The settings are saved."))
    return redirect("contests:console_detail", pk=pk)


@require_POST
@console_view
def console_judge(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    contest = _get(actor, pk)
    form = JudgeForm(request.POST, prefix="judge")
    if form.is_valid():
        person = Person.objects.filter(phone=form.cleaned_data["phone"], is_active=True).first()
        if person is None:
            form.add_error("phone", _("Nobody is registered with this number."))
        else:
            try:
                services.add_judges(actor=actor, contest=contest, people=[person])
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("The judge is named and told."))
                return redirect("contests:console_detail", pk=pk)
    return _render(request, _get(actor, pk), status=400, judge_form=form)


@require_POST
@console_view
def console_judge_remove(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    actor = person_of(request)
    contest = _get(actor, pk)
    judge = contest.judges.select_related("person").filter(person_id=person_id).first()
    if judge is None:
        raise Http404
    try:
        services.remove_judge(actor=actor, contest=contest, person=judge.person)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The judge is taken off."))
    return redirect("contests:console_detail", pk=pk)


@require_POST
@console_view
def console_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    actor = person_of(request)
    contest = _get(actor, pk)
    if step not in STEPS:
        raise Http404
    form: forms.Form = (
        CancelForm(request.POST, prefix="cancel")
        if step == "cancel"
        else NoteForm(request.POST, prefix="step")
    )
    if not form.is_valid():
        key = "cancel_form" if step == "cancel" else "note_form"
        return _render(request, contest, status=400, **{key: form})
    data = form.cleaned_data
    try:
        if step == "open":
            services.open_contest(actor=actor, contest=contest, note=data["note"])
        elif step == "start_review":
            services.start_review(actor=actor, contest=contest, note=data["note"])
        elif step == "start_final":
            chosen = [
                int(v) for v in request.POST.getlist("finalists") if v.isdigit() and len(v) < 19
            ]
            services.start_final(actor=actor, contest=contest, finalists=chosen, note=data["note"])
        elif step == "publish":
            services.publish(actor=actor, contest=contest, note=data["note"])
        else:
            services.cancel(actor=actor, contest=contest, reason=data["reason"])
    except DomainError as exc:
        if step == "cancel":
            add_domain_error(form, exc)
            return _render(request, _get(actor, pk), status=exc.status, cancel_form=form)
        messages.error(request, exc.render())
        return redirect("contests:console_detail", pk=pk)
    messages.success(request, str(STEPS[step].label))
    return redirect("contests:console_detail", pk=pk)


@console_view
def console_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    contest = _get(person_of(request), pk)
    response = HttpResponse(
        exports.scores_xlsx(contest),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="contest-{contest.pk}-scores.xlsx"'
    return response
