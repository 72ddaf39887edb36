"""The service request workflow: each step, who may take it, and the points at the end."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.claims import services as claims
from jifen.claims.models import Claim, Source
from jifen.claims.models import Status as ClaimStatus
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.points import selectors as points
from jifen.requests import selectors, services
from jifen.requests.models import ALLOWED, STEPS, Event, Kind, ServiceRequest, Status
from tests.conftest import make_person


def steps_of(request: ServiceRequest) -> list[str]:
    return list(Event.objects.filter(request=request).values_list("step", flat=True))


def test_the_table_is_the_contract(db):
    assert ALLOWED[Status.SUBMITTED] == {
        Status.OPEN,
        Status.REJECTED,
        Status.ASSIGNED,
        Status.CANCELLED,
    }
    assert ALLOWED[Status.OPEN] == {Status.ASSIGNED, Status.CANCELLED}
    assert ALLOWED[Status.ASSIGNED] == {Status.ASSIGNED, Status.OPEN, Status.DONE, Status.CANCELLED}
    assert ALLOWED[Status.DONE] == {Status.COMPLETED, Status.ASSIGNED}
    for final in (Status.COMPLETED, Status.REJECTED, Status.CANCELLED):
        assert ALLOWED[final] == set()
    # cancelled only before done
    assert Status.DONE not in STEPS["cancel"].sources


def test_published_taken_done_confirmed_then_reviewed(world, menu, asked, helper):
    assert asked.status == Status.SUBMITTED and asked.points is None
    services.publish(actor=world.staff, request=asked, points=12)
    services.accept(actor=helper, request=asked)
    services.mark_done(actor=helper, request=asked, note="换了开关")
    request = services.confirm(actor=world.resident, request=asked, rating=5, comment="谢谢")
    assert request.status == Status.COMPLETED and request.rating == 5
    assert not request.auto_confirmed
    claim = request.claim
    assert claim.person == helper and claim.source == Source.REQUEST
    assert claim.points == 12 and claim.status == ClaimStatus.PENDING
    assert steps_of(request) == ["submit", "publish", "accept", "done", "confirm"]
    claims.approve_claim(claim=claim, reviewer=world.reviewer)
    assert points.balance_of(helper).balance == 12
    entry = points.entries(points.account_of(helper))[0]
    assert "为居民点单服务" in entry.memo and "电饭煲坏了" in entry.memo


def test_points_are_the_menus_unless_staff_fix_them_within_its_bound(world, menu, asked):
    with pytest.raises(InvalidInput) as refused:
        services.publish(actor=world.staff, request=asked, points=31)
    assert refused.value.field == "points"
    asked.refresh_from_db()
    assert asked.status == Status.SUBMITTED and asked.points is None
    services.publish(actor=world.staff, request=asked)
    asked.refresh_from_db()
    assert asked.points == menu.repair.points


def test_only_one_step_at_a_time(world, menu, asked, helper):
    with pytest.raises(Conflict) as wrong:
        services.mark_done(actor=helper, request=asked)
    assert wrong.value.code in {"invalid_transition"}
    with pytest.raises(Conflict) as wrong:
        services.confirm(actor=world.resident, request=asked, rating=5)
    assert wrong.value.code == "invalid_transition"
    assert "审核中" in wrong.value.render() or "being checked" in wrong.value.render()
    assert steps_of(asked) == ["submit"]


def test_nobody_takes_their_own_request_or_one_they_asked_for(world, menu, asked, daughter):
    services.publish(actor=world.staff, request=asked)
    for person in (world.resident, daughter):
        with pytest.raises(PermissionDenied) as refused:
            services.accept(actor=person, request=asked)
        assert refused.value.code == "own_request"


def test_only_the_community_and_the_menus_people_may_take_it(world, menu, helper):
    request = services.submit_request(
        actor=world.resident, community=world.wenchang, category="ESCORT", title="陪我去医院"
    )
    services.publish(actor=world.staff, request=request)
    with pytest.raises(PermissionDenied) as refused:
        services.accept(actor=world.stranger, request=request)
    assert refused.value.code == "not_eligible"
    with pytest.raises(PermissionDenied) as refused:
        services.accept(actor=helper, request=request)  # not a party member
    assert refused.value.code == "not_eligible"
    helper.is_party_member = True
    helper.save()
    assert services.accept(actor=helper, request=request).assignee == helper
    assert list(selectors.open_for(world.stranger)) == []


def test_a_second_taker_hears_already_taken(world, menu, asked, helper):
    services.publish(actor=world.staff, request=asked)
    services.accept(actor=helper, request=asked)
    again = services.accept(actor=helper, request=asked)  # the same tap twice
    assert again.assignee == helper
    other = make_person(world.wenchang, "吴热心")
    with pytest.raises(Conflict) as refused:
        services.accept(actor=other, request=asked)
    assert refused.value.code == "already_taken"


def test_confirmation_is_the_requesters_or_their_proxys(world, menu, asked, helper, daughter):
    services.dispatch(actor=world.staff, request=asked, person=helper)
    services.mark_done(actor=helper, request=asked)
    for outsider in (helper, world.staff, world.neighbour):
        with pytest.raises(PermissionDenied):
            services.confirm(actor=outsider, request=asked, rating=5)
    for rating in (0, 6, "5", True, None):
        with pytest.raises(InvalidInput):
            services.confirm(actor=daughter, request=asked, rating=rating)
    services.confirm(actor=daughter, request=asked, rating=4)
    event = Event.objects.get(request=asked, step="confirm")
    assert event.actor == daughter and event.on_behalf_of == world.resident


def test_dispute_sends_it_back_and_the_claim_comes_once(world, menu, asked, helper):
    services.dispatch(actor=world.staff, request=asked, person=helper, points=20)
    services.mark_done(actor=helper, request=asked)
    services.dispute(actor=world.resident, request=asked, note="还是不亮")
    asked.refresh_from_db()
    assert asked.status == Status.ASSIGNED and asked.done_at is None
    services.mark_done(actor=helper, request=asked)
    services.confirm(actor=world.resident, request=asked, rating=3)
    with pytest.raises(Conflict):
        services.confirm(actor=world.resident, request=asked, rating=3)
    assert Claim.objects.filter(source=Source.REQUEST, source_id=asked.pk).count() == 1


def test_tick_confirms_what_the_requester_left_unanswered(world, menu, asked, helper):
    services.dispatch(actor=world.staff, request=asked, person=helper)
    services.mark_done(actor=helper, request=asked)
    assert services.confirm_unanswered(timezone.now() + timedelta(days=6)) == 0
    assert services.confirm_unanswered(timezone.now() + timedelta(days=7, minutes=1)) == 1
    assert services.confirm_unanswered(timezone.now() + timedelta(days=8)) == 0
    asked.refresh_from_db()
    assert asked.status == Status.COMPLETED and asked.auto_confirmed and asked.rating is None
    assert asked.claim is not None
    event = Event.objects.get(request=asked, step="auto_confirm")
    assert event.actor is None


def test_cancel_by_the_requester_only_before_anyone_has_it(world, menu, asked, helper):
    services.publish(actor=world.staff, request=asked)
    services.accept(actor=helper, request=asked)
    with pytest.raises(Conflict) as refused:
        services.cancel(actor=world.resident, request=asked, reason="不需要了")
    assert refused.value.code == "invalid_transition"
    services.cancel(actor=world.staff, request=asked, reason="居民已自行解决")
    asked.refresh_from_db()
    assert asked.status == Status.CANCELLED


def test_staff_act_only_in_their_regions(world, menu, asked, helper):
    for outsider in (world.other_staff, world.reviewer, helper):
        with pytest.raises(PermissionDenied):
            services.publish(actor=outsider, request=asked)
    services.publish(actor=world.town_admin, request=asked)


def test_team_dispatch_waits_for_the_leader_to_name_who_goes(world, menu, asked, helper):
    from jifen.people.models import Team, TeamMember

    leader = make_person(world.wenchang, "队长甲")
    team = Team.objects.create(region=world.wenchang, name="红马甲服务队", leader=leader)
    TeamMember.objects.create(team=team, person=helper, joined_on=timezone.localdate())
    services.dispatch(actor=world.staff, request=asked, team=team)
    asked.refresh_from_db()
    assert asked.status == Status.ASSIGNED and asked.assignee is None
    with pytest.raises(PermissionDenied):
        services.mark_done(actor=helper, request=asked)
    with pytest.raises(PermissionDenied):
        services.assign_member(actor=helper, request=asked, person=helper)
    with pytest.raises(InvalidInput):
        services.assign_member(actor=leader, request=asked, person=world.neighbour)
    services.assign_member(actor=leader, request=asked, person=helper)
    services.mark_done(actor=helper, request=asked)


def test_hand_back_opens_it_again(world, menu, asked, helper):
    services.publish(actor=world.staff, request=asked)
    services.accept(actor=helper, request=asked)
    with pytest.raises(PermissionDenied):
        services.hand_back(actor=world.neighbour, request=asked, reason="x")
    services.hand_back(actor=helper, request=asked, reason="临时出差")
    asked.refresh_from_db()
    assert asked.status == Status.OPEN and asked.assignee is None and asked.due_on is None


def test_bad_input_changes_nothing(world, menu):
    before = ServiceRequest.objects.count()
    for bad in (
        {"title": ""},
        {"title": "x" * 101},
        {"description": "x" * 5000},
        {"category": "NOPE"},
        {"points": 31},
        {"points": 0},
        {"kind": "favour"},
    ):
        args = {"category": "REPAIR", "title": "修灯", **bad}
        with pytest.raises(InvalidInput):
            services.submit_request(actor=world.resident, community=world.wenchang, **args)
    with pytest.raises(InvalidInput):
        services.submit_request(
            actor=world.resident, community=world.jinyue, category="REPAIR", title="修灯"
        )
    with pytest.raises(NotFound):
        services.submit_request(
            actor=world.neighbour,
            community=world.wenchang,
            category="REPAIR",
            title="修灯",
            person=world.resident,
        )
    assert ServiceRequest.objects.count() == before


def test_a_wish_and_the_wall(world, menu, helper):
    wish = services.submit_request(
        actor=world.staff,
        person=world.resident,
        kind=Kind.WISH,
        community=world.wenchang,
        category="WISH",
        title="想要一副老花镜",
        address="不公开的地址",
    )
    assert wish.entered_as == "staff" and wish.entered_by == world.staff
    assert selectors.wishes_wall(world.wenchang) == []  # not checked yet
    services.publish(actor=world.staff, request=wish)
    wall = selectors.wishes_wall(world.wenchang)
    assert [w.title for w in wall] == ["想要一副老花镜"]
    assert wall[0].requester == "王*英"


def test_address_is_for_staff_the_requester_and_the_helper(world, menu, asked, helper):
    asked = services.publish(actor=world.staff, request=asked)
    other = make_person(world.wenchang, "吴热心")
    assert selectors.can_see(other, asked) and not selectors.can_see_address(other, asked)
    assert not selectors.can_see(world.stranger, asked)
    services.accept(actor=helper, request=asked)
    asked.refresh_from_db()
    assert selectors.can_see_address(helper, asked)
    assert not selectors.can_see(other, asked)


def test_a_request_read_as_taken_is_refused_without_waiting_for_its_lock(
    world, menu, asked, helper, django_assert_max_num_queries
):
    services.publish(actor=world.staff, request=asked)
    services.accept(actor=helper, request=asked)
    seen = ServiceRequest.objects.select_related("community", "menu_item").get(pk=asked.pk)
    late = make_person(world.wenchang, "吴热心")
    with django_assert_max_num_queries(1):  # who they are acting for; no lock, no write
        with pytest.raises(Conflict) as refused:
            services.accept(actor=late, request=seen)
    assert refused.value.code == "already_taken"
    with pytest.raises(PermissionDenied):  # the ineligible hear why, not that it is taken
        services.accept(actor=world.resident, request=seen)
    assert steps_of(asked) == ["submit", "publish", "accept"]


# --- Reassigning, the to-do's lateness, the time wanted ----------------------------------------


def test_dispatch_and_reassign_are_two_steps_of_the_table(db):
    assert STEPS["dispatch"].sources == {Status.SUBMITTED, Status.OPEN}
    assert STEPS["reassign"].sources == {Status.ASSIGNED}
    assert STEPS["reassign"].target == Status.ASSIGNED
    assert str(STEPS["reassign"].label) != str(STEPS["dispatch"].label)


def test_staff_giving_an_assigned_request_to_another_is_a_reassignment(world, menu, asked, helper):
    services.dispatch(actor=world.staff, request=asked, person=helper)
    other = make_person(world.wenchang, "吴热心")
    services.dispatch(actor=world.staff, request=asked, person=other)
    assert steps_of(asked) == ["submit", "dispatch", "reassign"]
    last = Event.objects.filter(request=asked).last()
    assert (last.from_status, last.to_status, last.assignee) == (
        Status.ASSIGNED,
        Status.ASSIGNED,
        other,
    )
    assert AuditEvent.objects.filter(action="requests.reassign").count() == 1
    services.mark_done(actor=other, request=asked)
    with pytest.raises(Conflict) as wrong:  # done: neither dispatched nor reassigned
        services.dispatch(actor=world.staff, request=asked, person=helper)
    assert wrong.value.code == "invalid_transition"


def test_the_overdue_line_says_since_when_it_is_late(world, menu, asked, helper):
    services.dispatch(actor=world.staff, request=asked, person=helper)
    today = timezone.localdate()
    ServiceRequest.objects.filter(pk=asked.pk).update(
        assigned_at=timezone.now() - timedelta(days=30), due_on=today - timedelta(days=3)
    )
    late = selectors.overdue(world.staff)
    assert late.count == 1
    local = timezone.localtime(late.oldest_at)
    assert (local.date(), local.hour, local.minute) == (today - timedelta(days=2), 0, 0)


def test_a_time_wanted_already_over_is_refused(world, menu):
    with pytest.raises(InvalidInput) as refused:
        services.submit_request(
            actor=world.resident,
            community=world.wenchang,
            category="REPAIR",
            title="电饭煲坏了",
            wanted_until=timezone.now() - timedelta(minutes=5),
        )
    assert refused.value.field == "wanted_until"
    assert not ServiceRequest.objects.exists()


def test_a_wish_takes_a_wish_line_and_a_request_a_service_line(world, menu):
    for kind, category in ((Kind.WISH, "REPAIR"), (Kind.REQUEST, "WISH")):
        with pytest.raises(InvalidInput) as refused:
            services.submit_request(
                actor=world.resident,
                community=world.wenchang,
                category=category,
                title="想要一本书",
                kind=kind,
            )
        assert refused.value.field == "category"
    assert [i.code for i in selectors.menu(world.wenchang, kind=Kind.WISH)] == ["WISH"]
    assert {i.code for i in selectors.menu(world.wenchang, kind=Kind.REQUEST)} == {
        "REPAIR",
        "ESCORT",
    }
    assert len(selectors.menu(world.wenchang)) == 3


def test_the_resident_who_vouched_for_the_service_does_not_review_its_claim(world, menu, helper):
    from jifen.people.models import Role, RoleGrant

    # A reviewer who is also a resident asks for help and confirms it.
    RoleGrant.objects.create(person=world.resident, role=Role.REVIEWER, region=world.wenchang)
    request = services.submit_request(
        actor=world.resident, community=world.wenchang, category="REPAIR", title="修窗户"
    )
    services.dispatch(actor=world.staff, request=request, person=helper)
    services.mark_done(actor=helper, request=request)
    request = services.confirm(actor=world.resident, request=request, rating=5)
    with pytest.raises(Conflict) as refused:
        claims.approve_claim(claim=request.claim, reviewer=world.resident)
    assert refused.value.code == "self_review"
    claims.approve_claim(claim=request.claim, reviewer=world.reviewer)
