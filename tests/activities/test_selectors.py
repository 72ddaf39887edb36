"""Reads of activities: who sees what, the counts, and the reviewer's flags."""

from datetime import timedelta

import pytest

from jifen.activities import selectors, services
from jifen.activities.models import Attendance, Method
from jifen.lib.errors import NotFound
from jifen.people.models import Role, RoleGrant
from tests.activities.conftest import qr
from tests.conftest import make_person


def _ids(activities):
    return {a.pk for a in activities}


# --- Visibility ---------------------------------------------------------------------------


def test_a_resident_sees_the_published_activities_of_their_community_and_above(
    make_activity, world
):
    own = make_activity()
    town_wide = make_activity(region=world.town, actor=world.town_admin)
    draft = make_activity(status="draft")
    submitted = make_activity(status="submitted")
    next_door = make_activity(region=world.jinyue, actor=world.town_admin)
    assert _ids(selectors.list_activities(world.resident)) == {own.pk, town_wide.pk}
    assert _ids(selectors.list_activities(world.neighbour)) == {town_wide.pk, next_door.pk}
    assert _ids(selectors.list_activities(world.stranger)) == set()
    for hidden in (draft, submitted, next_door):
        with pytest.raises(NotFound):
            selectors.get_activity_for(world.resident, hidden.pk)
    assert selectors.get_activity_for(world.resident, own.pk) == own


def test_a_cancelled_activity_stays_visible_once_published_but_leaves_the_list(
    make_activity, world
):
    activity = make_activity()
    services.cancel_activity(actor=world.staff, activity=activity, reason="下雨")
    assert _ids(selectors.list_activities(world.resident)) == set()
    assert _ids(selectors.list_activities(world.resident, "cancelled")) == {activity.pk}
    assert selectors.get_activity_for(world.resident, activity.pk).pk == activity.pk


def test_staff_and_reviewers_see_their_regions_drafts_and_filings(make_activity, world):
    draft = make_activity(status="draft")
    submitted = make_activity(status="submitted")
    assert _ids(selectors.list_activities(world.staff, "draft")) == {draft.pk}
    assert _ids(selectors.list_activities(world.reviewer, "submitted")) == {submitted.pk}
    assert _ids(selectors.list_activities(world.town_admin, "draft")) == {draft.pk}
    assert _ids(selectors.list_activities(world.other_staff, "draft")) == set()
    assert _ids(selectors.list_activities(world.resident, "draft")) == set()
    assert _ids(selectors.managed_activities(world.staff)) == {draft.pk, submitted.pk}
    assert _ids(selectors.managed_activities(world.reviewer)) == set()
    with pytest.raises(NotFound):
        selectors.get_activity_for(world.other_staff, draft.pk)


def test_what_a_person_joined_stays_theirs_to_see(make_activity, world):
    activity = make_activity()
    services.sign_up(actor=world.resident, activity=activity)
    services.cancel_activity(actor=world.staff, activity=activity, reason="下雨")
    assert _ids(selectors.my_activities(world.resident)) == {activity.pk}
    assert [s.activity_id for s in selectors.my_signups(world.resident)] == [activity.pk]
    assert _ids(selectors.my_activities(world.neighbour)) == set()


def test_the_counts_and_the_board(make_activity, world, volunteers):
    activity = make_activity(capacity=2)
    a, b, c = volunteers(3)
    for person in (a, b, c):
        services.sign_up(actor=person, activity=activity)
    attendance = services.check_in(actor=a, activity=activity, token=qr(activity))
    Attendance.objects.filter(pk=attendance.pk).update(
        checkin_at=attendance.checkin_at - timedelta(minutes=5)
    )
    services.check_out(actor=a, activity=activity, token=qr(activity))
    services.check_in(actor=b, activity=activity, token=qr(activity))
    counted = selectors.get_activity_for(world.staff, activity.pk)
    assert (counted.confirmed, counted.waitlisted, counted.checked_in, counted.checked_out) == (
        2,
        1,
        2,
        1,
    )
    assert selectors.board(activity) == selectors.Board(2, 1, 2, 1, present=1)


def test_the_phase_tells_upcoming_running_and_ended_apart(make_activity, now):
    assert selectors.phase(make_activity(starts_at=now + timedelta(hours=1))) == "upcoming"
    assert selectors.phase(make_activity()) == "in_progress"
    ended = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    assert selectors.phase(ended) == "ended"
    assert selectors.phase(make_activity(status="draft")) == "draft"


# --- Flags for reviewers ------------------------------------------------------------------


def _attend(activity, person, **kw):
    return Attendance.objects.create(
        activity=activity,
        person=person,
        checkin_at=kw.pop("checkin_at", activity.starts_at),
        checkout_at=kw.pop("checkout_at", activity.ends_at),
        method=kw.pop("method", Method.QR),
        **kw,
    )


def test_a_normal_activity_has_no_flags(make_activity, world, volunteers):
    activity = make_activity()
    for i, person in enumerate(volunteers(6)):
        _attend(activity, person, device=f"phone-{i}")
    _attend(activity, world.resident, method=Method.STAFF, recorded_by=world.staff)
    assert selectors.flags(activity) == []
    assert selectors.flags_by_attendance(activity) == {}


def test_one_device_checking_in_many_people_is_flagged(make_activity, volunteers):
    activity = make_activity()
    people = volunteers(6)
    for person in people[:5]:
        _attend(activity, person, device="shared-phone")
    own = _attend(activity, people[5], device="own-phone")
    [line] = selectors.flags(activity)
    assert "5" in line
    shared = Attendance.objects.filter(device="shared-phone").first()
    assert len(selectors.attendance_flags(shared)) == 1
    assert selectors.attendance_flags(own) == []
    assert len(selectors.flags_by_attendance(activity)) == 5


def test_four_people_on_one_device_or_an_organisers_scanner_are_not_flagged(
    make_activity, world, volunteers
):
    activity = make_activity()
    people = volunteers(9)
    for person in people[:4]:
        _attend(activity, person, device="family-phone")
    for person in people[4:]:  # cards scanned on the organiser's phone: normal
        _attend(activity, person, device="organiser", method=Method.CARD, recorded_by=world.staff)
    assert selectors.flags(activity) == []


def test_an_attendance_far_longer_than_the_activity_is_flagged(make_activity, world, now):
    activity = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=2))
    exact = _attend(
        activity,
        world.neighbour,
        checkin_at=activity.starts_at - timedelta(minutes=30),
        checkout_at=activity.ends_at,  # 1.5 times the hour: not more
    )
    long = _attend(
        activity,
        world.resident,
        checkin_at=activity.starts_at - timedelta(minutes=30),
        checkout_at=activity.ends_at + timedelta(minutes=1),
    )
    assert selectors.attendance_flags(exact) == []
    [line] = selectors.attendance_flags(long)
    assert "1.5" in line  # 91 minutes: 1.5 hours of a 1.0-hour activity
    [summary] = selectors.flags(activity)
    assert world.resident.name in summary and world.neighbour.name not in summary


def test_an_open_attendance_is_not_flagged_as_long(make_activity, world):
    activity = make_activity()
    open_ = _attend(activity, world.resident, checkout_at=None)
    assert selectors.attendance_flags(open_) == []


def test_a_volunteer_only_ever_checked_in_by_one_organiser_is_flagged(
    make_activity, world, volunteers
):
    activities = [make_activity(title=f"活动{i}") for i in range(3)]
    captive, free = volunteers(2)
    for activity in activities:
        _attend(activity, captive, method=Method.STAFF, recorded_by=world.staff)
    for activity in activities[:2]:
        _attend(activity, free, method=Method.STAFF, recorded_by=world.staff)
    _attend(activities[2], free, method=Method.QR)  # once on their own: not captive
    for activity in activities:
        [line] = selectors.flags(activity)
        assert captive.name in line and world.staff.name in line and "3" in line
    attendance = Attendance.objects.get(activity=activities[0], person=captive)
    assert len(selectors.attendance_flags(attendance)) == 1


def test_two_activities_or_two_organisers_are_not_enough_to_flag(make_activity, world, volunteers):
    activities = [make_activity(title=f"活动{i}") for i in range(3)]
    twice, shared = volunteers(2)
    second_staff = make_person(world.wenchang, "周社工")
    RoleGrant.objects.create(person=second_staff, role=Role.STAFF, region=world.wenchang)
    for activity in activities[:2]:
        _attend(activity, twice, method=Method.STAFF, recorded_by=world.staff)
    for activity, organiser in zip(
        activities, [world.staff, world.staff, second_staff], strict=True
    ):
        _attend(activity, shared, method=Method.CARD, recorded_by=organiser)
    assert all(selectors.flags(activity) == [] for activity in activities)
