"""The audit log in words: a name for every action code, a label for every field the
services record, and values as people read them (statuses by their label, times in the
local zone, yes and no).

The audit app sits below every domain, so it imports none: a value's label is read
from the domain's model through Django's app registry when the log is shown, and an
action or field this table does not know yet is shown by its code rather than lost.
tests/audit/test_labels.py checks that every action code written in src/jifen has a name.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# Every action code the services record (``record(action=...)``), by domain.
ACTIONS: dict[str, str | Promise] = {
    # Activities
    "activity.create": _("Activity filed as a draft"),
    "activity.update": _("Activity edited"),
    "activity.submit": _("Activity submitted for filing"),
    "activity.resubmit": _("Activity submitted again"),
    "activity.return": _("Filing sent back"),
    "activity.approve": _("Filing approved, activity published"),
    "activity.cancel": _("Activity cancelled"),
    "activity.close": _("Activity closed"),
    "activity.settle": _("Activity settled: its claims are all decided"),
    "activity.signup": _("Signed up for an activity"),
    "activity.withdraw": _("Withdrew from an activity"),
    "activity.promote": _("Moved up from the waiting list"),
    "activity.checkin": _("Checked in by staff"),
    "activity.attendance.paper": _("Attendance entered from a paper sheet"),
    # Claims
    "claims.claim.create": _("Service declared"),
    "claims.claim.approve": _("Claim approved"),
    "claims.claim.reject": _("Claim rejected"),
    "claims.claim.appeal": _("Claim appealed"),
    "claims.appeal.uphold": _("Appeal upheld"),
    "claims.appeal.dismiss": _("Appeal dismissed"),
    "claims.claim.revoke": _("Claim revoked"),
    # People, roles, groups
    "person.register": _("Resident registered"),
    "person.edit": _("Resident's details edited"),
    "person.consent": _("Consent to publication given"),
    "person.consent_withdraw": _("Consent to publication withdrawn"),
    "person.password": _("Password changed"),
    "person.password_reset": _("Password reset by staff"),
    "role.grant": _("Role given"),
    "role.revoke": _("Role taken away"),
    "proxy.add": _("Family proxy recorded"),
    "proxy.revoke": _("Family proxy ended"),
    "team.create": _("Volunteer team created"),
    "team.join": _("Joined a volunteer team"),
    "team.leave": _("Left a volunteer team"),
    "organization.create": _("Organisation created"),
    "organization.join": _("Joined an organisation"),
    "merchant.create": _("Merchant created"),
    "region.add": _("Region added"),
    # Points and rules
    "points.adjustment.request": _("Points adjustment requested"),
    "points.adjustment.approve": _("Points adjustment approved"),
    "points.adjustment.reject": _("Points adjustment rejected"),
    "rules.item.create": _("Point item created"),
    "rules.item.change": _("Point item changed"),
    "rules.item.activate": _("Point item put in use"),
    "rules.item.retire": _("Point item retired"),
    "rules.policy.change": _("Bonus and expiry rules changed"),
    # The points supermarket
    "shop.item.create": _("Shop item created"),
    "shop.item.update": _("Shop item changed"),
    "shop.item.approve": _("Shop item approved"),
    "shop.item.restock": _("Shop stock changed"),
    "shop.item.activate": _("Shop item put on sale"),
    "shop.item.deactivate": _("Shop item taken off sale"),
    "shop.item.image": _("Shop item's picture changed"),
    "shop.redeem": _("Points redeemed"),
    "shop.fulfil": _("Order handed over"),
    "shop.cancel": _("Order cancelled"),
    "shop.expire": _("Order expired"),
    "shop.merchant.settle": _("Merchant settled"),
    # Paper history imported from Excel
    "imports.people": _("Residents imported from Excel"),
    "imports.history": _("Service history imported from Excel"),
    "imports.approve": _("Imported points approved"),
    "imports.reject": _("Imported points rejected"),
    # 网格事件
    "incidents.report": _("Incident reported"),
    "incidents.accept": _("Incident accepted"),
    "incidents.assign": _("Incident assigned"),
    "incidents.resolve": _("Incident resolved"),
    "incidents.verify_ok": _("Incident verified fixed"),
    "incidents.verify_not": _("Incident sent back as not fixed"),
    "incidents.escalate": _("Incident escalated"),
    "incidents.close": _("Incident closed without a fix"),
    "incidents.reopen": _("Incident reopened"),
    "incidents.rate": _("Incident rated"),
    "incidents.category.save": _("Incident category saved"),
    # The working-day calendar
    "calendar.day": _("Calendar day corrected"),
    # 居民点单 and 微心愿
    "requests.submit": _("Request submitted"),
    "requests.publish": _("Request published for volunteers"),
    "requests.reject": _("Request not taken on"),
    "requests.dispatch": _("Request dispatched"),
    "requests.reassign": _("Request reassigned"),
    "requests.accept": _("Request taken by a volunteer"),
    "requests.assign_member": _("Member named for a request"),
    "requests.hand_back": _("Request handed back"),
    "requests.done": _("Request reported done"),
    "requests.dispute": _("Request sent back as not done"),
    "requests.confirm": _("Request confirmed"),
    "requests.auto_confirm": _("Request confirmed automatically"),
    "requests.cancel": _("Request cancelled"),
    "requests.menu.save": _("Service menu changed"),
    # 村务公开
    "disclosure.publish": _("Village affairs published"),
    "disclosure.correct": _("Village affairs corrected (a new version)"),
    "disclosure.schedule.save": _("Disclosure calendar changed"),
    "disclosure.schedule.delete": _("Disclosure calendar line removed"),
    # 居民留言
    "messages.write": _("Message written"),
    "messages.reply": _("Message answered"),
    "messages.rate": _("Answer rated"),
    "messages.not_resolved": _("Answer rated not resolved, message reopened"),
    "messages.close": _("Message closed by staff"),
    "messages.withdraw": _("Message withdrawn by its writer"),
    "messages.auto_close": _("Message closed: the answer was not rated in time"),
    "messages.escalate": _("Overdue message sent up a region"),
    "messages.to_incident": _("Message turned into a grid incident"),
    "messages.to_request": _("Message turned into a service request"),
    "messages.topic.save": _("Message topic saved"),
    # 议事协商
    "deliberation.create": _("Matter opened for deliberation"),
    "deliberation.invite": _("Parties invited to a matter"),
    "deliberation.vote": _("Vote cast"),
    "deliberation.open_poll": _("Poll opened"),
    "deliberation.close_poll": _("Poll closed by staff"),
    "deliberation.auto_close": _("Poll closed at its closing time"),
    "deliberation.call_meeting": _("Meeting called"),
    "deliberation.record_meeting": _("Meeting minutes recorded"),
    "deliberation.escalate": _("Matter escalated to a meeting"),
    "deliberation.decide": _("Decision recorded"),
    "deliberation.add_action": _("Follow-up action added"),
    "deliberation.progress": _("Follow-up progress reported"),
    "deliberation.complete": _("Every follow-up action done"),
    "deliberation.cancel": _("Matter withdrawn"),
    # 驻区单位 · 红色积分联盟
    "units.unit.create": _("Unit created"),
    "units.unit.edit": _("Unit edited"),
    "units.contact.add": _("Unit contact named"),
    "units.contact.remove": _("Unit contact removed"),
    "units.alliance.request": _("Asked to join the Red Points Alliance"),
    "units.alliance.accept": _("Accepted into the alliance"),
    "units.alliance.decline": _("Alliance request declined"),
    "units.alliance.withdraw": _("Alliance request withdrawn"),
    "units.alliance.leave": _("Left the alliance"),
    "units.use.save": _("Use of unit points saved"),
    "units.spending.create": _("Unit points spent"),
    # 三单 · 微实事
    "projects.resource.offer": _("Resource offered"),
    "projects.resource.withdraw": _("Resource withdrawn"),
    "projects.need.create": _("Need listed"),
    "projects.need.claim": _("Need taken"),
    "projects.need.release": _("Need given back"),
    "projects.need.plan": _("Need turned into a project"),
    "projects.need.meet": _("Need met"),
    "projects.need.close": _("Need closed"),
    "projects.need.reopen": _("Need listed again (project cancelled)"),
    "projects.project.create": _("Micro-project made"),
    "projects.project.update": _("Micro-project changed"),
    "projects.project.publish": _("Micro-project published for a lead unit"),
    "projects.project.lead": _("A unit took the lead of a micro-project"),
    "projects.project.assign": _("Lead unit named"),
    "projects.project.release": _(
        "Micro-project back on the list (given back or taken back by staff)"
    ),
    "projects.project.report": _("Milestone reported"),
    "projects.project.complete": _("Micro-project completed"),
    "projects.project.review": _("Micro-project's points reviewed"),
    "projects.project.cancel": _("Micro-project cancelled"),
    "projects.milestone.add": _("Milestone added"),
    # 在职党员回家报到
    "party.report_file": _("Party member reported home"),
    "party.report_correct": _("Report home corrected"),
    "party.report_end": _("Report home ended"),
    "party.home_days": _("Home days changed"),
    "party.service_mark_counted": _("Home-day service counted"),
    "party.service_mark_pending": _("Home-day service waits for approval"),
    "party.service_approve": _("Home-day service approved"),
    "party.service_reject": _("Home-day service rejected"),
    "party.statement_seal": _("Quarterly statement sealed"),
    # 项目大赛
    "contests.create": _("Project contest prepared"),
    "contests.update": _("Project contest settings changed"),
    "contests.judges_add": _("Contest judges named"),
    "contests.judges_remove": _("Contest judge taken off"),
    "contests.open": _("Contest opened for entries"),
    "contests.start_review": _("Contest entries closed, review started"),
    "contests.start_final": _("Contest finalists chosen, final started"),
    "contests.publish": _("Contest results published"),
    "contests.cancel": _("Contest cancelled"),
    "contests.enter": _("Project entered in a contest"),
    "contests.documents": _("Contest entry documents added"),
    "contests.withdraw": _("Contest entry withdrawn"),
    "contests.score": _("Contest entry scored"),
    "contests.abstain": _("Judge stood aside (conflict of interest)"),
    # 物业互评
    "property_review.create": _("Property review planned"),
    "property_review.add_company": _("Property company added to a review"),
    "property_review.remove_company": _("Property company taken out of a review"),
    "property_review.add_item": _("Checklist item added"),
    "property_review.remove_item": _("Checklist item removed"),
    "property_review.plan_inspection": _("Cross-inspection planned"),
    "property_review.add_panel_member": _("Panel member added"),
    "property_review.remove_panel_member": _("Panel member removed"),
    "property_review.open": _("Property review opened for the panels"),
    "property_review.score": _("Property review scores given"),
    "property_review.record_finding": _("Property review finding recorded"),
    "property_review.close": _("Property review closed and counted"),
    "property_review.publish": _("Property review scores published"),
    "property_review.cancel": _("Property review cancelled"),
    "property_review.finding_track": _("Finding published for rectification"),
    "property_review.finding_refer": _("Finding handed to the grid"),
    "property_review.finding_dismiss": _("Finding dismissed"),
    "property_review.finding_start": _("Rectification started"),
    "property_review.finding_fix": _("Finding reported rectified"),
    "property_review.finding_verify": _("Rectification verified"),
    "property_review.finding_reopen": _("Rectification not accepted, reopened"),
    # Checkpoints
    "witness.create_key": _("Checkpoint signing key created"),
    "witness.sign": _("Checkpoint signed"),
    "witness.sign_refused": _("Wrong passphrase to sign a checkpoint"),
    # 公示 and certificates
    "publicity.draft": _("Monthly announcement drafted"),
    "publicity.publish": _("Monthly announcement published and sealed"),
    "publicity.object": _("Objection raised"),
    "publicity.answer": _("Objection answered"),
    "publicity.policy": _("Publicity settings changed"),
    "publicity.certificate.issue": _("Certificate issued"),
    "publicity.certificate.revoke": _("Certificate revoked"),
}

# The areas the filter groups the actions by (an <optgroup> each), in this order: a key,
# its name, and the prefixes of its action codes. ``area:<key>`` filters the whole area.
AREAS: tuple[tuple[str, str | Promise, tuple[str, ...]], ...] = (
    ("points", _("Points"), ("points.", "rules.")),
    ("claims", _("Claims review"), ("claims.",)),
    ("activities", _("Activities"), ("activity.",)),
    ("shop", _("Points supermarket"), ("shop.",)),
    ("publicity", _("Announcements and certificates"), ("publicity.",)),
    ("people", pgettext_lazy("audit log area", "People"), ("person.", "role.", "proxy.")),
    ("groups", _("Teams, organisations, merchants"), ("team.", "organization.", "merchant.")),
    ("requests", _("Service requests and wishes"), ("requests.",)),
    ("incidents", _("Grid incidents"), ("incidents.",)),
    ("disclosure", _("Village affairs disclosure"), ("disclosure.",)),
    ("messages", _("Residents' messages"), ("messages.",)),
    ("deliberation", _("Deliberation"), ("deliberation.",)),
    ("units", _("Units and alliance"), ("units.",)),
    ("projects", _("Three lists and micro-projects"), ("projects.",)),
    ("party", _("Reporting home"), ("party.",)),
    ("contests", _("Project contests"), ("contests.",)),
    ("property_review", _("Property peer review"), ("property_review.",)),
    ("witness", _("Checkpoints"), ("witness.",)),
    ("imports", _("Import from Excel"), ("imports.",)),
    ("regions", _("Regions and the calendar"), ("region.", "calendar.")),
)

# The keys of ``before`` and ``after`` the services record.
FIELDS: dict[str, str | Promise] = {
    "title": _("Title"),
    "description": _("Description"),
    "place": _("Place"),
    "starts_at": _("Starts at"),
    "ends_at": _("Ends at"),
    "capacity": _("Places"),
    "item": _("Item"),
    "rule_item": _("Service item"),
    "team": _("Volunteer team"),
    "tags": _("Requirements"),
    "min_age": _("Minimum age"),
    "risk_notes": _("Risks and precautions"),
    "needs_insurance": _("Insurance needed"),
    "comment": _("Comments"),
    "status": _("Status"),
    "claims": _("Claims made"),
    "auto_checkout": _("Checked out automatically"),
    "reason": _("Reason"),
    "volunteer": _("Volunteer number"),
    "method": _("Recorded by"),
    "checkin_at": _("Checked in at"),
    "checkout_at": _("Checked out at"),
    "note": _("Note"),
    "organization": _("Organisation"),
    "version": _("Version"),
    "quantity": _("Quantity"),
    "occurred_on": _("Date of service"),
    "points": _("Points"),
    "source": _("Source"),
    "provenance": _("Provenance"),
    "approvals_needed": _("Approvals needed"),
    "approvals": _("Approvals"),
    "needed": _("Approvals needed"),
    "posted": _("Points posted"),
    "transfer": _("Transfer"),
    "reversals": _("Reversals"),
    "name": _("Name"),
    "phone": _("Phone"),
    "volunteer_no": _("Volunteer number"),
    "community": _("Community"),
    "household": _("Household"),
    "is_party_member": _("Party member"),
    "is_reporting_party_member": _("Party member reporting home"),
    "employer": _("Employer"),
    "is_veteran": _("Veteran"),
    "email": _("Email"),
    "is_active": _("Active"),
    "consent_at": _("Consent given at"),
    "person": _("Person"),
    "role": _("Role"),
    "region": _("Region"),
    "principal": _("Resident"),
    "agent": _("Proxy"),
    "relation": _("Relation"),
    "leader": _("Leader"),
    "operators": _("Operators"),
    "amount": _("Amount"),
    "code": _("Code"),
    "category": _("Category"),
    "unit": _("Unit"),
    "effective_from": _("In force from"),
    "number": _("Certificate number"),
    "period": _("Period"),
    "hours": _("Hours"),
    "content_hash": _("Content hash"),
    "star_hours": _("Hours for a star volunteer"),
    "certificate_issuer": _("Certificate issuer"),
    "month": _("Month"),
    "issued": _("Points issued"),
    "redeemed": _("Points redeemed"),
    "expired": _("Points expired"),
    "entries": _("Entries"),
    "transfers": _("Transfers"),
    "people": _("People"),
    "root": _("Hash root"),
    "seal": _("Seal"),
    "answer": _("Answer"),
    "correction": _("Correction"),
    "level": _("Level"),
    "parent": _("Parent region"),
    "kind": _("Kind"),
    "stock": _("Stock"),
    "change": _("Change"),
    "per_person_limit": _("Limit per person"),
    "limit_period": _("Limit period"),
    "available_from": _("Available from"),
    "available_until": _("Available until"),
    "sponsor": _("Sponsor"),
    "approved": _("Approved"),
    "by_proxy": _("By a proxy"),
    "proof": _("Proof of presence"),
    "merchant": _("Merchant"),
    "orders": _("Orders"),
    "rows": _("Rows"),
    "created": _("Created"),
    "skipped": _("Skipped"),
    "consent_source": _("How consent was given"),
    "entered_as": _("Entered"),
    "assignee": _("Helper"),
    "due_on": _("Due on"),
    "group": _("Group"),
    "max_points": _("Most points"),
    "eligibility": _("Who may take it"),
    "deadline_days": _("Working days to do it"),
    "rating": _("Rating"),
    "claim": _("Claim"),
    "previous": _("Previous helper"),
    "day": _("Day"),
    "tier": _("Tier"),
    "from_tier": _("From tier"),
    "due_at": _("Due"),
    "on_time": _("On time"),
    "duplicate_of": _("Duplicate of"),
    "is_working": _("Working day"),
}

# Fields of settings rows, labelled by the model's own field names: (action, model).
FIELD_MODELS: dict[str, str] = {
    "rules.policy.change": "points.CommunityPolicy",
    "publicity.policy": "publicity.PublicityPolicy",
}

# Coded values shown by their label: (action prefix, field) -> (model, model field).
# The longest matching prefix wins.
VALUE_CHOICES: dict[tuple[str, str], tuple[str, str]] = {
    ("activity.", "status"): ("activities.Activity", "status"),
    ("activity.signup", "status"): ("activities.Signup", "status"),
    ("activity.", "method"): ("activities.Attendance", "method"),
    ("claims.", "status"): ("claims.Claim", "status"),
    ("claims.", "source"): ("claims.Claim", "source"),
    ("claims.", "provenance"): ("claims.Claim", "provenance"),
    ("role.", "role"): ("people.RoleGrant", "role"),
    ("region.", "level"): ("regions.Region", "level"),
    ("rules.", "unit"): ("points.RuleVersion", "unit"),
    ("shop.item.", "kind"): ("shop.Item", "kind"),
    ("shop.item.", "limit_period"): ("shop.Item", "limit_period"),
    ("person.", "consent_source"): ("people.Person", "consent_source"),
    ("requests.", "status"): ("requests.ServiceRequest", "status"),
    ("requests.", "kind"): ("requests.ServiceRequest", "kind"),
    ("requests.", "entered_as"): ("requests.ServiceRequest", "entered_as"),
    ("requests.menu.", "eligibility"): ("requests.MenuItem", "eligibility"),
    ("incidents.", "status"): ("incidents.Incident", "status"),
    ("incidents.", "tier"): ("incidents.Incident", "tier"),
    ("incidents.", "from_tier"): ("incidents.Incident", "tier"),
    ("incidents.", "source"): ("incidents.Incident", "source"),
    ("incidents.", "reason"): ("incidents.Incident", "close_reason"),
    ("deliberation.", "tier"): ("deliberation.Matter", "tier"),
    ("deliberation.", "status"): ("deliberation.Matter", "status"),
    ("disclosure.", "category"): ("disclosure.Disclosure", "category"),
    ("disclosure.", "frequency"): ("disclosure.Schedule", "frequency"),
    ("messages.", "status"): ("resident_messages.Message", "status"),
    ("units.alliance.", "status"): ("units.AllianceMembership", "status"),
    ("units.unit.", "kind"): ("people.Organization", "kind"),
    ("projects.need.", "status"): ("projects.Need", "status"),
    ("projects.need.", "source"): ("projects.Need", "source"),
    ("projects.project.", "status"): ("projects.Project", "status"),
    ("projects.project.", "source"): ("projects.Project", "source"),
    ("projects.resource.", "kind"): ("projects.Resource", "kind"),
    ("projects.project.review", "claim_status"): ("claims.Claim", "status"),
    ("party.report_", "status"): ("party.Report", "status"),
    ("party.service_", "status"): ("party.Service", "status"),
    ("party.service_", "kind"): ("party.Service", "kind"),
    ("contests.", "stage"): ("contests.Contest", "stage"),
    ("contests.", "score_visibility"): ("contests.Contest", "score_visibility"),
    ("contests.withdraw", "status"): ("contests.Entry", "status"),
    ("contests.score", "phase"): ("contests.Score", "phase"),
    ("property_review.", "status"): ("property_review.Round", "status"),
    ("property_review.finding_", "status"): ("property_review.Finding", "status"),
    ("property_review.record_finding", "status"): ("property_review.Finding", "status"),
    ("property_review.add_panel_member", "kind"): ("property_review.PanelMember", "kind"),
}

# Coded values no model field lists, by (action prefix, field) as above: how the holder of
# an order was named at the counter (shop.services._acting) is a word the service writes.
VALUE_WORDS: dict[tuple[str, str], dict[str, str | Promise]] = {
    ("shop.redeem", "proof"): {
        "self": _("by the resident themself"),
        "proxy": _("by a family proxy"),
        "staff": _("named by staff"),
        "card": _("volunteer card shown"),
        "paycode": _("pay code shown"),
    },
    ("publicity.certificate.", "status"): {"valid": _("valid"), "revoked": _("revoked")},
}

# Keys whose value is a region's code: shown by the region's name when the page knows it.
REGION_KEYS = ("community", "region", "parent")

LONGEST = 120  # characters of a value shown; the rest is cut
EMPTY = "—"  # a value recorded as nothing
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def action_name(code: str) -> str:
    """The action's name, or its code when this table does not know it yet."""
    name = ACTIONS.get(code)
    return str(name) if name is not None else code


def action_choices(codes: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(code, name) for a filter's list: the known actions and ``codes`` (those found in
    the log), by name."""
    known = {code: action_name(code) for code in (*ACTIONS, *codes)}
    return sorted(known.items(), key=lambda pair: (pair[1], pair[0]))


AREA = "area:"  # a filter's value for a whole area: area:points


def area_prefixes(scope: str) -> tuple[str, ...]:
    """The action prefixes of the area a filter names (``area:points``: ``points.`` and
    ``rules.``); none for an area that does not exist."""
    for key, _name, prefixes in AREAS:
        if scope == f"{AREA}{key}":
            return prefixes
    return ()


def action_groups(codes: Iterable[str] = ()) -> list[tuple[str, list[tuple[str, str]]]]:
    """The filter's actions grouped by area, for a <select> with an <optgroup> each:
    [(area name, [("area:<key>", "area: all"), (code, name), …]), …], names sorted within
    an area; codes no area knows (found in the log) under "Other"."""
    grouped: dict[str, list[tuple[str, str]]] = {key: [] for key, _name, _p in AREAS}
    other: list[tuple[str, str]] = []
    for code, name in action_choices(codes):
        area = next((key for key, _n, prefixes in AREAS if code.startswith(prefixes)), None)
        (grouped[area] if area else other).append((code, name))
    groups = [
        (
            str(name),
            [(f"{AREA}{key}", gettext("%(area)s: all") % {"area": name}), *grouped[key]],
        )
        for key, name, prefixes in AREAS
        if grouped[key]
    ]
    if other:
        groups.append((gettext("Other"), other))
    return groups


def _model_field(model: str, name: str) -> Any:
    try:
        return apps.get_model(model)._meta.get_field(name)
    except (LookupError, FieldDoesNotExist):
        return None


def field_label(action: str, key: str) -> str:
    model = FIELD_MODELS.get(action)
    if model:
        field = _model_field(model, key)
        if field is not None and getattr(field, "verbose_name", None):
            return str(field.verbose_name)
    label = FIELDS.get(key)
    return str(label) if label is not None else key


def _longest(table: dict[tuple[str, str], Any], action: str, key: str) -> Any:
    best: Any = None
    best_length = -1
    for (prefix, field), source in table.items():
        if field == key and action.startswith(prefix) and len(prefix) > best_length:
            best, best_length = source, len(prefix)
    return best


def _choices_for(action: str, key: str) -> dict[str, str]:
    """{code: label} of a coded field: a settings row's by its model, the others by
    VALUE_CHOICES, then VALUE_WORDS."""
    source = (FIELD_MODELS[action], key) if action in FIELD_MODELS else None
    source = source or _longest(VALUE_CHOICES, action, key)
    field = _model_field(*source) if source else None
    if field is not None and field.choices:
        return {str(value): str(label) for value, label in field.choices}
    words = _longest(VALUE_WORDS, action, key)
    return {code: str(label) for code, label in words.items()} if words else {}


def _list_separator() -> str:
    # Translators: between the items of a list, e.g. 会使用智能手机、懂急救
    return gettext(", ")


def _separator() -> str:
    # Translators: between the changes of one event, e.g. 地点：甲 → 乙；名额：20 → 30
    return gettext("; ")


def _pair(label: str, value: str) -> str:
    return gettext("%(label)s: %(value)s") % {"label": label, "value": value}


def _cut(text: str) -> str:
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def value_text(action: str, key: str, value: Any, names: dict[str, str] | None = None) -> str:
    """A recorded value as a person reads it; ``names``: regions' names by code."""
    if value is None or value == "" or value == []:
        return EMPTY
    if names and key in REGION_KEYS and isinstance(value, str) and value in names:
        return names[value]
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list | tuple):
        return _cut(_list_separator().join(value_text(action, key, v) for v in value))
    if isinstance(value, dict):
        return _cut(
            _separator().join(
                _pair(field_label(action, k), value_text(action, k, v)) for k, v in value.items()
            )
        )
    if isinstance(value, str):
        labels = _choices_for(action, key)
        if value in labels:
            return labels[value]
        if _MOMENT.match(value):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return _cut(value)
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%Y-%m-%d %H:%M")
        return _cut(value)
    return _cut(str(value))


@dataclass(frozen=True)
class Change:
    field: str  # the key as recorded
    label: str
    before: str | None  # None: the event recorded no value before
    after: str | None  # None: the event recorded no value after


def region_codes(before: Any, after: Any) -> set[str]:
    """The region codes an event's values hold (to read their names in one query)."""
    return {
        value
        for values in (before, after)
        if isinstance(values, dict)
        for key, value in values.items()
        if key in REGION_KEYS and isinstance(value, str)
    }


def changes(
    action: str, before: Any, after: Any, names: dict[str, str] | None = None
) -> list[Change]:
    """What an event changed, field by field, in the order the service recorded it:
    a field in both ``before`` and ``after`` reads before → after, one only in ``after``
    is what was set, one only in ``before`` is what was there."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    keys = list(before) + [k for k in after if k not in before]
    rows = [
        Change(
            field=key,
            label=field_label(action, key),
            before=value_text(action, key, before[key], names) if key in before else None,
            after=value_text(action, key, after[key], names) if key in after else None,
        )
        for key in keys
    ]
    return [row for row in rows if _tells(row)]


def _tells(change: Change) -> bool:
    """Whether a line says anything: not "— → —", not "甲 → 甲", not "—" alone."""
    values = {change.before, change.after} - {None}
    return values != {EMPTY} and not (change.before is not None and change.before == change.after)


def changes_text(action: str, before: Any, after: Any) -> str:
    """The changes as one line: ``Place: A → B; Places: 20 → 30``."""
    parts = []
    for change in changes(action, before, after):
        if change.before is not None and change.after is not None:
            parts.append(_pair(change.label, f"{change.before} → {change.after}"))
        else:
            parts.append(_pair(change.label, change.after or change.before or "—"))
    return _separator().join(parts)
