"""/console/audit/ in words (issue 13): action names instead of codes, field labels and
before → after instead of Python dicts, filters chosen from lists, staff scoped to their
own communities, admins to theirs."""

from datetime import date, timedelta

from django.utils import timezone
from django.utils.html import escape

from jifen.activities import services as activities
from jifen.audit import labels
from jifen.audit.models import AuditEvent
from jifen.people import services
from jifen.points.services import save_rule_item


def _activity(world):
    item = save_rule_item(
        actor=None,
        region=world.county,
        code="BASIC",
        name="环境整治",
        category="环境卫生",
        unit="hour",
        points=10,
        effective_from=date(2020, 1, 1),
    ).item
    starts = timezone.now() + timedelta(days=2)
    activity = activities.create_activity(
        actor=world.staff,
        region=world.wenchang,
        title="江滨花园环境整治",
        rule_item_id=item.pk,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=10,
        place="江滨花园",
    )
    activities.submit_activity(actor=world.staff, activity=activity)
    activities.approve_activity(actor=world.reviewer, activity=activity)
    activities.update_activity(
        actor=world.staff, activity=activity, changes={"place": "文昌社区活动中心"}
    )
    return activity


def test_the_page_shows_names_labels_and_before_after_not_codes_or_dicts(world, as_person):
    _activity(world)
    html = as_person(world.staff).get("/console/audit/").content.decode()
    assert escape(labels.action_name("activity.update")) in html
    assert escape(labels.action_name("activity.approve")) in html
    # No raw code as the text of a cell, no Python dict.
    assert ">activity.update<" not in html and ">activity.approve<" not in html
    assert "{&#x27;" not in html and "{'" not in html
    # Field labels, before → after, a status by its label.
    assert '江滨花园</span> → <span class="now">文昌社区活动中心' in html
    assert escape(labels.field_label("activity.update", "place")) in html
    published = AuditEvent.objects.get(action="activity.approve")
    rows = labels.changes(published.action, published.before, published.after)
    assert [r.after for r in rows] == [labels.value_text("activity.approve", "status", "published")]
    assert escape(rows[0].after) in html


def test_the_action_and_region_filters_are_lists(world, as_person):
    _activity(world)
    client = as_person(world.county_admin)
    form = client.get("/console/audit/").context["form"]
    # Grouped by area (an <optgroup> each): the codes and names within the groups.
    actions = dict(c for _area, group in form.fields["action"].choices[1:] for c in group)
    assert actions["activity.update"] == labels.action_name("activity.update")
    regions = dict(form.fields["region"].choices)
    assert world.wenchang.code in regions and world.wanmei.code in regions
    assert world.compound.code not in regions  # county, towns and communities only
    page = client.get("/console/audit/", {"action": "activity.update"}).context["page"]
    assert [e.action for e in page] == ["activity.update"]
    # A made-up action is a form error, not a 500 and not everything.
    bad = client.get("/console/audit/", {"action": "drop table"})
    assert bad.status_code == 200 and "action" in bad.context["form"].errors


def test_the_person_filter_finds_who_acted_and_for_whom(world, as_person):
    activity = _activity(world)
    activities.sign_up(actor=world.staff, activity=activity, person=world.resident)
    client = as_person(world.county_admin)
    found = client.get("/console/audit/", {"actor": world.resident.name}).context["page"]
    assert "activity.signup" in {e.action for e in found}
    by_number = client.get("/console/audit/", {"actor": world.staff.volunteer_no}).context["page"]
    assert {e.actor_id for e in by_number} == {world.staff.pk}


def test_staff_read_their_community_and_staff_next_door_nothing_of_it(world, as_person):
    _activity(world)
    services.update_person(actor=world.other_staff, person=world.stranger, name="蔡湾湾")
    mine = as_person(world.staff).get("/console/audit/")
    assert mine.status_code == 200
    assert all(e.region.code.startswith(world.wenchang.code) for e in mine.context["page"])
    assert "activity.update" in {e.action for e in mine.context["page"]}
    theirs = as_person(world.other_staff).get("/console/audit/")
    assert "activity.update" not in {e.action for e in theirs.context["page"]}
    assert "江滨花园环境整治" not in theirs.content.decode()
    # Their region list holds only their community; another's code is refused.
    assert list(dict(theirs.context["form"].fields["region"].choices)) == ["", world.wanmei.code]
    asked = as_person(world.other_staff).get("/console/audit/", {"region": world.wenchang.code})
    assert "region" in asked.context["form"].errors
    assert "activity.update" not in {e.action for e in asked.context["page"]}


def test_the_county_admin_sees_every_community(world, as_person):
    _activity(world)
    services.update_person(actor=world.other_staff, person=world.stranger, name="蔡湾湾")
    page = as_person(world.county_admin).get("/console/audit/").context["page"]
    actions = {(e.action, e.region.code if e.region else None) for e in page}
    assert ("activity.update", world.wenchang.code) in actions
    assert ("person.edit", world.wanmei.code) in actions


def test_the_log_is_paged_and_the_pager_keeps_the_filter(world, as_person):
    for i in range(55):
        services.update_person(actor=world.staff, person=world.resident, name=f"王淑{i}")
    client = as_person(world.staff)
    first = client.get("/console/audit/", {"action": "person.edit"})
    assert len(first.context["page"].object_list) == 50
    assert "?action=person.edit&page=2" in first.content.decode()
    second = client.get("/console/audit/", {"action": "person.edit", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_personal_data_stays_masked_on_the_page(world, as_person):
    services.register_by_staff(
        actor=world.staff, name="赵大爷", phone="13612345679", community=world.wenchang
    )
    html = as_person(world.staff).get("/console/audit/").content.decode()
    assert "13612345679" not in html and "136****5679" in html


def test_who_acted_reads_as_the_system_or_the_operator_when_nobody_did(world, as_person):
    """A change nobody made by hand (a tick, a waiting list moved up) is the system's; one
    from the command line is the operator's — not the same word for both."""
    AuditEvent.objects.create(
        actor=None,
        action="activity.settle",
        region=world.wenchang,
        target_type="x",
        target_id=1,
        channel="system",
    )
    AuditEvent.objects.create(
        actor=None,
        action="activity.settle",
        region=world.wenchang,
        target_type="x",
        target_id=2,
        channel="cli",
    )
    client = as_person(world.staff)
    html = client.get("/console/audit/", {"action": "activity.settle"}).content.decode()
    assert html.count('data-actor="system"') == 1
    assert html.count("运维人员") == 1
