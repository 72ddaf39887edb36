"""Public pages (no login; a phone and the big screen): a place's matters, and one
matter — its tier, the poll's result once closed, the meeting, the decision and its
follow-up actions with their progress bars. People's names are masked."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from jifen.deliberation import selectors, services
from jifen.deliberation.models import ActionStatus, Matter
from jifen.lib.bounds import MAX_ID
from jifen.lib.masking import mask_name
from jifen.lib.pagination import paginate
from jifen.regions.models import Region


def matter_or_404(pk: int) -> Matter:
    matter = selectors.get_public(pk) if 1 <= pk <= MAX_ID else None
    if matter is None:
        raise Http404
    return matter


def matter_context(matter: Matter) -> dict[str, Any]:
    """What every page of a matter shows: the actions with masked owners, the parties."""
    today = timezone.localdate()
    actions = selectors.actions(matter)
    for action in actions:
        action.owner_label = (  # type: ignore[attr-defined]
            action.owner_organization.name
            if action.owner_organization is not None
            else mask_name(action.owner_person.name)  # type: ignore[union-attr]
        )
        action.overdue = action.status != ActionStatus.DONE and action.due_on < today  # type: ignore[attr-defined]
    parties = [
        invitee.organization.name
        if invitee.organization is not None
        else mask_name(invitee.person.name)  # type: ignore[union-attr]
        for invitee in selectors.invitees(matter)
    ]
    return {"matter": matter, "actions": actions, "parties": parties}


def public_list(request: HttpRequest, code: str) -> HttpResponse:
    region = Region.objects.filter(code=code[:32]).first()
    if region is None:
        raise Http404
    page = paginate(request, selectors.public(region))
    return render(request, "deliberation/public_list.html", {"region": region, "page": page})


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_or_404(pk)
    services.close_if_due(matter)
    return render(request, "deliberation/public_detail.html", matter_context(matter))
