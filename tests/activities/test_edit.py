"""Editing an activity and sending a filing back (issue 13): a draft changes freely, a
published one with an audited change and a notice to those signed up; a reviewer sends a
filing back with comments, staff fix it and submit it again. Every refusal leaves the
activity as it was."""

from datetime import timedelta

import pytest

from jifen.activities import services
from jifen.activities.models import EDITABLE, STEPS, Activity, Signup, SignupStatus, Status
from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from jifen.people.models import Team
from tests.activities.conftest import set_window


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _upcoming(make_activity, now, **kw) -> Activity:
    return make_activity(starts_at=now + timedelta(days=2), **kw)


# --- A draft ------------------------------------------------------------------------------


def test_staff_edit_a_draft_freely_and_the_change_is_recorded(
    make_activity, world, items, now, outbox, django_capture_on_commit_callbacks
):
    activity = _upcoming(make_activity, now, status="draft")
    starts = now + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_activity(
            actor=world.staff,
            activity=activity,
            changes={
                "title": "江滨花园大扫除",
                "place": "3栋楼下",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=3),
                "capacity": 5,
                "rule_item": items.visit.pk,
                "min_age": 18,
                "needs_insurance": True,
            },
        )
    activity.refresh_from_db()
    assert (activity.title, activity.place, activity.capacity) == ("江滨花园大扫除", "3栋楼下", 5)
    assert activity.starts_at == starts and activity.rule_item_id == items.visit.pk
    assert (activity.min_age, activity.needs_insurance, activity.status) == (18, True, "draft")
    [event] = _events("activity.update")
    assert event.actor == world.staff and event.region == world.wenchang
    assert event.before["title"] == "江滨花园环境整治" and event.after["title"] == "江滨花园大扫除"
    assert event.before["capacity"] == 10 and event.after["capacity"] == 5
    assert (event.before["rule_item"], event.after["rule_item"]) == ("BASIC", "VISIT")
    assert event.after["starts_at"] == starts.isoformat()
    assert outbox == []  # nobody signed up for a draft


def test_an_edit_that_changes_nothing_records_nothing(make_activity, world, now):
    activity = _upcoming(make_activity, now, status="draft")
    services.update_activity(
        actor=world.staff,
        activity=activity,
        changes={"title": activity.title, "capacity": activity.capacity},
    )
    assert _events("activity.update") == []


def test_a_team_of_another_town_is_refused(make_activity, world, now):
    activity = _upcoming(make_activity, now, status="draft")
    elsewhere = Team.objects.create(region=world.wanmei, name="湾美服务队", leader=world.stranger)
    with pytest.raises(InvalidInput):
        services.update_activity(actor=world.staff, activity=activity, changes={"team": elsewhere})
    assert Activity.objects.get(pk=activity.pk).team is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"min_age": 130}, "min_age"),
        ({"region": "350524106001"}, "region"),
        ({"rule_item": 999_999}, "rule_item"),
    ],
)
def test_bad_input_is_refused_with_its_field(make_activity, world, now, changes, field):
    activity = _upcoming(make_activity, now, status="draft")
    with pytest.raises(InvalidInput) as refused:
        services.update_activity(actor=world.staff, activity=activity, changes=changes)
    assert refused.value.field == field
    assert _events("activity.update") == []


def test_a_window_that_ends_before_it_starts_is_refused(make_activity, world, now):
    activity = _upcoming(make_activity, now, status="draft")
    with pytest.raises(InvalidInput):
        services.update_activity(
            actor=world.staff, activity=activity, changes={"ends_at": activity.starts_at}
        )


# --- A published activity -----------------------------------------------------------------


def test_editing_a_published_activity_is_audited_and_everyone_signed_up_is_told(
    make_activity, world, volunteers, now, outbox, django_capture_on_commit_callbacks
):
    activity = _upcoming(make_activity, now, capacity=1)
    first, gone, second = volunteers(3)
    services.sign_up(actor=first, activity=activity)
    services.sign_up(actor=gone, activity=activity)  # waiting, then withdrawn
    services.withdraw(actor=gone, activity=activity)
    services.sign_up(actor=second, activity=activity)  # waiting
    with django_capture_on_commit_callbacks(execute=True):
        services.update_activity(
            actor=world.staff, activity=activity, changes={"place": "文昌社区活动中心"}
        )
    [event] = _events("activity.update")
    assert event.before == {"place": "江滨花园"} and event.after == {"place": "文昌社区活动中心"}
    assert {m.person for m in outbox} == {first, second}
    assert all(activity.title in m.subject for m in outbox)
    assert all("江滨花园 → 文昌社区活动中心" in m.body for m in outbox)


def test_more_places_move_the_waiting_list_up_and_tell_them(
    make_activity, world, volunteers, now, outbox, django_capture_on_commit_callbacks
):
    activity = _upcoming(make_activity, now, capacity=2)
    first, second, third, fourth = volunteers(4)
    for person in (first, second, third, fourth):
        services.sign_up(actor=person, activity=activity)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_activity(actor=world.staff, activity=activity, changes={"capacity": 3})
    statuses = dict(Signup.objects.filter(activity=activity).values_list("person", "status"))
    assert statuses == {
        first.pk: SignupStatus.CONFIRMED,
        second.pk: SignupStatus.CONFIRMED,
        third.pk: SignupStatus.CONFIRMED,
        fourth.pk: SignupStatus.WAITLISTED,
    }
    assert [e.after["volunteer"] for e in _events("activity.promote")] == [third.volunteer_no]
    # The change goes to all four; the place to the one moved up.
    everyone = [first.pk, second.pk, third.pk, fourth.pk]
    assert sorted(m.person.pk for m in outbox) == sorted([*everyone, third.pk])


def test_fewer_places_than_signups_are_refused(make_activity, world, volunteers, now):
    activity = _upcoming(make_activity, now, capacity=3)
    for person in volunteers(2):
        services.sign_up(actor=person, activity=activity)
    with pytest.raises(Conflict) as refused:
        services.update_activity(actor=world.staff, activity=activity, changes={"capacity": 1})
    assert refused.value.code == "below_signups" and refused.value.field == "capacity"
    assert Activity.objects.get(pk=activity.pk).capacity == 3
    services.update_activity(actor=world.staff, activity=activity, changes={"capacity": 2})
    assert Activity.objects.get(pk=activity.pk).capacity == 2


def test_the_time_and_item_of_an_activity_with_check_ins_are_fixed(
    make_activity, world, items, now
):
    activity = make_activity()  # started 10 minutes ago
    services.check_in(actor=world.staff, activity=activity, person=world.resident)
    later = activity.ends_at + timedelta(hours=1)
    for changes in ({"ends_at": later}, {"starts_at": now}, {"rule_item": items.visit.pk}):
        with pytest.raises(Conflict) as refused:
            services.update_activity(actor=world.staff, activity=activity, changes=changes)
        assert refused.value.code == "has_checkins"
    stored = Activity.objects.get(pk=activity.pk)
    assert stored.ends_at == activity.ends_at and stored.rule_item_id == items.basic.pk
    # The rest may still change while it runs.
    services.update_activity(actor=world.staff, activity=activity, changes={"place": "北门"})
    assert Activity.objects.get(pk=activity.pk).place == "北门"


@pytest.mark.parametrize("status", ["closed", "settled", "cancelled"])
def test_a_finished_or_cancelled_activity_cannot_be_edited(make_activity, world, status):
    activity = make_activity()
    Activity.objects.filter(pk=activity.pk).update(status=status)
    with pytest.raises(Conflict) as refused:
        services.update_activity(actor=world.staff, activity=activity, changes={"title": "新"})
    assert refused.value.code == "not_editable"
    assert Activity.objects.get(pk=activity.pk).title == "江滨花园环境整治"


def test_a_published_activity_that_is_over_cannot_be_edited(make_activity, world, now):
    activity = make_activity()
    set_window(activity, now - timedelta(hours=3), now - timedelta(hours=1))
    with pytest.raises(Conflict) as refused:
        services.update_activity(actor=world.staff, activity=activity, changes={"title": "新"})
    assert refused.value.code == "not_editable"


@pytest.mark.parametrize("who", ["other_staff", "reviewer", "resident", "merchant"])
def test_only_staff_of_its_region_edit_an_activity(make_activity, world, now, who):
    activity = _upcoming(make_activity, now, status="draft")
    with pytest.raises(PermissionDenied):
        services.update_activity(
            actor=getattr(world, who), activity=activity, changes={"title": "篡改"}
        )
    assert Activity.objects.get(pk=activity.pk).title == "江滨花园环境整治"


def test_a_town_admin_edits_an_activity_of_their_town(make_activity, world, now):
    activity = _upcoming(make_activity, now, status="draft")
    services.update_activity(actor=world.town_admin, activity=activity, changes={"title": "新"})
    assert Activity.objects.get(pk=activity.pk).title == "新"


# --- Sending a filing back ----------------------------------------------------------------


def test_a_reviewer_sends_a_filing_back_and_staff_fix_and_resubmit_it(
    make_activity, world, now, outbox, django_capture_on_commit_callbacks
):
    activity = _upcoming(make_activity, now, status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.return_activity(
            actor=world.reviewer, activity=activity, comment="请写明集合地点和注意事项"
        )
    activity.refresh_from_db()
    assert activity.status == Status.RETURNED
    assert activity.review_comment == "请写明集合地点和注意事项"
    assert activity.returned_by == world.reviewer and activity.returned_at is not None
    [event] = _events("activity.return")
    assert event.before == {"status": "submitted"}
    assert event.after == {"status": "returned", "comment": "请写明集合地点和注意事项"}
    # The organiser is told, with the comments.
    [message] = outbox
    assert message.person == world.staff and "请写明集合地点和注意事项" in message.body

    # A reviewer cannot approve it before staff have answered.
    with pytest.raises(Conflict) as refused:
        services.approve_activity(actor=world.reviewer, activity=activity)
    assert refused.value.code == "wrong_status"

    services.update_activity(
        actor=world.staff,
        activity=activity,
        changes={"place": "江滨花园3栋楼下", "risk_notes": "戴手套"},
    )
    services.submit_activity(actor=world.staff, activity=activity)
    assert Activity.objects.get(pk=activity.pk).status == Status.SUBMITTED
    [resubmit] = _events("activity.resubmit")
    assert resubmit.before == {"status": "returned"} and resubmit.actor == world.staff
    services.approve_activity(actor=world.reviewer, activity=activity)
    assert Activity.objects.get(pk=activity.pk).status == Status.PUBLISHED


@pytest.mark.parametrize("status", ["draft", "published", "returned"])
def test_only_a_submitted_filing_is_sent_back(make_activity, world, now, status):
    activity = _upcoming(make_activity, now, status="submitted" if status == "returned" else status)
    if status == "returned":
        services.return_activity(actor=world.reviewer, activity=activity, comment="补充材料")
    with pytest.raises(Conflict) as refused:
        services.return_activity(actor=world.reviewer, activity=activity, comment="再改")
    assert refused.value.code == "wrong_status"
    assert Activity.objects.get(pk=activity.pk).status == status


@pytest.mark.parametrize("who", ["staff", "other_staff", "resident"])
def test_only_the_review_group_sends_a_filing_back(make_activity, world, now, who):
    activity = _upcoming(make_activity, now, status="submitted")
    with pytest.raises(PermissionDenied):
        services.return_activity(actor=getattr(world, who), activity=activity, comment="退回")
    assert Activity.objects.get(pk=activity.pk).status == Status.SUBMITTED


def test_sending_back_needs_a_comment(make_activity, world, now):
    activity = _upcoming(make_activity, now, status="submitted")
    with pytest.raises(InvalidInput) as refused:
        services.return_activity(actor=world.reviewer, activity=activity, comment="   ")
    assert refused.value.field == "comment"
    with pytest.raises(InvalidInput):
        services.return_activity(actor=world.reviewer, activity=activity, comment="长" * 501)
    assert Activity.objects.get(pk=activity.pk).status == Status.SUBMITTED


def test_a_filing_sent_back_may_be_cancelled(make_activity, world, now):
    activity = _upcoming(make_activity, now, status="submitted")
    services.return_activity(actor=world.reviewer, activity=activity, comment="不符合要求")
    services.cancel_activity(actor=world.staff, activity=activity, reason="不办了")
    assert Activity.objects.get(pk=activity.pk).status == Status.CANCELLED


# --- The table of steps -------------------------------------------------------------------

MOVES = {
    "submit": (Status.SUBMITTED, "staff"),
    "approve": (Status.PUBLISHED, "reviewer"),
    "return": (Status.RETURNED, "reviewer"),
    "cancel": (Status.CANCELLED, "staff"),
}


@pytest.mark.parametrize("status", [s for s in Status.values if s != "settled"])
@pytest.mark.parametrize("move", list(MOVES))
def test_every_step_is_allowed_exactly_when_the_table_says(make_activity, world, now, status, move):
    activity = _upcoming(make_activity, now, status="draft")
    Activity.objects.filter(pk=activity.pk).update(status=status)
    to, who = MOVES[move]
    actor = getattr(world, who)
    extra = (
        {"comment": "改"} if move == "return" else {"reason": "改期"} if move == "cancel" else {}
    )
    try:
        getattr(services, f"{move}_activity")(actor=actor, activity=activity.pk, **extra)
    except Conflict as refused:
        assert refused.code == "wrong_status"
        assert to not in STEPS[status]
        assert Activity.objects.get(pk=activity.pk).status == status
    else:
        assert to in STEPS[status]
        assert Activity.objects.get(pk=activity.pk).status == to


def test_the_table_names_every_status_and_nothing_leaves_a_final_one():
    assert set(STEPS) == set(Status.values)
    assert all(set(targets) <= set(Status.values) for targets in STEPS.values())
    assert STEPS[Status.SETTLED] == STEPS[Status.CANCELLED] == frozenset()
    assert set(EDITABLE) == {"draft", "submitted", "returned", "published"}


def test_settling_is_a_recorded_step_too(make_activity, world):
    activity = make_activity()
    Activity.objects.filter(pk=activity.pk).update(status=Status.CLOSED)
    assert services.settle_closed() == 1
    assert services.settle_closed() == 0
    [event] = _events("activity.settle")
    assert event.actor is None and event.region == world.wenchang
    assert (event.before, event.after) == ({"status": "closed"}, {"status": "settled"})
