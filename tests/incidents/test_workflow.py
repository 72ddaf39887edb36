"""The incident loop: report, accept, assign, resolve, verify, close, reopen, rate, escalate."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from jifen.claims.models import Claim, Source
from jifen.incidents import selectors, services
from jifen.incidents.models import ALLOWED, STEPS, Event, Incident, Status, Tier
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied


def steps_of(incident: Incident) -> list[str]:
    return list(
        Event.objects.filter(incident=incident).order_by("id").values_list("step", flat=True)
    )


@pytest.fixture
def reported(world, grids) -> Incident:
    return services.report(
        actor=grids.worker,
        region=grids.east,
        category="HJWS",
        description="垃圾桶满溢，三天没人清运",
        address="文昌路 8 号门口",
        lat="24.9876",
        lng="118.1234",
    )


def test_the_table_is_the_contract(db):
    assert ALLOWED[Status.REPORTED] == {Status.ACCEPTED, Status.CLOSED}
    assert ALLOWED[Status.RESOLVED] == {Status.CLOSED, Status.ASSIGNED}
    assert ALLOWED[Status.CLOSED] == {Status.REOPENED}
    assert ALLOWED[Status.REOPENED] == ALLOWED[Status.ACCEPTED]
    assert STEPS["rate"].target is None


def test_the_whole_loop_and_the_grid_workers_points(world, grids, reported):
    assert reported.status == Status.REPORTED and reported.tier == Tier.GRID
    assert reported.handling_region == grids.east and reported.source == "grid"
    services.accept(actor=world.staff, incident=reported)
    reported.refresh_from_db()
    assert reported.due_at is not None and reported.report_claim is not None
    services.assign(actor=grids.worker, incident=reported, organization=grids.property_co)
    services.resolve(actor=grids.contact, incident=reported, note="已清运，增加一个垃圾桶")
    services.verify(actor=grids.worker, incident=reported, ok=True)
    reported.refresh_from_db()
    assert reported.status == Status.CLOSED and reported.closed_on_time is True
    assert reported.close_claim is None  # handled by the property company, not a grid worker
    services.rate(actor=grids.worker, incident=reported, rating=5)
    with pytest.raises(Conflict) as again:
        services.rate(actor=grids.worker, incident=reported, rating=4)
    assert again.value.code == "already_rated"
    assert steps_of(reported) == [
        "report",
        "accept",
        "assign",
        "resolve",
        "verify_ok",
        "rate",
    ]
    claims = Claim.objects.filter(source=Source.INCIDENT)
    assert [(c.person, c.points) for c in claims] == [(grids.worker, 2)]


def test_a_fix_not_done_goes_back_and_a_grid_worker_closing_it_earns(world, grids, reported):
    services.accept(actor=world.staff, incident=reported)
    services.assign(actor=grids.worker, incident=reported, person=grids.worker)
    services.resolve(actor=grids.worker, incident=reported, note="清理了")
    with pytest.raises(InvalidInput):  # "not fixed" needs words
        services.verify(actor=world.staff, incident=reported, ok=False)
    services.verify(actor=world.staff, incident=reported, ok=False, note="还有一袋没运走")
    reported.refresh_from_db()
    assert reported.status == Status.ASSIGNED and reported.resolved_at is None
    services.resolve(actor=grids.worker, incident=reported, note="全部运走")
    services.verify(actor=world.staff, incident=reported, ok=True)
    reported.refresh_from_db()
    assert reported.close_claim.points == 5 and reported.close_claim.person == grids.worker
    # Reopened and closed again: the points came once.
    services.reopen(actor=grids.worker, incident=reported, note="又满了")
    reported.refresh_from_db()  # it waits for a new assignment; the history keeps the old
    assert reported.assignee is None and reported.organization is None
    assert Event.objects.filter(incident=reported, step="assign").count() == 1
    services.assign(actor=grids.worker, incident=reported, person=grids.worker)
    services.resolve(actor=grids.worker, incident=reported, note="再次清运")
    services.verify(actor=world.staff, incident=reported, ok=True)
    assert Claim.objects.filter(source=Source.INCIDENT).count() == 2  # report + one close


def test_a_grid_worker_acts_only_in_their_grid(world, grids, reported):
    for outsider in (grids.other_worker, world.other_staff, world.resident, world.reviewer):
        with pytest.raises(PermissionDenied):
            services.accept(actor=outsider, incident=reported)
    services.accept(actor=world.staff, incident=reported)  # the community's staff may


def test_wrong_steps_answer_invalid_transition(world, grids, reported):
    with pytest.raises(Conflict) as wrong:
        services.verify(actor=grids.worker, incident=reported, ok=True)
    assert wrong.value.code == "invalid_transition"
    with pytest.raises(Conflict) as wrong:
        services.rate(actor=grids.worker, incident=reported, rating=5)
    assert wrong.value.code == "invalid_transition"
    with pytest.raises(Conflict) as wrong:
        services.reopen(actor=grids.worker, incident=reported, note="x")
    assert wrong.value.code == "invalid_transition"
    assert steps_of(reported) == ["report"]


def test_reopening_after_thirty_days_is_refused(world, grids, reported):
    services.close(actor=world.staff, incident=reported, reason="no_action", note="已自行处理")
    Incident.objects.filter(pk=reported.pk).update(closed_at=timezone.now() - timedelta(days=31))
    with pytest.raises(Conflict) as late:
        services.reopen(actor=grids.worker, incident=reported, note="又出现了")
    assert late.value.code == "reopen_too_late"


def test_only_staff_close_without_a_fix_and_only_for_a_reason(world, grids, reported):
    with pytest.raises(PermissionDenied):
        services.close(actor=grids.worker, incident=reported, reason="duplicate")
    with pytest.raises(InvalidInput):
        services.close(actor=world.staff, incident=reported, reason="fixed")
    services.close(
        actor=world.staff, incident=reported, reason="not_responsible", note="属于供电公司"
    )
    reported.refresh_from_db()
    assert reported.close_reason == "not_responsible" and reported.closed_on_time is None


def test_an_offline_report_sent_twice_is_one_report(world, grids):
    args = dict(
        actor=grids.worker,
        region=grids.east,
        category="HJWS",
        description="井盖松动",
        client_key="phone-7f3a-0001",
    )
    first = services.report(**args)
    second = services.report(**args)
    assert first.pk == second.pk and Incident.objects.count() == 1


def test_urgent_categories_need_a_photo_and_count_hours(world, grids):
    with pytest.raises(InvalidInput) as refused:
        services.report(
            actor=grids.worker, region=grids.east, category="AQYH", description="电线裸露"
        )
    assert refused.value.code == "photo_required"
    with pytest.raises(InvalidInput) as refused:  # a resident's report too
        services.report(
            actor=world.resident, region=grids.east, category="AQYH", description="电线裸露"
        )
    assert refused.value.code == "photo_required"
    # Staff typing a phone call cannot attach one.
    incident = services.report(
        actor=world.staff, region=grids.east, category="AQYH", description="电线裸露"
    )
    assert incident.source == "staff"
    assert incident.tier == Tier.COMMUNITY and incident.handling_region == world.wenchang
    services.accept(actor=world.staff, incident=incident)
    incident.refresh_from_db()
    assert incident.due_at - incident.accepted_at == timedelta(hours=24)


def test_bad_input_changes_nothing(world, grids):
    for bad in (
        {"category": "NOPE"},
        {"description": ""},
        {"description": "x" * 1001},
        {"lat": "91", "lng": "10"},
        {"lat": "abc", "lng": "1"},
        {"region": world.town},
    ):
        args = {
            "actor": world.resident,
            "region": grids.east,
            "category": "HJWS",
            "description": "路灯不亮",
            **bad,
        }
        with pytest.raises(InvalidInput):
            services.report(**args)
    assert Incident.objects.count() == 0


def test_possible_duplicates_within_fifty_metres(world, grids, reported):
    near = selectors.possible_duplicates(grids.east, "HJWS", "24.98775", "118.12345")
    assert [i.pk for i in near] == [reported.pk]
    far = selectors.possible_duplicates(grids.east, "HJWS", "24.9900", "118.1234")
    assert far == []
    assert selectors.possible_duplicates(grids.east, "AQYH", "24.9876", "118.1234") == []


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


def test_overdue_across_the_national_day_reminds_then_escalates_by_itself(world, grids):
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 9, 29)):
        incident = services.report(
            actor=grids.worker, region=grids.east, category="HJWS", description="绿化带垃圾"
        )
        services.accept(actor=grids.worker, incident=incident)
    incident.refresh_from_db()
    # Tuesday 29 Sep + 3 working days: 30 Sep, (国庆 1–7 Oct off), 8 and 9 Oct.
    assert timezone.localtime(incident.due_at).date().isoformat() == "2026-10-09"
    assert services.remind_overdue(_at(2026, 10, 9, 23)) == 0
    assert services.remind_overdue(_at(2026, 10, 10)) == 1  # 督办 on the first day past
    assert services.remind_overdue(_at(2026, 10, 11)) == 0  # once
    # Three times the deadline in working days (9 after 29 Sep: 30 Sep, 8, 9 and 10 Oct —
    # the 调休 Saturday —, 12–16 Oct): up to the community, a new deadline.
    stale = services.stale_at(incident)
    assert timezone.localtime(stale).isoformat() == "2026-10-16T23:59:59+08:00"
    assert services.escalate_stale(stale) == 0
    assert services.escalate_stale(_at(2026, 10, 19)) == 1
    incident.refresh_from_db()
    # The community's 3 working days count from that moment: 20, 21 and 22 Oct.
    assert timezone.localtime(incident.accepted_at) == _at(2026, 10, 19)
    assert timezone.localtime(incident.due_at).date().isoformat() == "2026-10-22"
    assert incident.tier == Tier.COMMUNITY and incident.handling_region == world.wenchang
    assert incident.status == Status.ACCEPTED and incident.escalations == 1
    assert steps_of(incident)[-1] == "escalate"
    assert Event.objects.get(incident=incident, step="escalate").actor is None


def test_escalation_by_hand_goes_grid_community_town_and_no_further(world, grids, reported):
    services.escalate(actor=grids.worker, incident=reported, note="需要社区协调")
    reported.refresh_from_db()
    assert reported.tier == Tier.COMMUNITY
    with pytest.raises(PermissionDenied):  # the grid worker no longer handles it
        services.escalate(actor=grids.worker, incident=reported, note="x")
    services.escalate(actor=world.staff, incident=reported, note="需要镇里协调")
    reported.refresh_from_db()
    assert reported.tier == Tier.TOWN and reported.handling_region == world.town
    with pytest.raises(Conflict) as top:
        services.escalate(actor=world.town_admin, incident=reported, note="x")
    assert top.value.code == "top_tier"


def test_no_one_is_told_of_a_step_they_took_themselves(world, grids):
    from jifen.notices.models import Notice

    # A grid worker reports in their own grid, accepts it and takes it on: no notice to
    # them of any of it; the other grid worker's and staff's notices are untouched.
    incident = services.report(
        actor=grids.worker, region=grids.east, category="HJWS", description="井盖松动"
    )
    services.accept(actor=grids.worker, incident=incident)
    services.assign(actor=grids.worker, incident=incident, person=grids.worker)
    assert not Notice.objects.filter(person=grids.worker).exists()
    # Someone else's steps still reach them.
    other = services.report(
        actor=world.resident, region=grids.east, category="HJWS", description="路面塌陷"
    )
    assert Notice.objects.filter(person=grids.worker, kind="incident.reported").count() == 1
    services.accept(actor=world.staff, incident=other)
    assert Notice.objects.filter(person=world.resident, kind="incident.accepted").count() == 1
    services.assign(actor=world.staff, incident=other, person=grids.worker)
    assert Notice.objects.filter(person=grids.worker, kind="incident.assigned").count() == 1
