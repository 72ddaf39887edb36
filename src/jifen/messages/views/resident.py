"""Residents' pages (phone first): 写留言 in few taps — where to (their community is
chosen), a topic, the words, public or private, photos — 我的留言 with the answers, and
one message's page where the author rates the answer with stars, or says once that it
is not resolved."""

from typing import Any

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.errors import DomainError
from jifen.lib.pagination import paginate
from jifen.messages import selectors, services
from jifen.messages.forms import RateForm, WriteForm
from jifen.messages.models import WAITING, Message, Status
from jifen.messages.views.common import get_visible, refuse, timeline
from jifen.people.models import Person
from jifen.regions.models import Region
from jifen.web.views.errors import person_of, resident_view

SHOWN = {"waiting", "answered", "closed"}


def _chosen_region(actor: Person, code: str) -> tuple[list[Region], Region | None]:
    regions = selectors.writable_regions(actor)
    chosen = next((r for r in regions if r.code == code), regions[0] if regions else None)
    return regions, chosen


def _topic_label(name: str, days: int) -> str:
    return _("%(name)s · answered within %(n)s working days") % {"name": name, "n": days}


@resident_view
def new(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    source = request.POST if request.method == "POST" else request.GET
    regions, region = _chosen_region(actor, str(source.get("region", ""))[:32])
    topics = services.ensure_topics(region) if region is not None else []
    form = WriteForm(
        request.POST or None,
        request.FILES or None,
        regions=[(r.code, r.name) for r in regions],
        topics=[(t.code, _topic_label(t.name, t.due_days)) for t in topics],
        initial={"region": region.code if region else ""},
    )
    status = 200
    if request.method == "POST" and region is not None and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.write(
                actor=actor,
                region=region,
                topic=data["topic"],
                body=data["body"],
                public=data["public"],
                photos=data["photos"],
            )
        except DomainError as exc:
            status = refuse(form, exc)
        else:
            flash.success(request, _("Sent. The staff answer by the date shown."))
            return redirect("messages:detail", made.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "messages/new.html",
        {"form": form, "has_region": region is not None, "region": region},
        status=status,
    )


@resident_view
def mine(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    shown = request.GET.get("show", "")
    shown = shown if shown in SHOWN else ""
    rows = selectors.mine(actor).prefetch_related("replies")
    if shown == "waiting":
        rows = rows.filter(status__in=WAITING)
    elif shown:
        rows = rows.filter(status=shown)
    page = paginate(request, rows.order_by("-created_at", "-id"), per_page=20)
    selectors.mark_lateness(list(page.object_list))
    return render(
        request,
        "messages/mine.html",
        {"page": page, "shown": shown, "query": f"show={shown}" if shown else ""},
    )


def _detail(
    request: HttpRequest, message: Message, *, rate_form: RateForm | None = None, status: int = 200
) -> HttpResponse:
    viewer = person_of(request)
    author = viewer.pk == message.author_id
    full = selectors.reads_all(viewer, message)
    selectors.mark_lateness([message])
    lines = timeline(message, full or author)
    # Closed by the staff: the reason they gave, at the top where the author looks.
    closing = next(
        (
            line
            for line in reversed(lines)
            if line["step"] == "close" and line["actor_id"] != message.author_id
        ),
        None,
    )
    context: dict[str, Any] = {
        "item": message,
        "author": author,
        "replies": list(selectors.replies(message)),
        "photos": list(message.photos.all()),
        "timeline": lines,
        "closed_by_staff": closing if message.status == Status.CLOSED else None,
        "unknown_year": selectors.unknown_holidays(message.due_at),
        "may_rate": author and message.status == Status.ANSWERED,
        "may_reopen": author and message.status == Status.ANSWERED and not message.reopened_at,
        "may_withdraw": author and message.status in WAITING,
        "rate_form": rate_form or RateForm(),
        "console": selectors.reads_all(viewer, message),
        "author_name": message.author.name,
    }
    return render(request, "messages/detail.html", context, status=status)


@resident_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_visible(person_of(request), pk))


@resident_view
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    message = get_visible(actor, pk)
    form = RateForm(request.POST)
    if not form.is_valid():
        return _detail(request, message, rate_form=form, status=400)
    try:
        services.rate(
            actor=actor,
            message=message,
            rating=form.cleaned_data["rating"],
            resolved=form.cleaned_data["resolved"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        status = refuse(form, exc)
        message.refresh_from_db()
        return _detail(request, message, rate_form=form, status=status)
    if form.cleaned_data["resolved"]:
        flash.success(request, _("Thank you for your rating."))
    else:
        flash.success(request, _("Reopened: the staff answer again by the new date."))
    return redirect("messages:detail", message.pk)


@resident_view
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    message = get_visible(actor, pk)
    services.close(actor=actor, message=message)
    flash.success(request, _("Your message is withdrawn."))
    return redirect("messages:detail", message.pk)
