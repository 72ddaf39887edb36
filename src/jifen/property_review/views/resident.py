"""Phone pages of 物业互评: a panel member's inspections to score, the checklist with its
scores and a form to record a finding with photos; a property company's contact's
findings to rectify, each with its steps (started, rectified with a note and photos).

Every form is one service call; the services decide who may do what (a panel member
only their own inspection, a contact only their company's findings)."""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError, NotFound
from jifen.property_review import selectors, services
from jifen.property_review.forms import FindingForm, FixForm, NoteForm, scores_from
from jifen.property_review.models import (
    FindingPhoto,
    Inspection,
    RoundStatus,
    may_take_finding,
)
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view


@resident_view
def mine(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    inspections = list(selectors.my_inspections(person)[:100])
    for inspection in inspections:
        member = selectors.panel_member(person, inspection)
        inspection.scored = len(selectors.my_scores(member))  # type: ignore[attr-defined]
        inspection.needed = inspection.round.items.count()  # type: ignore[attr-defined]
    return render(
        request,
        "property_review/mine.html",
        {
            "inspections": inspections,
            "to_rectify": list(selectors.to_rectify(person)[:100]),
            "recorded": list(
                selectors.findings_for(person, mine=True).filter(reported_by=person)[:50]
            ),
        },
    )


def _inspection(person: Any, pk: int) -> Inspection:
    found = selectors.get_inspection(pk) if 1 <= pk <= MAX_ID else None
    if found is None or not selectors.may_read_inspection(person, found):
        raise Http404
    return found


def _render_inspection(
    request: HttpRequest, inspection: Inspection, status: int = 200, **given: Any
) -> HttpResponse:
    person = person_of(request)
    member = selectors.panel_member(person, inspection)
    scores = selectors.my_scores(member)
    items = selectors.items(inspection.round)
    groups: dict[str, list[Any]] = {}
    for item in items:
        item.my_score = scores.get(item.pk)  # type: ignore[attr-defined]
        groups.setdefault(item.group, []).append(item)
    context = {
        "inspection": inspection,
        "groups": groups,
        "scored": len(scores),
        "needed": len(items),
        "total": sum(scores.values()),
        "full_marks": sum(i.max_score for i in items),
        "may_score": member is not None and inspection.round.status == RoundStatus.OPEN,
        "may_record": inspection.round.status == RoundStatus.OPEN
        and services.may_record(person, inspection, inspection.round),
        "findings": list(inspection.findings.select_related("compound__region")),
        "finding_form": FindingForm(prefix="finding"),
        "score_errors": [],
    }
    context.update(given)
    return render(request, "property_review/inspection.html", context, status=status)


@resident_view
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_inspection(request, _inspection(person_of(request), pk))


@require_POST
@resident_view
def inspection_scores(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    found = _inspection(person, pk)
    scores = scores_from(request.POST, selectors.items(found.round))
    try:
        services.submit_scores(actor=person, inspection=found, scores=scores)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _render_inspection(
            request, _inspection(person, pk), status=exc.status, score_errors=[exc.render()]
        )
    messages.success(
        request, _("Your scores are saved. You can change them until the review closes.")
    )
    return redirect("property_review:inspection", pk=pk)


@require_POST
@resident_view
def inspection_finding(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    found = _inspection(person, pk)
    form = FindingForm(request.POST, prefix="finding")
    if not form.is_valid():
        return _render_inspection(request, found, status=400, finding_form=form)
    try:
        services.record_finding(
            actor=person,
            inspection=found,
            problem=form.cleaned_data["problem"],
            location=form.cleaned_data["location"],
            photos=request.FILES.getlist("finding-photos"),
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        if exc.field == "photo":
            exc.field = "problem"
        add_domain_error(form, exc)
        return _render_inspection(request, found, status=exc.status, finding_form=form)
    messages.success(request, _("The finding is recorded; staff sort it and follow it up."))
    return redirect("property_review:inspection", pk=pk)


def _finding_for(person: Any, pk: int) -> Any:
    found = selectors.get_finding(pk) if 1 <= pk <= MAX_ID else None
    if found is None or not selectors.may_read_finding(person, found):
        raise Http404
    return found


def _render_finding(
    request: HttpRequest, finding: Any, status: int = 200, **given: Any
) -> HttpResponse:
    person = person_of(request)
    contact = services.is_contact(person, finding)
    context = {
        "finding": finding,
        "photos": selectors.finding_photos(finding),
        "history": selectors.finding_history(finding),
        "overdue": services.overdue(finding),
        "may_start": contact and may_take_finding("start", finding.status),
        "may_fix": contact and may_take_finding("fix", finding.status),
        "start_form": NoteForm(prefix="start"),
        "fix_form": FixForm(prefix="fix"),
        "is_staff": selectors.may_manage(person, finding.round.region),
    }
    context.update(given)
    return render(request, "property_review/finding.html", context, status=status)


@resident_view
def finding(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_finding(request, _finding_for(person_of(request), pk))


@require_POST
@resident_view
def finding_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    person = person_of(request)
    found = _finding_for(person, pk)
    if step == "start":
        form: Any = NoteForm(request.POST, prefix="start")
    elif step == "fix":
        form = FixForm(request.POST, prefix="fix")
    else:
        raise Http404
    if not form.is_valid():
        return _render_finding(request, found, status=400, **{f"{step}_form": form})
    try:
        if step == "start":
            services.start(actor=person, finding=found, note=form.cleaned_data["note"])
        else:
            services.fix(
                actor=person,
                finding=found,
                note=form.cleaned_data["note"],
                photos=request.FILES.getlist("fix-photos"),
            )
    except DomainError as exc:
        if exc.status == 404:
            raise
        if exc.field in ("photo", "photos"):
            exc.field = "note"
        add_domain_error(form, exc)
        return _render_finding(
            request, _finding_for(person, pk), status=exc.status, **{f"{step}_form": form}
        )
    messages.success(
        request,
        _("Rectification started.")
        if step == "start"
        else _("Reported rectified; staff will verify it."),
    )
    return redirect("property_review:finding", pk=pk)


@resident_view
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A finding's photo: for those who may read the finding, never a public file."""
    viewer = person_of(request)
    item = FindingPhoto.objects.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    finding_ = selectors.get_finding(item.finding_id) if item is not None else None
    if item is None or finding_ is None or not selectors.may_read_finding(viewer, finding_):
        raise NotFound(_("There is no such photo."))
    try:
        handle = item.image.open("rb")
    except FileNotFoundError:
        raise NotFound(_("There is no such photo.")) from None
    response = FileResponse(handle, content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response  # type: ignore[return-value]
