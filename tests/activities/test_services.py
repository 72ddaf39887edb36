"""The services of activities: filing, recruitment, attendance, closing into claims.

Each refusal also asserts that nothing was written: the services check first and
write after, in one transaction.
"""

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jifen.activities import hours, services
from jifen.activities.models import Activity, Attendance, Method, Signup, SignupStatus, Status
from jifen.audit.models import AuditEvent
from jifen.claims import selectors as claim_selectors
from jifen.claims import services as claim_services
from jifen.claims.models import Claim, Provenance, Source
from jifen.claims.models import Status as ClaimStatus
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.people.models import Role, RoleGrant
from jifen.points.services import update_policy
from tests.activities.conftest import in_minutes, qr, set_times, set_window
from tests.conftest import make_person


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- Filing and the lifecycle -------------------------------------------------------------


def test_an_activity_goes_from_draft_through_filing_to_published(world, items, now):
    activity = services.create_activity(
        actor=world.staff,
        region=world.wenchang,
        title="  江滨花园环境整治 ",
        rule_item_id=items.basic.pk,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=3),
        capacity=20,
        place="江滨花园",
        tags="身体健康",
        min_age=16,
        risk_notes="注意交通安全",
        needs_insurance=True,
    )
    assert activity.status == Status.DRAFT
    assert activity.title == "江滨花园环境整治"
    assert activity.organiser == world.staff
    assert len(activity.qr_secret) == 32
    [created] = _events("activity.create")
    assert created.actor == world.staff and created.target_id == activity.pk

    services.submit_activity(actor=world.staff, activity=activity)
    assert Activity.objects.get(pk=activity.pk).status == Status.SUBMITTED
    services.approve_activity(actor=world.reviewer, activity=activity.pk)
    activity.refresh_from_db()
    assert activity.status == Status.PUBLISHED
    assert activity.approved_by == world.reviewer
    assert [e.after["status"] for e in _events("activity.approve")] == ["published"]


def test_a_reviewer_may_approve_a_draft_directly(make_activity, world):
    activity = make_activity(status="draft")
    services.approve_activity(actor=world.reviewer, activity=activity)
    assert Activity.objects.get(pk=activity.pk).status == Status.PUBLISHED


@pytest.mark.parametrize(
    ("status", "move"),
    [
        ("submitted", "submit"),
        ("published", "submit"),
        ("published", "approve"),
        ("draft", "close"),
        ("submitted", "close"),
    ],
)
def test_a_move_from_the_wrong_status_is_refused(make_activity, world, status, move):
    activity = make_activity(status=status)
    actor = world.reviewer if move == "approve" else world.staff
    with pytest.raises(Conflict) as refused:
        getattr(services, f"{move}_activity")(actor=actor, activity=activity)
    assert refused.value.code == "wrong_status"
    assert Activity.objects.get(pk=activity.pk).status == status


def test_approving_an_activity_that_is_over_is_refused(make_activity, world, now):
    activity = make_activity(status="submitted")
    set_window(activity, now - timedelta(hours=3), now - timedelta(hours=1))
    with pytest.raises(Conflict):
        services.approve_activity(actor=world.reviewer, activity=activity)


def test_closing_before_the_start_is_refused(make_activity, world, now):
    activity = make_activity(starts_at=now + timedelta(hours=1))
    with pytest.raises(Conflict) as refused:
        services.close_activity(actor=world.staff, activity=activity)
    assert refused.value.code == "not_started"


def test_an_unknown_activity_is_not_found(world):
    with pytest.raises(NotFound):
        services.submit_activity(actor=world.staff, activity=999_999)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "题" * 101}, "title"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10_001}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"min_age": 0}, "min_age"),
        ({"min_age": 120}, "min_age"),
        ({"rule_item_id": 999_999}, "rule_item"),
        ({"rule_item_id": "abc"}, "rule_item"),
        ({"description": "述" * 2001}, "description"),
        ({"ends_at": "starts"}, "ends_at"),
        ({"past": True}, "ends_at"),
        ({"long": True}, "ends_at"),
        ({"naive": True}, "starts_at"),
    ],
)
def test_bad_filing_input_is_refused_and_nothing_is_written(world, items, now, change, field):
    starts = now + timedelta(days=1)
    kwargs = {
        "actor": world.staff,
        "region": world.wenchang,
        "title": "清扫",
        "rule_item_id": items.basic.pk,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "capacity": 5,
    }
    if change.pop("past", False):
        kwargs["starts_at"], kwargs["ends_at"] = now - timedelta(hours=3), now - timedelta(hours=1)
    if change.pop("long", False):
        kwargs["ends_at"] = starts + timedelta(days=7, seconds=1)
    if change.pop("naive", False):
        kwargs["starts_at"] = timezone.make_naive(starts)
    if change.get("ends_at") == "starts":
        change["ends_at"] = starts
    kwargs.update(change)
    with pytest.raises(InvalidInput) as refused:
        services.create_activity(**kwargs)
    assert refused.value.field == field
    assert not Activity.objects.exists()
    assert not _events("activity.create")


def test_an_activity_belongs_to_a_community_or_a_town(world, items, now):
    for region in (world.compound, world.county):
        actor = world.county_admin
        with pytest.raises(InvalidInput):
            services.create_activity(
                actor=actor,
                region=region,
                title="清扫",
                rule_item_id=items.basic.pk,
                starts_at=now + timedelta(days=1),
                ends_at=now + timedelta(days=1, hours=1),
                capacity=5,
            )
    assert not Activity.objects.exists()


# --- Who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_staff", "resident", "reviewer", "merchant", "kiosk"])
def test_only_staff_of_the_region_file_activities(world, items, now, who):
    with pytest.raises(PermissionDenied):
        services.create_activity(
            actor=getattr(world, who),
            region=world.wenchang,
            title="清扫",
            rule_item_id=items.basic.pk,
            starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=1, hours=1),
            capacity=5,
        )
    assert not Activity.objects.exists()


def test_staff_of_the_town_file_town_wide_activities(make_activity, world):
    activity = make_activity(region=world.town, actor=world.town_admin, status="draft")
    assert activity.region == world.town
    with pytest.raises(PermissionDenied):
        make_activity(region=world.town, actor=world.staff, status="draft")


@pytest.mark.parametrize("who", ["other_staff", "resident", "reviewer"])
def test_only_staff_of_the_region_submit_cancel_and_close(make_activity, world, who):
    draft = make_activity(status="draft")
    published = make_activity()
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied):
        services.submit_activity(actor=actor, activity=draft)
    with pytest.raises(PermissionDenied):
        services.cancel_activity(actor=actor, activity=published, reason="下雨")
    with pytest.raises(PermissionDenied):
        services.close_activity(actor=actor, activity=published)
    assert Activity.objects.get(pk=draft.pk).status == Status.DRAFT
    assert Activity.objects.get(pk=published.pk).status == Status.PUBLISHED


@pytest.mark.parametrize("who", ["staff", "other_staff", "resident"])
def test_only_a_reviewer_approves_the_filing(make_activity, world, who):
    activity = make_activity(status="submitted")
    with pytest.raises(PermissionDenied):
        services.approve_activity(actor=getattr(world, who), activity=activity)
    assert Activity.objects.get(pk=activity.pk).status == Status.SUBMITTED


def test_a_reviewer_of_another_community_cannot_approve(make_activity, world):
    other = make_person(world.wanmei, "何审核")
    RoleGrant.objects.create(person=other, role=Role.REVIEWER, region=world.wanmei)
    activity = make_activity(status="submitted")
    with pytest.raises(PermissionDenied):
        services.approve_activity(actor=other, activity=activity)


# --- Cancellation -------------------------------------------------------------------------


def test_cancelling_tells_everyone_signed_up(
    make_activity, world, volunteers, outbox, django_capture_on_commit_callbacks, now
):
    activity = make_activity(capacity=1, starts_at=now + timedelta(days=1))
    first, second, gone = volunteers(3)
    services.sign_up(actor=first, activity=activity)
    services.sign_up(actor=second, activity=activity)  # waitlisted
    with pytest.raises(Conflict):
        services.sign_up(actor=gone, activity=activity)  # full
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_activity(actor=world.staff, activity=activity, reason="  台风预警 ")
    activity.refresh_from_db()
    assert activity.status == Status.CANCELLED
    assert activity.cancel_reason == "台风预警"
    assert {m.person for m in outbox} == {first, second}
    assert all("台风预警" in m.body and activity.title in m.subject for m in outbox)
    [event] = _events("activity.cancel")
    assert event.after == {"status": "cancelled", "reason": "台风预警"}


def test_a_withdrawn_volunteer_is_not_told_of_the_cancellation(
    make_activity, world, outbox, django_capture_on_commit_callbacks, now
):
    activity = make_activity(starts_at=now + timedelta(days=1))
    services.sign_up(actor=world.resident, activity=activity)
    services.withdraw(actor=world.resident, activity=activity)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_activity(actor=world.staff, activity=activity, reason="下雨")
    assert outbox == []


def test_cancelling_needs_a_reason_and_nobody_checked_in(make_activity, world):
    activity = make_activity()
    with pytest.raises(InvalidInput):
        services.cancel_activity(actor=world.staff, activity=activity, reason="  ")
    services.check_in(actor=world.resident, activity=activity, token=qr(activity))
    with pytest.raises(Conflict) as refused:
        services.cancel_activity(actor=world.staff, activity=activity, reason="下雨")
    assert refused.value.code == "wrong_status"
    assert Activity.objects.get(pk=activity.pk).status == Status.PUBLISHED


def test_a_cancelled_activity_cannot_be_cancelled_again(make_activity, world):
    activity = make_activity(status="draft")
    services.cancel_activity(actor=world.staff, activity=activity, reason="重复")
    with pytest.raises(Conflict):
        services.cancel_activity(actor=world.staff, activity=activity, reason="重复")
    assert len(_events("activity.cancel")) == 1


# --- Recruitment --------------------------------------------------------------------------


def test_signups_are_confirmed_then_waitlisted_then_refused(make_activity, volunteers):
    activity = make_activity(capacity=2)
    people = volunteers(5)
    statuses = [services.sign_up(actor=p, activity=activity).status for p in people[:4]]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    with pytest.raises(Conflict) as refused:
        services.sign_up(actor=people[4], activity=activity)
    assert refused.value.code == "activity_full"
    assert not Signup.objects.filter(person=people[4]).exists()
    assert len(_events("activity.signup")) == 4


def test_signing_up_twice_returns_the_first_signup(make_activity, world):
    activity = make_activity()
    first = services.sign_up(actor=world.resident, activity=activity)
    again = services.sign_up(actor=world.resident, activity=activity)
    assert again.pk == first.pk
    assert Signup.objects.count() == 1


def test_staff_sign_up_a_resident_on_their_behalf(make_activity, world):
    activity = make_activity()
    signup = services.sign_up(actor=world.staff, activity=activity, person=world.resident)
    assert signup.person == world.resident
    assert signup.signed_up_by == world.staff
    [event] = _events("activity.signup")
    assert event.actor == world.staff and event.on_behalf_of == world.resident


@pytest.mark.parametrize("who", ["resident", "reviewer", "other_staff"])
def test_only_staff_of_the_activity_sign_up_someone_else(make_activity, world, who):
    activity = make_activity()
    with pytest.raises(PermissionDenied):
        services.sign_up(actor=getattr(world, who), activity=activity, person=world.staff)
    assert not Signup.objects.exists()


def test_residents_of_another_community_cannot_join(make_activity, world):
    activity = make_activity()
    for person in (world.neighbour, world.stranger):
        with pytest.raises(PermissionDenied):
            services.sign_up(actor=person, activity=activity)
    with pytest.raises(PermissionDenied):
        services.sign_up(actor=world.staff, activity=activity, person=world.neighbour)
    assert not Signup.objects.exists()


def test_a_town_wide_activity_takes_every_community_of_the_town(make_activity, world):
    activity = make_activity(region=world.town, actor=world.town_admin)
    assert services.sign_up(actor=world.resident, activity=activity).status == "confirmed"
    assert services.sign_up(actor=world.neighbour, activity=activity).status == "confirmed"
    with pytest.raises(PermissionDenied):
        services.sign_up(actor=world.stranger, activity=activity)


@pytest.mark.parametrize("status", ["draft", "submitted", "cancelled", "closed"])
def test_signing_up_to_an_activity_that_is_not_open_is_refused(make_activity, world, status):
    activity = make_activity(
        status={"cancelled": "draft", "closed": "published"}.get(status, status)
    )
    if status == "cancelled":
        services.cancel_activity(actor=world.staff, activity=activity, reason="下雨")
    if status == "closed":
        services.close_activity(actor=world.staff, activity=activity)
    with pytest.raises(Conflict) as refused:
        services.sign_up(actor=world.resident, activity=activity)
    assert refused.value.code == "not_open"
    assert not Signup.objects.exists()


def test_signing_up_after_the_end_is_refused(make_activity, world, now):
    activity = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    with pytest.raises(Conflict) as refused:
        services.sign_up(actor=world.resident, activity=activity)
    assert refused.value.code == "not_open"


def test_an_activity_with_a_minimum_age_refuses_younger_volunteers(make_activity, world):
    activity = make_activity(min_age=18)
    today = timezone.localdate()
    young = make_person(world.wenchang, "小明", birth_date=date(today.year - 17, 1, 1))
    adult = make_person(world.wenchang, "大明", birth_date=date(today.year - 18, 1, 1))
    with pytest.raises(Conflict) as refused:
        services.sign_up(actor=young, activity=activity)
    assert refused.value.code == "too_young"
    assert services.sign_up(actor=adult, activity=activity).status == "confirmed"
    # No date of birth on file: not refused (staff check on the day).
    assert services.sign_up(actor=world.resident, activity=activity).status == "confirmed"
    assert not Signup.objects.filter(person=young).exists()


def test_withdrawing_moves_the_first_on_the_waiting_list_up_and_tells_them(
    make_activity, volunteers, outbox, django_capture_on_commit_callbacks, now
):
    activity = make_activity(capacity=1, starts_at=now + timedelta(days=1))
    first, second, third = volunteers(3)
    services.sign_up(actor=first, activity=activity)
    services.sign_up(actor=second, activity=activity)  # waitlisted
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = services.withdraw(actor=first, activity=activity)
    assert withdrawn.status == SignupStatus.WITHDRAWN and withdrawn.withdrawn_at is not None
    assert Signup.objects.get(person=second).status == SignupStatus.CONFIRMED
    assert [m.person for m in outbox] == [second]
    assert activity.title in outbox[0].body
    [promoted] = _events("activity.promote")
    assert promoted.after == {"volunteer": second.volunteer_no}
    # The place is taken again: the next one waits.
    assert services.sign_up(actor=third, activity=activity).status == "waitlisted"


def test_the_waiting_list_moves_up_in_order(make_activity, volunteers, now):
    activity = make_activity(capacity=2, starts_at=now + timedelta(days=1))
    a, b, c, d = volunteers(4)
    for person in (a, b, c, d):
        services.sign_up(actor=person, activity=activity)
    services.withdraw(actor=b, activity=activity)
    statuses = dict(Signup.objects.values_list("person_id", "status"))
    assert statuses == {a.pk: "confirmed", b.pk: "withdrawn", c.pk: "confirmed", d.pk: "waitlisted"}


def test_withdrawing_from_the_waiting_list_moves_nobody(
    make_activity, volunteers, outbox, django_capture_on_commit_callbacks, now
):
    activity = make_activity(capacity=1, starts_at=now + timedelta(days=1))
    a, b = volunteers(2)
    services.sign_up(actor=a, activity=activity)
    services.sign_up(actor=b, activity=activity)  # waitlisted
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(actor=b, activity=activity)
    assert outbox == []
    assert not _events("activity.promote")


def test_staff_withdraw_a_resident_and_a_resident_only_themselves(make_activity, world, now):
    activity = make_activity(starts_at=now + timedelta(days=1))
    services.sign_up(actor=world.resident, activity=activity)
    with pytest.raises(PermissionDenied):
        services.withdraw(actor=world.neighbour, activity=activity, person=world.resident)
    services.withdraw(actor=world.staff, activity=activity, person=world.resident)
    [event] = _events("activity.withdraw")
    assert event.on_behalf_of == world.resident


def test_withdrawing_after_the_start_is_refused(make_activity, world):
    activity = make_activity()  # started 10 minutes ago
    services.sign_up(actor=world.resident, activity=activity)
    with pytest.raises(Conflict) as refused:
        services.withdraw(actor=world.resident, activity=activity)
    assert refused.value.code == "started"
    assert Signup.objects.get().status == SignupStatus.CONFIRMED


def test_withdrawing_without_a_signup_is_not_found(make_activity, world, now):
    activity = make_activity(starts_at=now + timedelta(days=1))
    with pytest.raises(NotFound):
        services.withdraw(actor=world.resident, activity=activity)


def test_a_withdrawn_volunteer_may_sign_up_again(make_activity, world, now):
    activity = make_activity(starts_at=now + timedelta(days=1))
    services.sign_up(actor=world.resident, activity=activity)
    services.withdraw(actor=world.resident, activity=activity)
    again = services.sign_up(actor=world.resident, activity=activity)
    assert again.status == "confirmed"
    assert Signup.objects.count() == 2


# --- Check-in and check-out ---------------------------------------------------------------


def test_a_volunteer_checks_in_with_the_qr_code_and_a_second_check_in_is_the_same(
    make_activity, world
):
    activity = make_activity()
    services.sign_up(actor=world.resident, activity=activity)
    first = services.check_in(
        actor=world.resident, activity=activity, token=qr(activity), device="phone-1"
    )
    again = services.check_in(actor=world.resident, activity=activity, token=qr(activity))
    assert again.pk == first.pk
    assert Attendance.objects.count() == 1
    assert first.method == Method.QR and first.recorded_by is None and first.device == "phone-1"


def test_the_token_of_the_previous_period_is_still_accepted(make_activity, world):
    activity = make_activity()
    token = qr(activity, at=time.time() - 30)
    assert services.check_in(actor=world.resident, activity=activity, token=token)


def test_a_stale_token_is_refused_as_expired(make_activity, world):
    activity = make_activity()
    with pytest.raises(Conflict) as refused:
        services.check_in(
            actor=world.resident, activity=activity, token=qr(activity, at=time.time() - 120)
        )
    assert refused.value.code == "token_expired"
    assert not Attendance.objects.exists()
    assert not Signup.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "123.abc", "99999999.0123456789abcdef0123", "-1.0123456789abcdef0123"],
)
def test_a_forged_token_is_refused_as_invalid(make_activity, world, token):
    activity = make_activity()
    with pytest.raises(InvalidInput) as refused:
        services.check_in(actor=world.resident, activity=activity, token=token)
    assert refused.value.code == "invalid_token"
    assert not Attendance.objects.exists()


def test_the_token_of_another_activity_is_refused(make_activity, world):
    activity, other = make_activity(), make_activity()
    with pytest.raises(InvalidInput) as refused:
        services.check_in(actor=world.resident, activity=activity, token=qr(other))
    assert refused.value.code == "invalid_token"
    # A token carries its own period: moving the dot or tampering with the MAC fails too.
    period, mac = qr(activity).split(".")
    with pytest.raises(InvalidInput):
        services.check_in(actor=world.resident, activity=activity, token=f"{int(period) + 1}.{mac}")
    assert not Attendance.objects.exists()


def test_check_in_is_accepted_from_30_minutes_before_the_start(make_activity, world, now):
    early = make_activity(starts_at=in_minutes(now, 25))
    assert services.check_in(actor=world.resident, activity=early, token=qr(early))
    too_early = make_activity(starts_at=in_minutes(now, 35))
    with pytest.raises(Conflict) as refused:
        services.check_in(actor=world.neighbour, activity=too_early, token=qr(too_early))
    assert refused.value.code == "outside_window"


def test_check_in_after_the_end_is_refused(make_activity, world, now):
    activity = make_activity(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(minutes=1))
    with pytest.raises(Conflict) as refused:
        services.check_in(actor=world.resident, activity=activity, token=qr(activity))
    assert refused.value.code == "outside_window"
    assert not Attendance.objects.exists()


def test_check_in_to_an_activity_that_is_not_open_is_refused(make_activity, world):
    activity = make_activity(status="submitted")
    with pytest.raises(Conflict) as refused:
        services.check_in(actor=world.resident, activity=activity, token=qr(activity))
    assert refused.value.code == "not_open"


def test_a_walk_in_takes_a_free_place_and_is_refused_when_full(make_activity, world, volunteers):
    activity = make_activity(capacity=1)
    walk_in, late = volunteers(2)
    services.check_in(actor=walk_in, activity=activity, token=qr(activity))
    assert Signup.objects.get(person=walk_in).status == SignupStatus.CONFIRMED
    with pytest.raises(Conflict) as refused:
        services.check_in(actor=late, activity=activity, token=qr(activity))
    assert refused.value.code == "activity_full"
    assert not Attendance.objects.filter(person=late).exists()


def test_a_waitlisted_volunteer_is_refused_while_the_activity_is_full(
    make_activity, world, volunteers
):
    activity = make_activity(capacity=1)
    confirmed, waiting = volunteers(2)
    services.sign_up(actor=confirmed, activity=activity)
    services.sign_up(actor=waiting, activity=activity)
    with pytest.raises(Conflict) as refused:
        services.check_in(actor=waiting, activity=activity, token=qr(activity))
    assert refused.value.code == "activity_full"
    assert services.check_in(actor=confirmed, activity=activity, token=qr(activity))


def test_a_resident_of_another_community_cannot_walk_in(make_activity, world):
    activity = make_activity()
    with pytest.raises(PermissionDenied):
        services.check_in(actor=world.neighbour, activity=activity, token=qr(activity))
    assert not Attendance.objects.exists()


def test_one_open_attendance_at_a_time_across_activities(make_activity, world):
    first, second = make_activity(), make_activity(title="社区义诊")
    services.check_in(actor=world.resident, activity=first, token=qr(first))
    with pytest.raises(Conflict) as refused:
        services.check_in(actor=world.resident, activity=second, token=qr(second))
    assert refused.value.code == "overlapping_attendance"
    assert Attendance.objects.filter(person=world.resident).count() == 1
    assert not Signup.objects.filter(activity=second).exists()


def test_after_checking_out_one_may_check_in_elsewhere(make_activity, world):
    first, second = make_activity(), make_activity(title="社区义诊")
    attendance = services.check_in(actor=world.resident, activity=first, token=qr(first))
    set_times(attendance, attendance.checkin_at - timedelta(minutes=5), None)
    services.check_out(actor=world.resident, activity=first, token=qr(first))
    assert services.check_in(actor=world.resident, activity=second, token=qr(second))


def test_a_forgotten_check_out_at_an_ended_activity_does_not_block_the_next(
    make_activity, world, now
):
    morning = make_activity(title="早市清扫")
    forgotten = services.check_in(actor=world.resident, activity=morning, token=qr(morning))
    set_window(morning, now - timedelta(hours=4), now - timedelta(hours=2))
    set_times(forgotten, now - timedelta(hours=4), None)
    afternoon = make_activity(title="社区义诊")
    assert services.check_in(actor=world.resident, activity=afternoon, token=qr(afternoon))
    forgotten.refresh_from_db()
    assert forgotten.checkout_at == morning.ends_at
    assert forgotten.auto_checkout is True


def test_check_out_before_check_in_is_refused(make_activity, world):
    activity = make_activity()
    with pytest.raises(Conflict) as refused:
        services.check_out(actor=world.resident, activity=activity, token=qr(activity))
    assert refused.value.code == "not_checked_in"
    assert not Attendance.objects.exists()


def test_a_second_check_out_returns_the_first(make_activity, world):
    activity = make_activity()
    attendance = services.check_in(actor=world.resident, activity=activity, token=qr(activity))
    set_times(attendance, attendance.checkin_at - timedelta(minutes=40), None)
    first = services.check_out(actor=world.resident, activity=activity, token=qr(activity))
    again = services.check_out(actor=world.resident, activity=activity, token=qr(activity))
    assert again.checkout_at == first.checkout_at
    assert first.checkout_method == Method.QR
    assert first.auto_checkout is False


def test_check_out_more_than_an_hour_after_the_end_is_refused(make_activity, world, now):
    activity = make_activity()
    attendance = services.check_in(actor=world.resident, activity=activity, token=qr(activity))
    set_window(activity, now - timedelta(hours=3), now - timedelta(minutes=61))
    set_times(attendance, now - timedelta(hours=3), None)
    with pytest.raises(Conflict) as refused:
        services.check_out(actor=world.resident, activity=activity, token=qr(activity))
    assert refused.value.code == "outside_window"
    assert Attendance.objects.get().checkout_at is None


def test_check_out_with_a_stale_token_is_refused(make_activity, world):
    activity = make_activity()
    services.check_in(actor=world.resident, activity=activity, token=qr(activity))
    with pytest.raises(Conflict) as refused:
        services.check_out(
            actor=world.resident, activity=activity, token=qr(activity, at=time.time() - 300)
        )
    assert refused.value.code == "token_expired"
    assert Attendance.objects.get().checkout_at is None


def test_staff_check_a_volunteer_in_by_name_or_card_and_it_is_audited(make_activity, world):
    activity = make_activity()
    by_name = services.check_in(
        actor=world.staff, activity=activity, person=world.resident, device="desk"
    )
    assert by_name.method == Method.STAFF and by_name.recorded_by == world.staff
    other = make_person(world.wenchang, "赵卡片")
    by_card = services.check_in(actor=world.staff, activity=activity, person=other, card=True)
    assert by_card.method == Method.CARD
    set_times(by_card, by_card.checkin_at - timedelta(minutes=5), None)
    events = _events("activity.checkin")
    assert [e.on_behalf_of for e in events] == [world.resident, other]
    assert all(e.actor == world.staff for e in events)
    out = services.check_out(actor=world.staff, activity=activity, person=other, card=True)
    assert out.checkout_method == Method.CARD


@pytest.mark.parametrize("who", ["resident", "reviewer", "other_staff"])
def test_only_staff_of_the_activity_check_someone_else_in(make_activity, world, who):
    activity = make_activity()
    target = world.neighbour if who == "resident" else world.resident
    with pytest.raises(PermissionDenied):
        services.check_in(actor=getattr(world, who), activity=activity, person=target)
    with pytest.raises(PermissionDenied):
        services.check_out(actor=getattr(world, who), activity=activity, person=target)
    assert not Attendance.objects.exists()


# --- Paper sheets -------------------------------------------------------------------------


def test_a_paper_sheet_is_recorded_as_such_and_audited(make_activity, world, now):
    activity = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    attendance = services.record_attendance(
        actor=world.staff,
        activity=activity,
        person=world.resident,
        checkin_at=now - timedelta(hours=3, minutes=20),
        checkout_at=now - timedelta(minutes=30),
        note="纸质签到表第2页",
    )
    assert attendance.method == attendance.checkout_method == Method.PAPER
    assert attendance.recorded_by == world.staff
    [event] = _events("activity.attendance.paper")
    assert event.actor == world.staff and event.on_behalf_of == world.resident
    assert event.after["note"] == "纸质签到表第2页"
    assert event.after["volunteer"] == world.resident.volunteer_no


@pytest.mark.parametrize(
    ("checkin", "checkout", "error", "code"),
    [
        (-290, -200, InvalidInput, "invalid_input"),  # naive (below)
        (-250, -250, InvalidInput, "invalid_input"),  # out at the moment of in
        (-200, -250, InvalidInput, "invalid_input"),  # out before in
        (-200, 5, InvalidInput, "invalid_input"),  # out in the future
        (-331, -200, Conflict, "outside_window"),  # in 31 minutes before the start
        (-250, -119, Conflict, "outside_window"),  # out 61 minutes after the end
    ],
)
def test_a_paper_sheet_with_bad_times_is_refused(
    make_activity, world, now, checkin, checkout, error, code
):
    # The activity ran from 5 hours ago to 3 hours ago (-300 to -180 minutes).
    activity = make_activity(starts_at=now - timedelta(hours=5), ends_at=now - timedelta(hours=3))
    checkin_at, checkout_at = in_minutes(now, checkin), in_minutes(now, checkout)
    if checkin == -290:
        checkin_at = timezone.make_naive(checkin_at)
    with pytest.raises(error) as refused:
        services.record_attendance(
            actor=world.staff,
            activity=activity,
            person=world.resident,
            checkin_at=checkin_at,
            checkout_at=checkout_at,
        )
    assert refused.value.code == code
    assert not Attendance.objects.exists()
    assert not _events("activity.attendance.paper")


def test_a_paper_sheet_at_the_limits_of_the_grace_is_accepted(make_activity, world, now):
    activity = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    services.record_attendance(
        actor=world.staff,
        activity=activity,
        person=world.resident,
        checkin_at=activity.starts_at - timedelta(minutes=30),
        checkout_at=activity.ends_at,
    )


def test_a_paper_sheet_cannot_record_the_same_person_twice(make_activity, world, now):
    activity = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    times = {"checkin_at": activity.starts_at, "checkout_at": activity.ends_at}
    services.record_attendance(actor=world.staff, activity=activity, person=world.resident, **times)
    with pytest.raises(Conflict) as refused:
        services.record_attendance(
            actor=world.staff, activity=activity, person=world.resident, **times
        )
    assert refused.value.code == "already_recorded"
    assert Attendance.objects.count() == 1


def test_a_paper_sheet_overlapping_another_attendance_is_refused(make_activity, world, now):
    window = {"starts_at": now - timedelta(hours=3), "ends_at": now - timedelta(hours=1)}
    first, second = make_activity(**window), make_activity(title="社区义诊", **window)
    services.record_attendance(
        actor=world.staff,
        activity=first,
        person=world.resident,
        checkin_at=now - timedelta(hours=3),
        checkout_at=now - timedelta(hours=2),
    )
    with pytest.raises(Conflict) as refused:
        services.record_attendance(
            actor=world.staff,
            activity=second,
            person=world.resident,
            checkin_at=now - timedelta(hours=2, minutes=30),
            checkout_at=now - timedelta(hours=1),
        )
    assert refused.value.code == "overlapping_attendance"
    # Back to back is no overlap.
    services.record_attendance(
        actor=world.staff,
        activity=second,
        person=world.resident,
        checkin_at=now - timedelta(hours=2),
        checkout_at=now - timedelta(hours=1),
    )


def test_a_paper_sheet_overlapping_an_open_attendance_is_refused(make_activity, world, now):
    running = make_activity(starts_at=now - timedelta(hours=1))
    attendance = services.check_in(actor=world.resident, activity=running, token=qr(running))
    set_times(attendance, now - timedelta(minutes=50), None)
    past = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(minutes=10))
    with pytest.raises(Conflict) as refused:
        services.record_attendance(
            actor=world.staff,
            activity=past,
            person=world.resident,
            checkin_at=now - timedelta(hours=1),
            checkout_at=now - timedelta(minutes=10),
        )
    assert refused.value.code == "overlapping_attendance"


@pytest.mark.parametrize("who", ["resident", "reviewer", "other_staff"])
def test_only_staff_of_the_activity_record_paper_sheets(make_activity, world, now, who):
    activity = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        services.record_attendance(
            actor=getattr(world, who),
            activity=activity,
            person=world.resident,
            checkin_at=activity.starts_at,
            checkout_at=activity.ends_at,
        )
    assert not Attendance.objects.exists()


# --- Closing into claims ------------------------------------------------------------------


def _attend(activity, person, checkin_minutes, checkout_minutes):
    """An attendance ``checkin_minutes``..``checkout_minutes`` after the activity's start
    (None: still open), written straight to the table."""
    start = activity.starts_at
    return Attendance.objects.create(
        activity=activity,
        person=person,
        checkin_at=start + timedelta(minutes=checkin_minutes),
        checkout_at=(
            None if checkout_minutes is None else start + timedelta(minutes=checkout_minutes)
        ),
        method=Method.QR,
    )


@pytest.fixture
def ended(make_activity, now):
    """An activity that ran from 3 hours ago to 1 hour ago."""
    return make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))


def test_closing_turns_each_attendance_into_a_pending_claim_verified_on_site(
    ended, world, volunteers
):
    a, b, c, d = volunteers(4)
    _attend(ended, a, -20, 125)  # clipped to 2 h
    _attend(ended, b, 0, 89)  # 1 h 29 min: 1 h
    _attend(ended, c, 30, 59)  # 29 min: nothing
    _attend(ended, d, 60, None)  # forgot to check out: 1 h, to the end
    services.close_activity(actor=world.staff, activity=ended)
    ended.refresh_from_db()
    assert ended.status == Status.CLOSED and ended.closed_at is not None
    claims = {claim.person: claim for claim in Claim.objects.select_related("person")}
    assert {p: c.quantity for p, c in claims.items()} == {
        a: Decimal("2"),
        b: Decimal("1"),
        d: Decimal("1"),
    }
    assert {c.points for c in claims.values()} == {20, 10}
    for person, claim in claims.items():
        assert claim.status == ClaimStatus.PENDING
        assert claim.provenance == Provenance.ON_SITE
        assert claim.source == Source.ACTIVITY
        assert claim.source_id == Attendance.objects.get(person=person).pk
        assert claim.created_by == world.staff
        assert claim.community == world.wenchang
        assert claim.occurred_on == timezone.localtime(ended.starts_at).date()
    auto = Attendance.objects.get(person=d)
    assert auto.auto_checkout is True and auto.checkout_at == ended.ends_at
    [event] = _events("activity.close")
    assert event.after == {"status": "closed", "claims": 3, "auto_checkout": 1}
    queue = claim_selectors.review_queue(world.reviewer)
    assert set(queue.values_list("person", flat=True)) == {a.pk, b.pk, d.pk}


def test_closing_while_running_checks_the_present_out_now(make_activity, world):
    activity = make_activity(starts_at=timezone.now() - timedelta(hours=1, minutes=5))
    attendance = _attend(activity, world.resident, 0, None)
    services.close_activity(actor=world.staff, activity=activity)
    attendance.refresh_from_db()
    assert attendance.auto_checkout
    assert activity.starts_at + timedelta(hours=1) < attendance.checkout_at < activity.ends_at
    assert Claim.objects.get().quantity == Decimal("1")


def test_a_time_item_claims_one_time(make_activity, world, items, now):
    activity = make_activity(
        item=items.visit, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1)
    )
    _attend(activity, world.resident, 0, 100)
    services.close_activity(actor=world.staff, activity=activity)
    claim = Claim.objects.get()
    assert claim.quantity == 1 and claim.points == 5


def test_an_attendance_worth_no_point_makes_no_claim_and_does_not_stop_the_closing(
    make_activity, world, items, now, volunteers
):
    activity = make_activity(
        item=items.one_point, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1)
    )
    half, two = volunteers(2)
    _attend(activity, half, 0, 45)  # 0.5 h × 1 point: 0 points
    _attend(activity, two, 0, 120)
    services.close_activity(actor=world.staff, activity=activity)
    assert Activity.objects.get(pk=activity.pk).status == Status.CLOSED
    claim = Claim.objects.get()
    assert claim.person == two and claim.points == 2


def test_a_multi_day_attendance_makes_one_claim_per_day(make_activity, world, now):
    activity = make_activity(starts_at=now - timedelta(days=2), ends_at=now - timedelta(hours=1))
    attendance = _attend(activity, world.resident, 0, None)
    services.close_activity(actor=world.staff, activity=activity)
    claims = list(Claim.objects.order_by("occurred_on"))
    assert [c.occurred_on for c in claims] == [
        d
        for d, _h in hours.daily(
            attendance.checkin_at,
            activity.ends_at,
            activity.starts_at,
            activity.ends_at,
            timezone.get_current_timezone(),
        )
    ]
    assert 2 <= len(claims) <= 3
    assert all(c.quantity <= claim_services.MAX_HOURS for c in claims)
    assert sum(c.quantity for c in claims) == Decimal(47)  # 47 h served, to the half hour
    assert {c.source_id for c in claims} == {attendance.pk}
    # Closing again (settle, tick) makes nothing more.
    assert services.make_claims(activity, world.staff) == len(claims)
    assert Claim.objects.count() == len(claims)


def test_the_minimum_share_policy_keeps_short_attendances_from_earning(ended, world, volunteers):
    update_policy(actor=world.staff, community=world.wenchang, attendance_min_share=50)
    short, half = volunteers(2)
    _attend(ended, short, 0, 59)  # 59 of 120 minutes: under 50 %
    _attend(ended, half, 0, 60)  # exactly 50 %
    services.close_activity(actor=world.staff, activity=ended)
    assert list(Claim.objects.values_list("person", flat=True)) == [half.pk]


def test_without_the_policy_a_short_attendance_earns_its_half_hours(ended, world):
    _attend(ended, world.resident, 0, 35)
    services.close_activity(actor=world.staff, activity=ended)
    assert Claim.objects.get().quantity == Decimal("0.5")


def test_a_second_close_is_refused_and_making_claims_again_makes_none(ended, world):
    _attend(ended, world.resident, 0, 120)
    services.close_activity(actor=world.staff, activity=ended)
    with pytest.raises(Conflict) as refused:
        services.close_activity(actor=world.staff, activity=ended)
    assert refused.value.code == "wrong_status"
    services.make_claims(ended, world.staff)
    assert Claim.objects.count() == 1
    assert len(_events("activity.close")) == 1


def test_a_closed_activity_takes_no_more_check_ins_or_paper(ended, world, now):
    services.close_activity(actor=world.staff, activity=ended)
    with pytest.raises(Conflict) as refused:
        services.record_attendance(
            actor=world.staff,
            activity=ended,
            person=world.resident,
            checkin_at=ended.starts_at,
            checkout_at=ended.ends_at,
        )
    assert refused.value.code == "not_open"


def test_finish_overdue_checks_out_at_the_end_once_the_grace_is_over(make_activity, world, now):
    overdue = make_activity(starts_at=now - timedelta(hours=4), ends_at=now - timedelta(minutes=61))
    grace = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(minutes=59))
    forgot = _attend(overdue, world.resident, 0, None)
    still = _attend(grace, world.neighbour, 0, None)
    assert services.finish_overdue() == 1
    forgot.refresh_from_db()
    still.refresh_from_db()
    assert forgot.checkout_at == overdue.ends_at and forgot.auto_checkout
    assert still.checkout_at is None
    assert services.finish_overdue() == 0
    assert services.finish_overdue(now=now + timedelta(minutes=5)) == 1


def test_settle_closed_waits_until_every_claim_is_decided(ended, world, volunteers):
    a, b = volunteers(2)
    _attend(ended, a, 0, 120)
    _attend(ended, b, 0, 60)
    services.close_activity(actor=world.staff, activity=ended)
    assert services.settle_closed() == 0
    first, second = Claim.objects.order_by("id")
    claim_services.reject_claim(claim=first, reviewer=world.reviewer, reason="无人见证")
    assert services.settle_closed() == 0
    claim_services.reject_claim(claim=second, reviewer=world.reviewer, reason="无人见证")
    assert services.settle_closed() == 1
    assert Activity.objects.get(pk=ended.pk).status == Status.SETTLED
    assert services.settle_closed() == 0


def test_a_closed_activity_without_claims_settles_at_once(ended, world):
    services.close_activity(actor=world.staff, activity=ended)
    assert services.settle_closed() == 1


def test_the_qr_code_is_for_staff_of_an_open_activity(make_activity, world):
    activity = make_activity()
    token, seconds = services.qr_token(actor=world.staff, activity=activity)
    assert services.check_in(actor=world.resident, activity=activity, token=token)
    assert 0 < seconds <= 30
    with pytest.raises(PermissionDenied):
        services.qr_token(actor=world.resident, activity=activity)
    with pytest.raises(Conflict):
        services.qr_token(actor=world.staff, activity=make_activity(status="draft"))


def test_withdrawing_from_a_cancelled_activity_promotes_nobody(
    make_activity, world, volunteers, now
):
    activity = make_activity(capacity=1, starts_at=now + timedelta(days=1))
    first, second = volunteers(2)
    services.sign_up(actor=first, activity=activity)
    services.sign_up(actor=second, activity=activity)  # waitlisted
    services.cancel_activity(actor=world.staff, activity=activity, reason="台风")
    with pytest.raises(Conflict) as refused:
        services.withdraw(actor=first, activity=activity)
    assert refused.value.code == "not_open"
    assert Signup.objects.get(activity=activity, person=second).status == "waitlisted"
