"""The audit log in words: every action code written in the code base has a name, fields
have labels, values read as people read them (statuses by their label, local times)."""

import re
from datetime import UTC, datetime
from pathlib import Path

from django.utils import translation

from jifen.audit import labels
from jifen.audit.models import AuditEvent

SRC = Path(__file__).resolve().parents[2] / "src" / "jifen"
# record(action="x"), action="x" if … else "y", and _move(…, "activity.x") in activities.
ACTION = re.compile(r'action=("[a-z_.]+"(?:\s+if\s[^\n]*?\selse\s+"[a-z_.]+")?)')
MOVE = re.compile(r'_move\([^)]*?"(activity\.[a-z_.]+)"', re.S)
CODE = re.compile(r'"([a-z_]+\.[a-z_.]+)"')


def _codes_in_source() -> set[str]:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "record(" not in text and "_move(" not in text:
            continue
        for match in ACTION.finditer(text):
            found.update(CODE.findall(match.group(1)))
        found.update(MOVE.findall(text))
    return found


def test_every_action_code_in_the_code_base_has_a_name():
    codes = _codes_in_source()
    assert {"shop.fulfil", "activity.update", "activity.return", "claims.appeal.dismiss"} <= codes
    missing = sorted(code for code in codes if code not in labels.ACTIONS)
    assert missing == [], f"add a name to jifen.audit.labels.ACTIONS for {missing}"


def test_an_unknown_action_or_field_shows_its_code():
    assert labels.action_name("brand.new") == "brand.new"
    assert labels.field_label("brand.new", "mystery") == "mystery"


def test_statuses_read_by_their_label_per_domain():
    with translation.override("en"):
        assert labels.value_text("activity.approve", "status", "published") == "published"
        assert labels.value_text("activity.return", "status", "returned") == (
            "sent back for changes"
        )
        # A signup's status is a signup's, not an activity's.
        assert labels.value_text("activity.signup", "status", "waitlisted") == (
            "on the waiting list"
        )
        assert labels.value_text("role.grant", "role", "staff") != "staff"
        assert labels.value_text("publicity.certificate.revoke", "status", "revoked") == "revoked"


def test_values_read_as_people_read_them():
    with translation.override("en"):
        assert labels.value_text("x", "needs_insurance", True) == "yes"
        assert labels.value_text("x", "needs_insurance", False) == "no"
        assert labels.value_text("x", "min_age", None) == "—"
        assert labels.value_text("x", "operators", ["V1", "V2"]) == "V1, V2"
        moment = datetime(2026, 5, 1, 1, 0, tzinfo=UTC).isoformat()
        assert labels.value_text("x", "starts_at", moment) == "2026-05-01 09:00"  # Shanghai
        assert labels.value_text("x", "occurred_on", "2026-05-01") == "2026-05-01"
        assert len(labels.value_text("x", "description", "长" * 500)) == labels.LONGEST


def test_changes_read_before_and_after_field_by_field():
    with translation.override("en"):
        rows = labels.changes(
            "activity.update",
            {"place": "江滨花园", "capacity": 10},
            {"place": "活动中心", "capacity": 20, "status": "draft"},
        )
        assert [(r.label, r.before, r.after) for r in rows] == [
            ("Place", "江滨花园", "活动中心"),
            ("Places", "10", "20"),
            ("Status", None, "draft"),
        ]
        assert labels.changes_text("activity.update", {"place": "甲"}, {"place": "乙"}) == (
            "Place: 甲 → 乙"
        )
        assert labels.changes("x", None, None) == []


def test_settings_fields_are_labelled_by_their_model():
    label = labels.field_label("rules.policy.change", "attendance_min_share")
    assert label != "attendance_min_share"


def test_the_filter_lists_every_known_action_by_name():
    choices = dict(labels.action_choices())
    assert set(labels.ACTIONS) <= set(choices)
    assert choices["shop.fulfil"] == str(labels.ACTIONS["shop.fulfil"])


def test_the_template_filters_render_an_event(db):
    from django.template import Context, Template

    event = AuditEvent(
        action="activity.approve", before={"status": "submitted"}, after={"status": "published"}
    )
    with translation.override("en"):
        html = Template(
            "{% load audit %}{{ event.action|action_name }}|"
            "{% for c in event|changes %}{{ c.label }}={{ c.before }}>{{ c.after }}{% endfor %}"
        ).render(Context({"event": event}))
    assert html == "Filing approved, activity published|Status=submitted for filing>published"


def test_region_codes_read_by_name_when_the_page_knows_them(world):
    from jifen.audit.selectors import region_names

    event = AuditEvent.objects.filter(action="region.add", region=world.compound).get()
    names = region_names([event])
    assert names[world.wenchang.code] == world.wenchang.name
    rows = {r.field: r.after for r in labels.changes(event.action, None, event.after, names)}
    assert rows["parent"] == world.wenchang.name
    assert rows["code"] == world.compound.code  # a code that is the point stays a code
