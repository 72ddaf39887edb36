from datetime import date

from django.db.models import Q, QuerySet

from jifen.audit.models import AuditEvent
from jifen.people import authz
from jifen.people.models import Person


def audit_events(
    *,
    viewer: Person,
    action: str = "",
    actor_query: str = "",
    region_code: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Events in the regions where ``viewer`` is an admin, newest first."""
    authz.require(viewer, authz.VIEW_AUDIT_LOG)
    events = AuditEvent.objects.select_related("actor", "on_behalf_of", "region")
    reach = authz.regions_q(viewer, authz.VIEW_AUDIT_LOG, "region")
    if authz.is_global_admin(viewer):
        # Events that carry no region are a top admin's; another county's stay out of reach.
        reach |= Q(region__isnull=True)
    events = events.filter(reach)
    if action:
        events = events.filter(action__startswith=action)
    if actor_query:
        events = events.filter(
            Q(actor__name__contains=actor_query) | Q(actor__volunteer_no=actor_query)
        )
    if region_code:
        events = events.filter(region__path__contains=f"/{region_code}/")
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events
