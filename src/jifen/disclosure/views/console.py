"""Staff pages of 村务公开 (desktop, ``/console/disclosures/…``): the list with its
filters and Excel file, publish (with table, attachments and the item it follows in a
thread), one item with its versions, correct (a new version, after a confirmation), the
村级月报 form, the disclosure calendar and the overdue list.

Each write is one service call; a refusal comes back on the form, and nothing is
written. Inspectors (巡察) read the list, the items and the overdue list, and are
offered nothing to write (the services refuse them anyway).
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.disclosure import exports, forms, selectors, services
from jifen.disclosure.models import Category, Disclosure, Schedule
from jifen.disclosure.money import yuan
from jifen.disclosure.views.public import item_context
from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError, PermissionDenied
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Region
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

PER_PAGE = 25


def _reader(actor: Person) -> None:
    if not selectors.can_read_console(actor):
        raise PermissionDenied()


def _regions(actor: Person, action: authz.Action | None = None) -> list[Region]:
    query = authz.regions_q(actor, action) if action is not None else selectors.reader_q(actor, "")
    return list(
        Region.objects.filter(query, level__in=services.LEVELS)
        .select_related("parent")
        .order_by("path")[:1000]
    )


def _choices(regions: list[Region]) -> list[tuple[str, str]]:
    return [(r.code, f"{'　' * max(r.path.count('/') - 2, 0)}{r.name}") for r in regions]


def _threads(actor: Person) -> list[tuple[int, str]]:
    """Recent current items the actor may link a new one to (the 200 newest)."""
    rows = (
        Disclosure.objects.filter(
            authz.regions_q(actor, authz.PUBLISH_DISCLOSURES, "region"), is_current=True
        )
        .select_related("region")
        .order_by("-published_at")[:200]
    )
    return [(r.pk, f"#{r.pk} {r.region.name} · {r.title[:40]}") for r in rows]


def _found(pk: int, actor: Person) -> Disclosure:
    if not 1 <= pk <= MAX_ID:
        raise Http404
    item = selectors.for_staff(actor, superseded=True).filter(pk=pk).first()
    if item is None:
        raise Http404
    return selectors.public_item(item.pk) or item


def _refuse(form: Any, exc: DomainError) -> None:
    """The service's refusal on the field it names (a 月报 section's lines or total)."""
    base, _sep, rest = (exc.field or "").partition(".")
    if base in services.SECTION_KEYS:
        total = rest == "total" or exc.code == "total_mismatch"
        exc.field = f"{base}_total" if total else f"{base}_lines"
    add_domain_error(form, exc)


def _asked(request: HttpRequest, regions: list[Region]) -> dict[str, Any]:
    """What a link asks the form to start with (the overdue list's ``?region=&category=
    &period=``): only values the form would accept, the rest left empty."""
    initial: dict[str, Any] = {}
    code = request.GET.get("region", "")
    if any(r.code == code for r in regions):
        initial["region"] = code
    if request.GET.get("category", "") in Category.values:
        initial["category"] = request.GET["category"]
    try:
        period = services.check_period(request.GET.get("period", "")[:8])
    except DomainError:
        period = ""
    if period:
        initial["period"] = period
        if len(period) == 7:
            initial["month"] = period
    return initial


@console_view
def console_list(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _reader(actor)
    regions = _regions(actor)
    form = forms.FilterForm(request.GET or None, regions=_choices(regions))
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    rows = selectors.for_staff(
        actor,
        region=next((r for r in regions if r.code == data.get("region")), None),
        category=data.get("category") or "",
        text=(data.get("q") or "").strip(),
        superseded=bool(data.get("superseded")),
    )
    if form.errors:
        rows = rows.none()
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    context = {
        "form": form,
        "page": paginate(request, rows, PER_PAGE),
        "query": query,
        "can_publish": authz.can(actor, authz.PUBLISH_DISCLOSURES),
        "overdue": len(selectors.missing(selectors.reader_q(actor, ""), timezone.localdate())),
    }
    return render(request, "disclosure/console/list.html", context)


@console_view
def console_export(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _reader(actor)
    rows = selectors.for_staff(actor)[: exports.LIMIT]
    response = HttpResponse(
        exports.list_xlsx(rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="disclosures.xlsx"'
    return response


@console_view
def console_new(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.PUBLISH_DISCLOSURES)
    regions = _regions(actor, authz.PUBLISH_DISCLOSURES)
    threads = _threads(actor)
    initial = _asked(request, regions)
    follows_arg = request.GET.get("follows", "")
    if follows_arg.isdigit() and any(str(pk) == follows_arg for pk, _label in threads):
        previous = Disclosure.objects.select_related("region").get(pk=int(follows_arg))
        initial.update(follows=previous.pk, region=previous.region.code)
    form = forms.PublishForm(
        request.POST or None,
        request.FILES or None,
        regions=_choices(regions),
        threads=threads,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            follows = (
                Disclosure.objects.filter(pk=data["follows"]).first() if data["follows"] else None
            )
            item = services.publish(
                actor=actor,
                region=next(r for r in regions if r.code == data["region"]),
                category=data["category"],
                title=data["title"],
                body=data["body"],
                table=forms.parse_table(data["table"]),
                period=data["period"],
                decided_on=data["decided_on"],
                follows=follows,
                attachments=data["attachments"],
            )
        except DomainError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("Published. Anyone can read it now."))
            return redirect("disclosure:console_item", item.pk)
    return render(request, "disclosure/console/new.html", {"form": form})


@console_view
def console_item(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    _reader(actor)
    item = _found(pk, actor)
    context = {
        **item_context(item),
        "may_correct": item.is_current and authz.can(actor, authz.PUBLISH_DISCLOSURES, item.region),
    }
    return render(request, "disclosure/console/item.html", context)


@console_view
def console_correct(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    item = _found(pk, actor)
    authz.require(actor, authz.PUBLISH_DISCLOSURES, item.region)
    if not item.is_current:
        messages.error(request, _("This version is superseded; correct the current one."))
        return redirect("disclosure:console_item", selectors.current_of(item).pk)
    attachments = [(a.pk, a.name) for a in item.attachments.all()]
    initial = {
        "title": item.title,
        "body": item.body,
        "table": forms.table_text(item.table),
        "period": item.period,
        "decided_on": item.decided_on,
    }
    form = forms.CorrectForm(
        request.POST or None, request.FILES or None, attachments=attachments, initial=initial
    )
    report_form = None
    if item.report:
        report_form = _report_form_for(request, actor, item)
        # A 月报 has its sections, not a table, and its month is its period.
        del form.fields["table"], form.fields["period"]
    if (
        request.method == "POST"
        and form.is_valid()
        and (report_form is None or report_form.is_valid())
    ):
        data = form.cleaned_data
        try:
            sections = report_form.sections() if report_form is not None else None
            new = services.correct(
                actor=actor,
                item=item,
                note=data["note"],
                title=data["title"],
                body=data["body"],
                table=None if item.report else forms.parse_table(data["table"]) or {},
                period=None if item.report else data["period"],
                decided_on=data["decided_on"],
                attachments=data["attachments"],
                drop_attachments=data.get("drop") or [],
                sections=sections,
                matters=report_form.cleaned_data["matters"] if report_form is not None else None,
            )
        except DomainError as exc:
            in_report = (exc.field or "").partition(".")[0] in services.SECTION_KEYS
            _refuse(report_form if report_form is not None and in_report else form, exc)
        else:
            messages.success(request, _("Version %(n)s published.") % {"n": new.version})
            return redirect("disclosure:console_item", new.pk)
    last = ("note", "confirm")  # the reason and the confirmation come after every change
    return render(
        request,
        "disclosure/console/correct.html",
        {
            "form": form,
            "item": item,
            "report_form": report_form,
            "changes": [f for f in form.visible_fields() if f.name not in last],
            "closing": [f for f in form.visible_fields() if f.name in last],
        },
    )


def _report_form_for(request: HttpRequest, actor: Person, item: Disclosure) -> forms.ReportForm:
    initial: dict[str, Any] = {
        "region": item.region.code,
        "month": item.period,
        "matters": item.report.get("matters", ""),
    }
    for key in services.SECTION_KEYS:
        section = item.report["sections"][key]
        initial[f"{key}_lines"] = forms.lines_text(section["lines"])
        initial[f"{key}_total"] = yuan(section["total"]).replace(",", "")
    form = forms.ReportForm(
        request.POST or None,
        prefix="report",
        regions=[(item.region.code, item.region.name)],
        initial=initial,
    )
    # The month and region stay; the title and the files are the correction form's own.
    for name in ("region", "month", "title", "attachments"):
        del form.fields[name]
    return form


@console_view
def console_report(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.PUBLISH_DISCLOSURES)
    regions = _regions(actor, authz.PUBLISH_DISCLOSURES)
    last = timezone.localdate().replace(day=1)
    previous = (
        last.replace(year=last.year - 1, month=12)
        if last.month == 1
        else last.replace(month=last.month - 1)
    )
    form = forms.ReportForm(
        request.POST or None,
        request.FILES or None,
        regions=_choices(regions),
        initial={"month": previous.strftime("%Y-%m"), **_asked(request, regions)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.publish_monthly_report(
                actor=actor,
                region=next(r for r in regions if r.code == data["region"]),
                month=data["month"],
                sections=form.sections(),
                matters=data["matters"],
                title=data["title"],
                attachments=data["attachments"],
            )
        except DomainError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("The monthly report is published."))
            return redirect("disclosure:console_item", item.pk)
    return render(request, "disclosure/console/report.html", {"form": form})


@console_view
def console_calendar(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _reader(actor)
    writable = _regions(actor, authz.PUBLISH_DISCLOSURES)
    form = forms.ScheduleForm(request.POST or None, regions=_choices(writable))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_schedule(
                actor=actor,
                region=next(r for r in writable if r.code == data["region"]),
                category=data["category"],
                frequency=data["frequency"],
                due_day=data["due_day"],
                starts_on=data["starts_on"],
                note=data["note"],
            )
        except DomainError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("The disclosure calendar is saved."))
            return redirect("disclosure:console_calendar")
    lines = list(selectors.schedules(selectors.reader_q(actor, ""))[:1000])
    paths = authz.region_paths(actor, authz.PUBLISH_DISCLOSURES)
    for line in lines:
        line.may_edit = any(line.region.path.startswith(p) for p in paths)  # type: ignore[attr-defined]
    return render(
        request,
        "disclosure/console/calendar.html",
        {"form": form, "lines": lines, "can_publish": bool(writable)},
    )


@require_POST
@console_view
def console_calendar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    row = Schedule.objects.filter(pk=pk if pk <= MAX_ID else 0).select_related("region").first()
    if row is None:
        raise Http404
    services.delete_schedule(actor=actor, schedule=row)
    messages.success(request, _("The line is removed from the calendar."))
    return redirect("disclosure:console_calendar")


@console_view
def console_overdue(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _reader(actor)
    found = selectors.missing(selectors.reader_q(actor, ""), timezone.localdate())
    return render(
        request,
        "disclosure/console/overdue.html",
        {"missing": found[:1000], "can_publish": authz.can(actor, authz.PUBLISH_DISCLOSURES)},
    )
