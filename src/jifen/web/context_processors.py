from typing import Any

from django.http import HttpRequest

from jifen.people import authz
from jifen.people.models import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_console": False, "can_audit": False}
    return {
        "can_console": authz.can(user, authz.OPEN_CONSOLE),
        "can_register": authz.can(user, authz.REGISTER_PERSON),
        "can_manage_groups": authz.can(user, authz.MANAGE_GROUPS),
        "can_audit": authz.can(user, authz.VIEW_AUDIT_LOG),
        "can_grant": authz.can(user, authz.GRANT_ROLE),
        "can_view_claims": authz.can(user, authz.VIEW_CLAIMS),
        "can_enter_claims": authz.can(user, authz.ENTER_CLAIMS),
        "can_activities": authz.can(user, authz.MANAGE_ACTIVITIES)
        or authz.can(user, authz.APPROVE_ACTIVITIES),
        "can_announce": authz.can(user, authz.DRAFT_ANNOUNCEMENTS)
        or authz.can(user, authz.PUBLISH_ANNOUNCEMENTS),
        "can_certificates": authz.can(user, authz.ISSUE_CERTIFICATES),
        "can_shop": authz.can(user, authz.MANAGE_SHOP),
        "can_requests": authz.can(user, authz.VIEW_REQUESTS),
        "can_incidents": authz.can(user, authz.VIEW_INCIDENTS),
        "can_handle_incidents": authz.can(user, authz.HANDLE_INCIDENTS),
        "can_inspect": authz.can(user, authz.INSPECT),
        "can_messages": authz.can(user, authz.VIEW_MESSAGES),
        "can_disclosures": authz.can(user, authz.PUBLISH_DISCLOSURES)
        or authz.can(user, authz.INSPECT),
        "can_deliberate": authz.can(user, authz.MANAGE_DELIBERATIONS)
        or authz.can(user, authz.INSPECT),
        "can_units": authz.can(user, authz.MANAGE_UNITS),
        "can_party": authz.can(user, authz.MANAGE_PARTY),
        "can_contests": authz.can(user, authz.MANAGE_CONTESTS),
        "can_property_review": authz.can(user, authz.MANAGE_PROPERTY_REVIEWS),
        "can_checkpoints": authz.can(user, authz.SIGN_CHECKPOINTS),
        "can_calendar": authz.is_global_admin(user),
        # The merchant pages belong to a merchant's operators; the role shows the way there.
        "can_merchant": Role.MERCHANT in authz.roles(user),
    }
