"""Reads of the audit log, scoped in one place: admins read the events of their regions
(a top-level admin also those that carry no region), staff those of their own
communities; anyone else is refused, and staff next door see nothing of yours."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Q, QuerySet

from jifen.audit import labels
from jifen.audit.models import AuditEvent
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Level, Region


def audit_events(
    *,
    viewer: Person,
    action: str = "",
    actor_query: str = "",
    region_code: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Events in the regions where ``viewer`` may read the log, newest first.

    ``action``: one code (``shop.fulfil``), a domain ending in a dot (``shop.``), or an
    area of the filter's groups (``area:people``, see ``labels.AREAS``);
    ``actor_query``: a name or volunteer number, of who acted or for whom they acted."""
    authz.require(viewer, authz.VIEW_AUDIT_LOG)
    events = AuditEvent.objects.select_related("actor", "on_behalf_of", "region")
    reach = authz.regions_q(viewer, authz.VIEW_AUDIT_LOG, "region")
    if authz.is_global_admin(viewer):
        # Events that carry no region are a top admin's; another county's stay out of reach.
        reach |= Q(region__isnull=True)
    events = events.filter(reach)
    if action:
        # A domain ending in a dot takes its every action; a code only itself
        # (``person.password`` is not ``person.password_reset``).
        if action.startswith(labels.AREA):
            # An area of the filter's groups may cover several prefixes (``points.``,
            # ``rules.``); one that does not exist takes nothing.
            within = Q(pk__in=[])
            for prefix in labels.area_prefixes(action):
                within |= Q(action__startswith=prefix)
            events = events.filter(within)
        elif action.endswith("."):
            events = events.filter(action__startswith=action)
        else:
            events = events.filter(action=action)
    if actor_query:
        events = events.filter(
            Q(actor__name__contains=actor_query)
            | Q(actor__volunteer_no=actor_query)
            | Q(on_behalf_of__name__contains=actor_query)
            | Q(on_behalf_of__volunteer_no=actor_query)
        )
    if region_code:
        events = events.filter(region__path__contains=f"/{region_code}/")
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events


def audit_regions(viewer: Person) -> QuerySet[Region]:
    """The regions whose log the viewer reads, in tree order (the filter's choices)."""
    return Region.objects.filter(
        authz.regions_q(viewer, authz.VIEW_AUDIT_LOG),
        level__in=[Level.COUNTY, Level.TOWN, Level.COMMUNITY],
    ).order_by("path")


def region_names(events: Iterable[AuditEvent]) -> dict[str, str]:
    """{code: name} of the regions the events' values name, in one query."""
    codes: set[str] = set()
    for event in events:
        codes |= labels.region_codes(event.before, event.after)
    if not codes:
        return {}
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
