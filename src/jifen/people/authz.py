"""Who may do what, where: the one place that answers it.

A role is held over a region and reaches everything below it. Services call
``require`` before they write and selectors filter with ``regions_q`` before
they read, so the API, the pages and the command line cannot disagree. The
command line acts as the operator of the machine (``actor=None``) and is trusted.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import PermissionDenied
from jifen.people.models import Person, Role, RoleGrant
from jifen.regions.models import Region


@dataclass(frozen=True)
class Action:
    name: str
    roles: frozenset[str]
    label: str | Promise


def _action(name: str, roles: Iterable[str], label: str | Promise) -> Action:
    return Action(name, frozenset(roles), label)


A, S, R, M, K, G, INSP = (
    Role.ADMIN,
    Role.STAFF,
    Role.REVIEWER,
    Role.MERCHANT,
    Role.KIOSK,
    Role.GRID,
    Role.INSPECTOR,
)

# Every role-bound action in the system. tests/people/test_permission_matrix.py
# walks all of them for every role, inside and outside the role's region.
OPEN_CONSOLE = _action("console.open", [A, S, R, M, K, G, INSP], _("open the work console"))
REGISTER_PERSON = _action("person.register", [A, S], _("register a resident"))
VIEW_PERSON = _action("person.view", [A, S], _("see a resident's profile"))
EDIT_PERSON = _action("person.edit", [A, S], _("edit a resident's profile"))
# Only over people without a role for staff: see require_over_account.
SET_PASSWORD = _action("person.password", [A, S], _("set a new password for them"))
MANAGE_PROXIES = _action("proxy.manage", [A, S], _("record a family proxy"))
MANAGE_GROUPS = _action("group.manage", [A, S], _("manage teams, organisations and merchants"))
GRANT_ROLE = _action("role.grant", [A], _("give or take a role"))
ADD_REGION = _action("region.add", [A], _("add a region"))
# Staff read the log of their own communities (issue 13); admins of theirs.
VIEW_AUDIT_LOG = _action("audit.view", [A, S], _("read the audit log"))

MANAGE_RULES = _action("rules.manage", [A, S], _("change point items and bonus rules"))
ADJUST_POINTS = _action("points.adjust", [A, S], _("adjust a resident's points"))
VIEW_LEDGER = _action("points.view", [A, S, R], _("read the community's points ledger"))

# Claims: the review group (reviewers) decides; staff see the queue and enter service
# for residents without a phone, but the points they enter are checked by reviewers.
VIEW_CLAIMS = _action("claims.view", [A, S, R], _("see the claims of the community"))
ENTER_CLAIMS = _action("claims.enter", [A, S], _("declare service for a resident"))
REVIEW_CLAIMS = _action("claims.review", [A, R], _("review claims"))
REVOKE_CLAIMS = _action("claims.revoke", [A, R], _("revoke an approved claim"))

# Activities: staff file and run them; the review group approves the filing (备案).
MANAGE_ACTIVITIES = _action("activity.manage", [A, S], _("organise volunteer activities"))
APPROVE_ACTIVITIES = _action("activity.approve", [A, R], _("approve the filing of an activity"))

# The points supermarket: staff run the items, stock, counter and merchants' settlement.
MANAGE_SHOP = _action("shop.manage", [A, S], _("run the points supermarket"))

# 每月一公示: staff draft the month and answer objections; the review group publishes.
DRAFT_ANNOUNCEMENTS = _action(
    "announcement.draft", [A, S], _("draft the monthly announcement and answer objections")
)
PUBLISH_ANNOUNCEMENTS = _action(
    "announcement.publish", [A, R], _("publish and seal the monthly announcement")
)
# 志愿服务记录证明: staff issue (and revoke) a volunteer's certificate of service.
ISSUE_CERTIFICATES = _action("certificate.issue", [A, S], _("issue volunteer service certificates"))

# 居民点单 · 社区派单: staff check, publish and dispatch residents' requests; the review
# group reads them beside the claims they make.
VIEW_REQUESTS = _action("requests.view", [A, S, R], _("see residents' service requests"))
MANAGE_REQUESTS = _action(
    "requests.manage", [A, S], _("check, publish and dispatch residents' service requests")
)

# 网格事件: grid workers (网格员) report and handle incidents of their grids; staff run the
# community's queue and close without a fix; the review group and the inspectors (巡察) read them.
VIEW_INCIDENTS = _action("incidents.view", [A, S, R, G, INSP], _("see the grid incidents"))
HANDLE_INCIDENTS = _action(
    "incidents.handle", [A, S, G], _("accept, assign, escalate and verify grid incidents")
)
CLOSE_INCIDENTS = _action("incidents.close", [A, S], _("close a grid incident without a fix"))

# 小微权力: staff publish the village's affairs (村务公开) and answer residents' messages; the
# inspectors (巡察) read every message, disclosure and incident of their region and write nothing.
PUBLISH_DISCLOSURES = _action("disclosures.publish", [A, S], _("publish village affairs"))
VIEW_MESSAGES = _action("messages.view", [A, S, INSP], _("read residents' messages"))
ANSWER_MESSAGES = _action("messages.answer", [A, S], _("answer residents' messages"))
INSPECT = _action("inspection.view", [A, INSP], _("read the inspection summary"))
# 议事协商: staff open matters, run polls and meetings and record decisions.
MANAGE_DELIBERATIONS = _action(
    "deliberations.manage", [A, S], _("open matters for deliberation and record decisions")
)

# 驻区单位 · 红色积分联盟 · 三单 · 微实事: staff keep the community's units, their alliance
# and its three lists; a unit's contacts act for their unit (not a role: see units.services).
MANAGE_UNITS = _action(
    "units.manage", [A, S], _("keep the units, the alliance and the community's three lists")
)
# 在职党员回家报到: staff keep the reports home, approve service in working hours and seal
# the quarterly statements for employers.
MANAGE_PARTY = _action(
    "party.manage", [A, S], _("keep in-service party members' reports home and statements")
)
# 项目大赛: staff open contests, name judges and publish results (judges are named per
# contest, not a role).
MANAGE_CONTESTS = _action("contests.manage", [A, S], _("run project contests"))
# 物业互评: staff run the quarter's cross-evaluation of property companies.
MANAGE_PROPERTY_REVIEWS = _action(
    "property_reviews.manage", [A, S], _("run the property companies' cross-evaluation")
)
# Checkpoints: an administrator of a county or town signs the monthly checkpoint export
# with the key only they can unlock.
SIGN_CHECKPOINTS = _action("checkpoints.sign", [A], _("sign the monthly checkpoint"))

ACTIONS: tuple[Action, ...] = (
    OPEN_CONSOLE,
    REGISTER_PERSON,
    VIEW_PERSON,
    EDIT_PERSON,
    SET_PASSWORD,
    MANAGE_PROXIES,
    MANAGE_GROUPS,
    GRANT_ROLE,
    ADD_REGION,
    VIEW_AUDIT_LOG,
    MANAGE_RULES,
    ADJUST_POINTS,
    VIEW_LEDGER,
    VIEW_CLAIMS,
    ENTER_CLAIMS,
    REVIEW_CLAIMS,
    REVOKE_CLAIMS,
    MANAGE_ACTIVITIES,
    APPROVE_ACTIVITIES,
    MANAGE_SHOP,
    DRAFT_ANNOUNCEMENTS,
    PUBLISH_ANNOUNCEMENTS,
    ISSUE_CERTIFICATES,
    VIEW_REQUESTS,
    MANAGE_REQUESTS,
    VIEW_INCIDENTS,
    HANDLE_INCIDENTS,
    CLOSE_INCIDENTS,
    PUBLISH_DISCLOSURES,
    VIEW_MESSAGES,
    ANSWER_MESSAGES,
    INSPECT,
    MANAGE_DELIBERATIONS,
    MANAGE_UNITS,
    MANAGE_PARTY,
    MANAGE_CONTESTS,
    MANAGE_PROPERTY_REVIEWS,
    SIGN_CHECKPOINTS,
)


def grants(person: Person) -> list[tuple[str, str]]:
    """(role, region path) pairs the person holds, read once per request."""
    cached: list[tuple[str, str]] | None = getattr(person, "_jifen_grants", None)
    if cached is None:
        cached = list(RoleGrant.objects.filter(person=person).values_list("role", "region__path"))
        person._jifen_grants = cached  # type: ignore[attr-defined]
    return cached


def forget_grants(person: Person) -> None:
    person.__dict__.pop("_jifen_grants", None)


def roles(person: Person) -> set[str]:
    return {role for role, _path in grants(person)}


def can(person: Person | None, action: Action, region: Region | None = None) -> bool:
    """May ``person`` do ``action`` over ``region`` (or anywhere, when region is None)?"""
    if person is None or not person.is_authenticated or not person.is_active:
        return False
    for role, path in grants(person):
        if role in action.roles and (region is None or region.path.startswith(path)):
            return True
    return False


def require(person: Person | None, action: Action, region: Region | None = None) -> None:
    if not can(person, action, region):
        raise PermissionDenied(
            _("Your role does not allow you to %(action)s here."),
            params={"action": action.label},
        )


def require_over_person(actor: Person | None, action: Action, person: Person) -> None:
    """Acts on a person happen in their home community; people with none (accounts
    made for staff) are in the hands of a top-level administrator."""
    if person.community is not None:
        require(actor, action, person.community)
    elif actor is None or not is_global_admin(actor):
        raise PermissionDenied(
            _("Your role does not allow you to %(action)s here."),
            params={"action": action.label},
        )


def uncovered_roles(actor: Person | None, person: Person) -> list[str]:
    """The roles of ``person`` held over a region that no admin role of ``actor`` covers."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return [role for role, _path in grants(person)]
    tops = [path for role, path in grants(actor) if role == Role.ADMIN]
    return [role for role, path in grants(person) if not any(path.startswith(top) for top in tops)]


def require_over_account(actor: Person | None, action: Action, person: Person) -> None:
    """Acts on a person's account — their password, details, proxies — that would let the
    actor log in or act as them. For a resident, ``action`` over their home community
    decides; for someone holding a role (CONTRACT: no role acts as another) only an admin
    over the regions of all their roles may, so staff never become a reviewer or an admin."""
    require_over_person(actor, action, person)
    uncovered = uncovered_roles(actor, person)
    if uncovered:
        held = [role for role in Role.values if role in uncovered][0]
        raise PermissionDenied(
            _(
                "%(name)s holds the role of %(role)s, so only an administrator over the "
                "regions of all their roles may %(action)s."
            ),
            code="covering_admin_required",
            params={"name": person.name, "role": Role(held).label, "action": action.label},
        )


def may_act_on_account(actor: Person, action: Action, person: Person) -> bool:
    try:
        require_over_account(actor, action, person)
    except PermissionDenied:
        return False
    return True


def require_own_password(person: Person) -> None:
    """Someone else chose this person's password (``Person.must_change_password``): until
    they change it, whoever chose it could be them, so they do nothing else first."""
    if person.must_change_password:
        raise PermissionDenied(
            _(
                "Your password was set by someone else. Change it first "
                "(POST /api/v1/me/password with the current and a new password), then go on."
            ),
            code="password_change_required",
        )


def region_paths(person: Person, action: Action) -> list[str]:
    """The tops of the subtrees where ``person`` may do ``action``, without overlaps."""
    paths = sorted({path for role, path in grants(person) if role in action.roles})
    tops: list[str] = []
    for path in paths:
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    return tops


def regions_q(person: Person, action: Action, field: str = "") -> Q:
    """A filter that keeps only rows inside the person's reach: on ``<field>__path``,
    or on the Region table itself when ``field`` is empty."""
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    query = Q(pk__in=[])
    for path in region_paths(person, action):
        query |= Q(**{lookup: path})
    return query


def is_global_admin(person: Person) -> bool:
    """An admin over a top-level region also sees records that carry no region."""
    return any(role == Role.ADMIN and path.count("/") == 2 for role, path in grants(person))
