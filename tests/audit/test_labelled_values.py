"""Every coded value the audit log records reads as a word, in Chinese (issue 13): a
redemption's proof is 出示一卡通, not ``card``; lines that say nothing (— → —, 甲 → 甲) are
left out; the action filter is grouped by area."""

import re
from pathlib import Path

from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import escape

from jifen.audit import labels
from jifen.audit.models import AuditEvent
from jifen.audit.selectors import audit_events
from jifen.shop import services as shop_services
from tests.shop.fixtures import Shop, carded, shop  # noqa: F401 - the fixture

SRC = Path(__file__).resolve().parents[2] / "src" / "jifen"
KEY = re.compile(r'"([a-z_]+)":')
ACTION = re.compile(r'action="([a-z_.]+)"(?:\s+if\s[^\n]*?\selse\s+"([a-z_.]+)")?')
MOVE = re.compile(r'_move\([^)]*?"(activity\.[a-z_.]+)"', re.S)
HELPER = re.compile(r"\b(_?[a-z_]+)\(")


def _choice_fields() -> set[str]:
    """The names of every coded (choices) field of Jifen's models."""
    return {
        field.name
        for model in apps.get_models()
        if model.__module__.startswith("jifen.")
        for field in model._meta.get_fields()
        if getattr(field, "choices", None)
    }


def _enclosing(text: str, at: int) -> str:
    """The function ``record(`` is called in: its values may be built before the call."""
    start = text.rfind("\ndef ", 0, at)
    end = re.compile(r"\n(?:def |@|class )").search(text, at)
    return text[max(start, 0) : end.start() if end else len(text)]


def _braced(text: str, at: int) -> str:
    """From the ``{`` or ``(`` at or after ``at`` to the one that closes it."""
    i = min(j for j in (text.find("{", at), text.find("(", at)) if j >= 0)
    pairs = {"{": "}", "(": ")"}
    opening, closing, depth = text[i], pairs[text[i]], 0
    for j in range(i, len(text)):
        depth += (text[j] == opening) - (text[j] == closing)
        if depth == 0:
            return text[i : j + 1]
    return text[i:]


def _function(text: str, name: str) -> str:
    found = re.search(rf"\ndef {name}\(.*?(?=\n(?:def |@|class )|\Z)", text, re.S)
    return found.group(0) if found else ""


def _recorded() -> set[tuple[str, str]]:
    """(action, key) of every value the services record, read from the source: the keys
    written in the function that calls ``record(...)`` and in the helpers it calls from the
    same file (``snapshot``, ``_audit_item``); ``action=action`` in activities takes the
    codes ``_move`` is given. More keys than recorded at worst, never fewer."""
    pairs: set[tuple[str, str]] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for found in re.finditer(r"\brecord\(", text):
            body = _enclosing(text, found.start())
            if body.startswith("\ndef record("):
                continue
            call = _braced(text, found.start())
            codes = {c for m in ACTION.finditer(call) for c in m.groups() if c}
            if "action=action" in call:
                codes |= set(MOVE.findall(text))
            # The values: written in the call, or built as ``before = {…}`` above it.
            values = [call]
            for name in re.findall(r"\b(before|after)=(before|after)\b", call):
                built = re.search(rf"\n\s+{name[1]} = \{{", body)
                if built:
                    values.append(_braced(body, built.end() - 1))
            keys = {key for value in values for key in KEY.findall(value)}
            for helper in {h for value in values for h in HELPER.findall(value)} - {"record"}:
                keys |= set(KEY.findall(_function(text, helper)))
            pairs |= {(code, key) for code in codes for key in keys}
    return pairs


# Keys named like a coded field elsewhere whose value here is the county's own code or
# words, shown as recorded: an incident category's code, a service menu line's code, a
# point item's category (free text).
NOT_CODED = {
    ("incidents.report", "category"),
    ("requests.submit", "category"),
    ("rules.item.change", "category"),
    ("rules.item.create", "category"),
    # The unit's name, not a rule's unit of measure.
    ("units.spending.create", "unit"),
}


def test_every_coded_field_the_services_record_has_labels():
    coded = _choice_fields() | {"proof"}
    pairs = {(action, key) for action, key in _recorded() if key in coded}
    # What the source reading must find, or it reads nothing.
    assert {("shop.redeem", "proof"), ("activity.approve", "status"), ("role.grant", "role")} <= (
        pairs
    )
    assert ("person.consent_withdraw", "consent_source") in pairs
    missing = sorted(
        pair for pair in pairs if not labels._choices_for(*pair) and pair not in NOT_CODED
    )
    assert missing == [], (
        f"label these in jifen.audit.labels (VALUE_CHOICES/VALUE_WORDS): {missing}"
    )


def test_every_value_of_a_labelled_field_reads_as_its_chinese_label():
    with translation.override("zh-hans"):
        tables = [
            *(
                (prefix, key, apps.get_model(m)._meta.get_field(f).choices)
                for (prefix, key), (m, f) in labels.VALUE_CHOICES.items()
            ),
            *(
                (prefix, key, list(words.items()))
                for (prefix, key), words in labels.VALUE_WORDS.items()
            ),
            *(
                (action, field.name, field.choices)
                for action, model in labels.FIELD_MODELS.items()
                for field in apps.get_model(model)._meta.get_fields()
                if getattr(field, "choices", None)
            ),
        ]
        assert len(tables) >= len(labels.VALUE_CHOICES) + 2
        for prefix, key, choices in tables:
            action = prefix + "any" if prefix.endswith(".") else prefix
            for code, label in choices:
                shown = labels.value_text(action, key, code)
                assert shown == str(label), (prefix, key, code, shown)
                # A word of Jifen's catalogue (tests/test_translations.py sees it in Chinese).
                assert isinstance(label, Promise), (key, code)


def test_a_redemptions_proof_names_how_the_holder_was_known():
    # Every value shop.services._acting gives: the holder themself, a proxy, staff naming
    # them, the card or pay code presented.
    with translation.override("zh-hans"):
        for via in ("self", "proxy", "staff", "card", "paycode"):
            shown = labels.value_text("shop.redeem", "proof", via)
            assert shown == str(labels.VALUE_WORDS["shop.redeem", "proof"][via]) != via


def test_lines_that_say_nothing_are_left_out():
    rows = labels.changes(
        "shop.item.update",
        {"name": "大米", "available_from": None, "sponsor": "", "stock": 5},
        {"name": "大米", "available_from": None, "sponsor": "", "stock": 8, "note": None},
    )
    assert [(r.field, r.before, r.after) for r in rows] == [("stock", "5", "8")]
    # A value taken away still shows: it was something, now it is nothing.
    with translation.override("en"):
        gone = labels.changes("person.consent_withdraw", {"consent_source": "self"}, {})
        assert [(r.before, r.after) for r in gone] == [("At self-registration", None)]
    erased = labels.changes(
        "person.consent_withdraw", {"consent_at": "2026-05-01"}, {"consent_at": None}
    )
    assert [(r.before, r.after) for r in erased] == [("2026-05-01", "—")]


def test_the_audit_page_shows_a_redemption_by_card_in_words(shop: Shop, as_person):  # noqa: F811
    world = shop.world
    shop.fund(world.resident, 100)
    shop_services.redeem(
        actor=shop.operator,
        item=shop.haircut,
        quantity=1,
        presence=carded(world.resident),
    )
    event = AuditEvent.objects.get(action="shop.redeem")
    assert event.after["proof"] == "card"
    html = as_person(world.staff).get("/console/audit/", {"action": "shop.redeem"}).content.decode()
    with translation.override("zh-hans"):
        assert escape(labels.value_text("shop.redeem", "proof", "card")) in html
        assert escape(labels.field_label("shop.redeem", "proof")) in html
    assert ">card<" not in html
    assert "— → —" not in html and '—</span> → <span class="now">—' not in html


def test_the_action_filter_is_grouped_by_area(world, as_person):
    html = as_person(world.county_admin).get("/console/audit/").content.decode()
    with translation.override("zh-hans"):
        groups = labels.action_groups()
    names = [name for name, _choices in groups]
    assert names[:4] == ["积分", "申报审核", "活动", "积分超市"]
    for name in names:
        assert f'<optgroup label="{escape(name)}">' in html
    # Every known action is in exactly one group, its group's whole area first.
    codes = [code for _name, choices in groups for code, _label in choices]
    assert sorted(c for c in codes if not c.startswith(labels.AREA)) == sorted(labels.ACTIONS)
    assert all(choices[0][0].startswith(labels.AREA) for _name, choices in groups)
    shop_group = dict(groups)["积分超市"]
    assert {code for code, _label in shop_group[1:]} == {
        c for c in labels.ACTIONS if c.startswith("shop.")
    }


def test_a_whole_area_filters_every_prefix_it_covers(world, as_person):
    for action in ("role.grant", "person.edit", "proxy.add", "shop.fulfil"):
        AuditEvent.objects.create(
            action=action, region=world.wenchang, target_type="x", target_id=1
        )
    people = {e.action for e in audit_events(viewer=world.county_admin, action="area:people")}
    assert {"role.grant", "person.edit", "proxy.add"} <= people and "shop.fulfil" not in people
    assert not audit_events(viewer=world.county_admin, action="area:nowhere").exists()
    page = as_person(world.county_admin).get("/console/audit/", {"action": "area:people"})
    assert page.status_code == 200 and not page.context["form"].errors
    assert {e.action for e in page.context["page"]} <= people
