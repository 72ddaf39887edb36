"""待办: what waits for a person, in every role they hold, only in their regions.

The inbox sits above every domain: each domain counts its own rows in its selectors
(one aggregate query per domain and side, whatever the number of rows), and this module
puts the counts together into lines — a kind, a count, since when the oldest waits, and
the page with the filtered list. A line whose count is 0 is left out. Lines are sorted
oldest first; for a partner merchant's operator, 收积分 (taking points) always comes first.

Sides: ``work`` — what a role asks of the person (reviewer, staff, admin); ``merchant`` —
a partner merchant's counter and orders (its operators, with or without a role);
``home`` — what concerns the person as a resident. ``GET /me/todo`` answers all three;
the console home shows ``work`` and ``merchant``, the resident home ``home`` and
``merchant``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.activities import selectors as activities
from jifen.claims import selectors as claims
from jifen.contests import selectors as contests
from jifen.deliberation import selectors as deliberation
from jifen.disclosure import selectors as disclosure
from jifen.imports import selectors as imports
from jifen.incidents import selectors as incidents
from jifen.messages import selectors as messages
from jifen.party import selectors as party
from jifen.people import authz
from jifen.people import selectors as people
from jifen.people.models import Person
from jifen.projects import selectors as projects
from jifen.property_review import selectors as property_review
from jifen.publicity import selectors as publicity
from jifen.requests import selectors as requests
from jifen.shop import selectors as shop
from jifen.units import selectors as units

WORK, MERCHANT, HOME = "work", "merchant", "home"
SIDES = (WORK, MERCHANT, HOME)

# Every kind of line, its side and its label (the label reads before the count: 待审核 3).
KINDS: dict[str, tuple[str, Promise]] = {
    "claims_to_review": (WORK, _("Claims to review")),
    "cross_checks": (WORK, _("Claims to cross-check")),
    "appeals": (WORK, _("Appeals to decide")),
    "filings": (WORK, _("Activity filings to approve")),
    "imports_to_approve": (WORK, _("Imports to approve")),
    "objections": (WORK, _("Objections to answer")),
    "pickups": (WORK, _("Orders to hand over")),
    "orders_expiring": (WORK, _("Orders about to expire")),
    "filings_returned": (WORK, _("Filings sent back")),
    "activities_to_close": (WORK, _("Activities to close")),
    "unconsented": (WORK, _("People who have not agreed to publication")),
    "requests_to_check": (WORK, _("Requests to check")),
    "requests_overdue": (WORK, _("Requests past their deadline")),
    "incidents_to_accept": (WORK, _("Incidents to accept")),
    "incidents_overdue": (WORK, _("Incidents past their deadline")),
    "messages_to_answer": (WORK, _("Messages to answer")),
    "messages_overdue": (WORK, _("Messages past their deadline")),
    "disclosures_overdue": (WORK, _("Disclosures past their due day")),
    "polls_to_close": (WORK, _("Polls past their closing time")),
    "deliberations_to_decide": (WORK, _("Matters waiting for a decision")),
    "deliberation_actions_overdue": (WORK, _("Follow-up actions overdue")),
    "alliance_requests": (WORK, _("Requests to join the Red Points Alliance")),
    "needs_unmatched": (WORK, _("Needs nobody has taken")),
    "projects_overdue": (WORK, _("Micro-projects with overdue milestones")),
    "party_to_approve": (WORK, _("Home-day service to approve")),
    "contest_stages_due": (WORK, _("Contest stages past their due date")),
    "property_findings_to_sort": (WORK, _("Property review findings to sort")),
    "property_fixes_to_verify": (WORK, _("Property review fixes to verify")),
    "take_points": (MERCHANT, _("Take points at the counter")),
    "merchant_pickups": (MERCHANT, _("Orders to hand over at my shop")),
    "orders_ready": (HOME, _("Orders ready for pickup")),
    "claims_decided": (HOME, _("Claims decided")),
    "appeals_answered": (HOME, _("Appeals answered")),
    "objections_answered": (HOME, _("Objections answered")),
    "activities_tomorrow": (HOME, _("Activities tomorrow")),
    "requests_to_confirm": (HOME, _("Requests to confirm")),
    "requests_in_hand": (HOME, _("Requests I am to do")),
    "incidents_to_handle": (HOME, _("Incidents for me to handle")),
    "incidents_to_verify": (HOME, _("My reports to check")),
    "messages_to_rate": (HOME, _("Answers to my messages to rate")),
    "polls_to_vote": (HOME, _("Polls open for me")),
    "milestones_due": (HOME, _("Milestones of my unit's projects due")),
    "contest_sheets_to_score": (HOME, _("Contest entries to score")),
    "inspections_to_score": (HOME, _("Property review inspections to score")),
    "findings_to_rectify": (HOME, _("Findings to rectify")),
}

# How long a decided claim, an answered appeal or objection stays on a resident's to-do.
RECENT_DAYS = claims.RECENT_DAYS


@dataclass(frozen=True)
class Item:
    kind: str
    count: int
    oldest_at: datetime | None
    url: str

    @property
    def side(self) -> str:
        return KINDS[self.kind][0]

    @property
    def label(self) -> str:
        return str(KINDS[self.kind][1])


def _url(name: str, *args: object, **query: str) -> str:
    path = reverse(name, args=args)
    return f"{path}?{urlencode(query)}" if query else path


def _work(person: Person, now: datetime) -> list[Item]:
    items: list[Item] = []
    review = claims.reviewer_todo(person)
    queue = "claims:queue"
    for kind, stage in (
        ("claims_to_review", claims.FIRST_REVIEW),
        ("cross_checks", claims.CROSS_CHECK),
        ("appeals", claims.APPEALS),
    ):
        if stage in review:
            count, at = review[stage]
            items.append(Item(kind, count, at, _url(queue, stage=stage)))
    filing = activities.worker_todo(person, now)
    board = "activities:console"
    if "filings" in filing:
        count, at = filing["filings"]
        items.append(Item("filings", count, at, _url(board, status="submitted")))
        count, at = filing["filings_returned"]
        items.append(Item("filings_returned", count, at, _url(board, status="returned")))
        count, at = filing["activities_to_close"]
        items.append(
            Item("activities_to_close", count, at, _url(board, status="published", ended="1"))
        )
    imported = imports.approval_todo(person)
    if imported is not None:
        count, at = imported
        items.append(Item("imports_to_approve", count, at, _url("imports:index", waiting="1")))
    objections = publicity.objections_to_answer(person)
    if objections is not None:
        if objections.several or objections.announcement is None:
            url = _url("publicity:console", objections="open")
        else:
            url = _url("publicity:console_objections", objections.announcement, status="open")
        items.append(Item("objections", objections.count, objections.oldest_at, url))
    counter = shop.counter_todo(person, now)
    if counter:
        orders = "shop:console_orders"
        count, at = counter["pickups"]
        items.append(Item("pickups", count, at, _url(orders, status="reserved")))
        count, at = counter["orders_expiring"]
        items.append(
            Item("orders_expiring", count, at, _url(orders, status="reserved", expiring="1"))
        )
    if authz.can(person, authz.MANAGE_REQUESTS):
        board = "requests:console_list"
        waiting = requests.to_check(person)
        items.append(
            Item(
                "requests_to_check",
                waiting.count,
                waiting.oldest_at,
                _url(board, status="submitted"),
            )
        )
        late = requests.overdue(person)
        items.append(
            Item("requests_overdue", late.count, late.oldest_at, _url(board, overdue="on"))
        )
    if authz.can(person, authz.HANDLE_INCIDENTS):
        grid = incidents.handler_todo(person, now)
        # Staff work the console's queue; grid workers their phone's 我的网格.
        staff = authz.can(person, authz.CLOSE_INCIDENTS)
        queue = "incidents:console_list" if staff else "incidents:grid"
        key = "status" if staff else "show"
        for kind, line, value in (
            ("incidents_to_accept", grid["to_accept"], "reported"),
            ("incidents_overdue", grid["overdue"], "overdue"),
        ):
            items.append(Item(kind, line.count, line.oldest_at, _url(queue, **{key: value})))
    if authz.can(person, authz.ANSWER_MESSAGES):
        letters = messages.staff_todo(person, now)
        board = "messages:console_list"
        for kind, key, query in (
            ("messages_to_answer", "to_answer", {"status": "waiting"}),
            ("messages_overdue", "overdue", {"overdue": "on"}),
        ):
            line = letters[key]
            items.append(Item(kind, line.count, line.oldest_at, _url(board, **query)))
    if authz.can(person, authz.PUBLISH_DISCLOSURES):
        count, at = disclosure.missing_todo(person)
        items.append(Item("disclosures_overdue", count, at, _url("disclosure:console_overdue")))
    if authz.can(person, authz.MANAGE_DELIBERATIONS):
        matters = deliberation.staff_todo(person, now)
        board = "deliberation:console_list"
        for kind, key, status in (
            ("polls_to_close", "to_close", "voting"),
            ("deliberations_to_decide", "decisions_pending", "counted"),
            ("deliberation_actions_overdue", "actions_overdue", "decided"),
        ):
            line = matters[key]
            items.append(Item(kind, line.count, line.oldest_at, _url(board, status=status)))
    if authz.can(person, authz.MANAGE_UNITS):
        line = units.staff_todo(person)
        items.append(
            Item("alliance_requests", line.count, line.oldest_at, _url("units:console_alliance"))
        )
        lists = "projects:console_lists"
        line = projects.needs_unmatched(person)
        items.append(
            Item(
                "needs_unmatched",
                line.count,
                line.oldest_at,
                _url(lists, tab="needs", status="open"),
            )
        )
        line = projects.projects_overdue(person, timezone.localdate(now))
        items.append(
            Item(
                "projects_overdue",
                line.count,
                line.oldest_at,
                _url(lists, tab="projects", overdue="on"),
            )
        )
    if authz.can(person, authz.MANAGE_PARTY):
        line = party.waiting_approval(person)
        items.append(
            Item("party_to_approve", line.count, line.oldest_at, _url("party:console_approvals"))
        )
    if authz.can(person, authz.MANAGE_CONTESTS):
        line = contests.staff_todo(person, timezone.localdate(now))
        items.append(
            Item("contest_stages_due", line.count, line.oldest_at, _url("contests:console_list"))
        )
    if authz.can(person, authz.MANAGE_PROPERTY_REVIEWS):
        rounds = property_review.staff_todo(person, now)
        board = "property_review:console_list"
        for kind, key, status in (
            ("property_findings_to_sort", "findings_to_sort", "recorded"),
            ("property_fixes_to_verify", "fixes_to_verify", "fixed"),
        ):
            line = rounds[key]
            items.append(Item(kind, line.count, line.oldest_at, _url(board, findings=status)))
    unconsented = people.unconsented_todo(person)
    if unconsented is not None:
        # Not agreeing to publication is a resident's choice, not a backlog: no "oldest".
        items.append(Item("unconsented", unconsented, None, _url("web:people", consent="no")))
    return items


def _merchant(person: Person) -> list[Item]:
    merchants, count, at = shop.merchant_todo(person)
    if not merchants:
        return []
    if len(merchants) == 1:
        take = _url("shop:take", merchants[0])
        orders = _url("shop:merchant_orders", merchants[0], status="reserved")
    else:
        take = orders = _url("shop:merchant_home")
    # 收积分 is a counter, not a backlog: its count is the number of shops the person
    # serves, and it has no "oldest".
    return [
        Item("take_points", len(merchants), None, take),
        Item("merchant_pickups", count, at, orders),
    ]


def _home(person: Person, now: datetime) -> list[Item]:
    items: list[Item] = []
    count, at = shop.ready_for(person)
    items.append(Item("orders_ready", count, at, _url("shop:orders", status="reserved")))
    mine = claims.claimant_todo(person, now)
    count, at = mine["decided"]
    items.append(Item("claims_decided", count, at, _url("claims:mine", recent="decided")))
    count, at = mine["appeals_answered"]
    items.append(Item("appeals_answered", count, at, _url("claims:mine", recent="appeals")))
    answered = publicity.objections_answered(person, RECENT_DAYS, now)
    if answered.count:
        # The person's answered objections, of every month objected to, latest answer first.
        url = _url("publicity:my_objections", status="answered")
        items.append(Item("objections_answered", answered.count, answered.oldest_at, url))
    today = timezone.localdate(now)
    count, at = activities.tomorrow_of(person, today)
    tomorrow = (today + timedelta(days=1)).isoformat()
    items.append(Item("activities_tomorrow", count, at, _url("activities:mine", on=tomorrow)))
    confirm = requests.to_confirm(person)
    items.append(
        Item(
            "requests_to_confirm",
            confirm.count,
            confirm.oldest_at,
            _url("requests:mine", status="done"),
        )
    )
    doing = requests.in_hand(person)
    items.append(Item("requests_in_hand", doing.count, doing.oldest_at, _url("requests:taken")))
    mine_ = incidents.person_todo(person)
    handle = mine_["to_handle"]
    items.append(
        Item("incidents_to_handle", handle.count, handle.oldest_at, _url("incidents:handling"))
    )
    check = mine_["to_verify"]
    items.append(
        Item(
            "incidents_to_verify",
            check.count,
            check.oldest_at,
            _url("incidents:mine", show="resolved"),
        )
    )
    rate = messages.author_todo(person)
    items.append(
        Item("messages_to_rate", rate.count, rate.oldest_at, _url("messages:mine", show="answered"))
    )
    polls = deliberation.resident_todo(person)
    items.append(Item("polls_to_vote", polls.count, polls.oldest_at, _url("deliberation:mine")))
    due = projects.milestones_due(person, timezone.localdate(now))
    items.append(Item("milestones_due", due.count, due.oldest_at, _url("projects:mine")))
    sheets = contests.judge_todo(person)
    items.append(
        Item("contest_sheets_to_score", sheets.count, sheets.oldest_at, _url("contests:judge_list"))
    )
    panel = property_review.panel_todo(person)
    items.append(
        Item("inspections_to_score", panel.count, panel.oldest_at, _url("property_review:mine"))
    )
    fixes = property_review.contact_todo(person)
    items.append(
        Item("findings_to_rectify", fixes.count, fixes.oldest_at, _url("property_review:mine"))
    )
    return items


def _order(item: Item) -> tuple[int, float]:
    if item.kind == "take_points":
        return (0, 0.0)
    if item.oldest_at is None:
        return (2, 0.0)
    return (1, item.oldest_at.timestamp())


def todo_for(
    person: Person, sides: tuple[str, ...] = SIDES, now: datetime | None = None
) -> list[Item]:
    """The person's to-do lines of these sides, oldest first, without the empty ones. A
    fixed number of queries whatever the data: about one per domain and side."""
    now = now or timezone.now()
    items: list[Item] = []
    if WORK in sides:
        items += _work(person, now)
    if MERCHANT in sides:
        items += _merchant(person)
    if HOME in sides:
        items += _home(person, now)
    return sorted((item for item in items if item.count > 0), key=_order)
