"""The workflow table is the only way between statuses; polls count, hide and close."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.deliberation import selectors, services
from jifen.deliberation.models import (
    ALLOWED,
    FINAL,
    STEPS,
    ActionStatus,
    Event,
    Matter,
    MeetingKind,
    Status,
    Tier,
    Vote,
    may_take,
)
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from jifen.notices.models import Notice
from tests.deliberation.conftest import building_poll, later

pytestmark = pytest.mark.django_db


def test_the_table_reaches_every_status_and_ends_in_done_or_withdrawn():
    reached = {Status.OPEN} | {step.target for step in STEPS.values()}
    assert reached == set(Status.values)
    assert FINAL == {Status.DONE, Status.CANCELLED}
    assert ALLOWED[Status.VOTING] == {Status.COUNTED, Status.CANCELLED}
    # A meeting is never voted on, a poll never meets: the tier is part of the table.
    assert not may_take("open_poll", Status.OPEN, Tier.MAJOR)
    assert not may_take("call_meeting", Status.OPEN, Tier.SIMPLE)
    assert not may_take("escalate", Status.OPEN, Tier.MAJOR)


def test_a_step_the_table_does_not_allow_is_refused_and_writes_nothing(world, block):
    matter = services.create_matter(
        actor=world.staff, region=block.building, tier=Tier.SIMPLE, title="单车棚"
    )
    events = Event.objects.count()
    with pytest.raises(Conflict) as refused:
        services.decide(actor=world.staff, matter=matter, decision="建")
    assert refused.value.code == "invalid_transition"
    with pytest.raises(Conflict):
        services.call_meeting(
            actor=world.staff,
            matter=matter,
            kind=MeetingKind.HALL,
            at=later(24),
            place="议事厅",
            agenda="单车棚",
        )
    matter.refresh_from_db()
    assert matter.status == Status.OPEN and matter.decision == ""
    assert Event.objects.count() == events


def test_a_building_poll_counts_one_ballot_per_resident_hidden_until_it_closes(world, block):
    matter = building_poll(world, block)
    a, b, c = block.residents
    services.vote(actor=a, matter=matter, choice="agree")
    services.vote(actor=b, matter=matter, choice="disagree")
    services.vote(actor=b, matter=matter, choice="agree")  # changed, still one ballot
    assert Vote.objects.filter(matter=matter).count() == 2
    assert Vote.objects.get(matter=matter, voter=b).changes == 1
    matter.refresh_from_db()
    assert matter.agree is None and not matter.results_public
    # The audit log says a ballot was cast, never how.
    logged = AuditEvent.objects.filter(action="deliberation.vote")
    assert logged.count() == 3
    assert not any("agree" in str(e.after) for e in logged)
    assert services.close_due(later(49)) == 1
    matter.refresh_from_db()
    assert matter.status == Status.COUNTED
    assert (matter.agree, matter.disagree, matter.abstain) == (2, 0, 0)
    assert matter.electorate == 3 and matter.turnout == 2 and matter.quorum_met is True
    assert matter.events.last().step == "auto_close" and matter.events.last().actor is None
    assert services.close_due(later(50)) == 0  # the tick again does nothing
    with pytest.raises(Conflict) as late:
        services.vote(actor=c, matter=matter, choice="agree")
    assert late.value.code == "poll_not_open"


def test_below_the_quorum_the_poll_says_so_and_the_matter_can_go_to_a_meeting(world, block):
    matter = building_poll(world, block, quorum=67)
    services.vote(actor=block.residents[0], matter=matter, choice="agree")
    services.close_poll(actor=world.staff, matter=matter, note="时间到")
    matter.refresh_from_db()
    assert matter.quorum_met is False and matter.turnout_percent == 33
    services.escalate(actor=world.staff, matter=matter, note="未达法定人数，提交议事厅")
    matter.refresh_from_db()
    assert (matter.tier, matter.status, matter.escalations) == (Tier.MAJOR, Status.OPEN, 1)
    assert matter.agree == 1  # the poll's result stays on record
    with pytest.raises(Conflict):
        services.escalate(actor=world.staff, matter=matter)  # major is the top tier


def test_only_residents_of_the_building_vote_and_only_while_it_is_open(world, block):
    matter = services.create_matter(
        actor=world.staff, region=block.building, tier=Tier.SIMPLE, title="电梯广告收益"
    )
    with pytest.raises(Conflict):
        services.vote(actor=block.residents[0], matter=matter, choice="agree")
    services.open_poll(actor=world.staff, matter=matter, closes_at=later(2))
    for outsider in (block.outsider, world.resident, world.stranger, world.staff):
        with pytest.raises(PermissionDenied) as refused:
            services.vote(actor=outsider, matter=matter, choice="agree")
        assert refused.value.code == "not_a_voter"
    with pytest.raises(InvalidInput):
        services.vote(actor=block.residents[0], matter=matter, choice="maybe")
    with pytest.raises(Conflict):
        services.vote(actor=block.residents[0], matter=matter, choice="agree", now=later(3))
    assert not Vote.objects.exists()


def test_a_community_poll_is_for_everyone_whose_home_community_it_is(world, block):
    matter = services.create_matter(
        actor=world.staff, region=world.wenchang, tier=Tier.SIMPLE, title="广场舞时间"
    )
    services.open_poll(actor=world.staff, matter=matter, closes_at=later(5))
    services.vote(actor=world.resident, matter=matter, choice="agree")
    services.vote(actor=block.outsider, matter=matter, choice="abstain")
    with pytest.raises(PermissionDenied):
        services.vote(actor=world.neighbour, matter=matter, choice="agree")
    assert matter in selectors.open_for(world.resident)
    assert matter not in selectors.open_for(world.neighbour)


def test_the_poll_window_is_bounded_by_tier(world, block):
    simple = services.create_matter(
        actor=world.staff, region=block.building, tier=Tier.SIMPLE, title="楼道"
    )
    for closes_at in (later(0.05), later(24 * 31)):
        with pytest.raises(InvalidInput):
            services.open_poll(actor=world.staff, matter=simple, closes_at=closes_at)
    for quorum in (0, 101, True, "50"):
        with pytest.raises(InvalidInput):
            services.open_poll(
                actor=world.staff, matter=simple, closes_at=later(5), quorum_percent=quorum
            )
    urgent = services.create_matter(
        actor=world.staff, region=world.compound, tier=Tier.URGENT, title="暴雨排涝"
    )
    with pytest.raises(InvalidInput) as no_parties:
        services.open_poll(actor=world.staff, matter=urgent, closes_at=later(3))
    assert no_parties.value.code == "parties_required"
    with pytest.raises(InvalidInput):
        services.open_poll(
            actor=world.staff,
            matter=urgent,
            closes_at=later(30),
            organizations=[block.owners],
        )


def test_an_urgent_poll_is_one_ballot_per_named_party(world, block):
    matter = services.create_matter(
        actor=world.staff, region=world.compound, tier=Tier.URGENT, title="暴雨排涝"
    )
    services.open_poll(
        actor=world.staff,
        matter=matter,
        closes_at=later(3),
        quorum_percent=100,
        organizations=[block.owners, block.property_co],
        people=[world.staff],
    )
    notified = set(Notice.objects.filter(kind="deliberation").values_list("person", flat=True))
    assert {block.owners_contact.pk, block.property_contact.pk, world.staff.pk} <= notified
    services.vote(actor=block.owners_contact, matter=matter, choice="agree")
    services.vote(actor=block.property_contact, matter=matter, choice="agree")
    with pytest.raises(PermissionDenied):
        services.vote(actor=block.residents[0], matter=matter, choice="agree")
    services.close_poll(actor=world.staff, matter=matter)
    matter.refresh_from_db()
    assert matter.electorate == 3 and matter.turnout == 2 and matter.quorum_met is False
    assert set(Vote.objects.values_list("ballot", flat=True)) == {
        f"o{block.owners.pk}",
        f"o{block.property_co.pk}",
    }


def test_a_meeting_is_called_held_decided_and_its_actions_carried_out(world, block):
    matter = services.create_matter(
        actor=world.staff,
        region=world.wenchang,
        tier=Tier.MAJOR,
        title="老旧小区加装电梯",
        organizations=[block.owners, block.property_co],
    )
    services.call_meeting(
        actor=world.staff,
        matter=matter,
        kind=MeetingKind.JOINT,
        at=later(-1),
        place="社区党群服务中心",
        agenda="1. 加装电梯方案 2. 费用分摊",
    )
    matter.refresh_from_db()
    assert matter.status == Status.MEETING
    assert Notice.objects.filter(person=block.owners_contact, kind="deliberation").exists()
    with pytest.raises(Conflict) as no_minutes:
        services.decide(actor=world.staff, matter=matter, decision="加装")
    assert no_minutes.value.code == "minutes_required"
    owners = matter.invitees.get(organization=block.owners)
    services.record_meeting(
        actor=world.staff,
        matter=matter,
        minutes="与会各方同意加装，费用按楼层分摊。",
        attended=[owners.pk],
        residents_present=23,
    )
    services.decide(actor=world.staff, matter=matter, decision="加装电梯，费用按楼层分摊")
    first = services.add_action(
        actor=world.staff,
        matter=matter,
        title="设计方案公示",
        due_on=timezone.localdate() + timedelta(days=30),
        owner_organization=block.property_co,
    )
    second = services.add_action(
        actor=world.staff,
        matter=matter,
        title="申请补贴",
        due_on=timezone.localdate() + timedelta(days=60),
        owner_person=world.staff,
    )
    # The owner's contact reports progress; a stranger and the inspector may not.
    services.report_progress(actor=block.property_contact, action=first, percent=40, note="已出图")
    for outsider in (block.owners_contact, block.inspector):
        with pytest.raises(PermissionDenied):
            services.report_progress(actor=outsider, action=first, percent=50)
    with pytest.raises(Conflict) as still_open:
        services.complete(actor=world.staff, matter=matter)
    assert still_open.value.code == "actions_open"
    services.report_progress(actor=block.property_contact, action=first, percent=100)
    matter.refresh_from_db()
    assert matter.status == Status.DECIDED
    services.report_progress(actor=world.staff, action=second, percent=0, status="done")
    matter.refresh_from_db()
    second.refresh_from_db()
    assert second.percent == 100 and second.status == ActionStatus.DONE
    assert matter.status == Status.DONE and matter.done_at is not None
    steps = list(matter.events.values_list("step", flat=True))
    assert steps[:5] == ["create", "call_meeting", "record_meeting", "decide", "add_action"]
    assert steps[-1] == "complete"
    with pytest.raises(Conflict):
        services.report_progress(actor=world.staff, action=first, percent=90)


def test_a_withdrawn_matter_says_why_and_takes_no_more_steps(world, block):
    matter = building_poll(world, block)
    services.cancel(actor=world.staff, matter=matter, reason="物业已自行修复")
    matter.refresh_from_db()
    assert matter.status == Status.CANCELLED and matter.cancel_reason == "物业已自行修复"
    with pytest.raises(Conflict):
        services.vote(actor=block.residents[0], matter=matter, choice="agree")
    with pytest.raises(Conflict):
        services.escalate(actor=world.staff, matter=matter)


def test_reading_a_poll_after_its_close_closes_it_once(world, block):
    matter = building_poll(world, block, hours=1)
    Matter.objects.filter(pk=matter.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    matter.refresh_from_db()
    assert services.close_if_due(matter) is True
    assert services.close_if_due(matter) is False
    assert matter.status == Status.COUNTED
    assert matter.events.filter(step="auto_close").count() == 1
