"""The steps of needs and projects, as services: who may take each, and what each leaves."""

from datetime import date

import pytest

from jifen.audit.models import AuditEvent
from jifen.claims import origins
from jifen.claims import services as claims
from jifen.claims.models import Claim
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.notices.models import Notice
from jifen.people.models import Organization, OrganizationMember
from jifen.points import ledger
from jifen.projects import selectors, services
from jifen.projects.models import Event, Need, NeedStatus, Project, Status
from tests.projects.conftest import all_reported, draft, led, make_need, published

pytestmark = pytest.mark.django_db


# --- create_project (the interface other domains call) ------


def test_create_project_makes_a_draft_with_its_milestones_and_history(world, units):
    project = services.create_project(
        actor=world.staff,
        community=world.wenchang,
        title="长者食堂",
        summary="为高龄老人供午餐",
        budget_fen=500_000,
        milestones=[("选址", date(2027, 1, 10)), ("开餐", None)],
        source="contest",
        source_ref="2026 项目大赛",
    )
    assert project.status == Status.DRAFT
    assert project.source == "contest"
    assert [(m.position, m.title, m.due_on) for m in project.milestones.all()] == [
        (1, "选址", date(2027, 1, 10)),
        (2, "开餐", None),
    ]
    assert list(project.events.values_list("step", flat=True)) == ["create"]
    assert AuditEvent.objects.filter(
        action="projects.project.create", target_id=project.pk
    ).exists()


def test_create_project_with_a_lead_unit_is_led_at_once(world, units):
    project = services.create_project(
        actor=None,
        community=world.wenchang,
        title="获奖项目",
        summary="",
        budget_fen=0,
        lead_organization=units.bank,
        source="contest",
    )
    assert project.status == Status.LED
    assert project.lead_organization == units.bank
    assert list(project.events.values_list("step", flat=True)) == ["create", "assign"]


@pytest.mark.parametrize("budget", [-1, 10**13, 1.5, "100", True])
def test_create_project_refuses_a_budget_out_of_bounds_and_writes_nothing(world, units, budget):
    with pytest.raises(InvalidInput):
        services.create_project(
            actor=world.staff,
            community=world.wenchang,
            title="x",
            summary="",
            budget_fen=budget,
        )
    assert not Project.objects.exists()


def test_create_project_refuses_a_bad_source_a_town_and_strangers(world, units):
    common = {"title": "x", "summary": "", "budget_fen": 0}
    with pytest.raises(InvalidInput):
        services.create_project(actor=world.staff, community=world.wenchang, source="x", **common)
    with pytest.raises(InvalidInput):
        services.create_project(actor=world.town_admin, community=world.town, **common)
    with pytest.raises(PermissionDenied):
        services.create_project(actor=world.other_staff, community=world.wenchang, **common)
    with pytest.raises(PermissionDenied):
        services.create_project(actor=units.clinic_contact, community=world.wenchang, **common)
    with pytest.raises(InvalidInput):  # a unit of the other town does not lead here
        services.create_project(
            actor=world.staff, community=world.wenchang, lead_organization=units.far, **common
        )
    with pytest.raises(InvalidInput):
        services.create_project(
            actor=world.staff,
            community=world.wenchang,
            milestones=[("m", date(1999, 1, 1))],
            **common,
        )
    assert not Project.objects.exists()


def test_a_project_from_needs_plans_them(world, units):
    need = make_need(world)
    project = services.create_project(
        actor=world.staff,
        community=world.wenchang,
        title=need.title,
        summary="",
        budget_fen=0,
        source="need",
        needs=[need],
    )
    need.refresh_from_db()
    assert need.status == NeedStatus.PLANNED
    assert need.project == project
    with pytest.raises(Conflict):  # a need is in one project at a time
        services.create_project(
            actor=world.staff,
            community=world.wenchang,
            title="again",
            summary="",
            budget_fen=0,
            needs=[need],
        )
    assert Project.objects.count() == 1


# --- claim_need and open_needs ------


def test_open_needs_lists_open_needs_of_the_community_oldest_first(world, units):
    first = make_need(world, "一")
    second = make_need(world, "二")
    services.claim_need(actor=units.party_member, need=second)
    assert list(selectors.open_needs(world.wenchang)) == [first]
    assert not selectors.open_needs(world.jinyue).exists()


def test_a_party_member_takes_a_need_in_person(world, units):
    need = services.claim_need(actor=units.party_member, need=make_need(world))
    assert need.status == NeedStatus.CLAIMED
    assert need.claimed_by == units.party_member
    assert need.claimed_organization is None
    assert need.events.last().step == "claim"


def test_a_unit_takes_a_need_through_its_contact(world, units):
    need = services.claim_need(
        actor=units.clinic_contact, need=make_need(world), organization=units.clinic
    )
    assert need.claimed_organization == units.clinic
    assert list(selectors.needs_taken_by(units.clinic_contact)) == [need]


def test_a_taken_need_answers_already_taken(world, units):
    need = make_need(world)
    services.claim_need(actor=units.party_member, need=need)
    with pytest.raises(Conflict) as refused:
        services.claim_need(actor=units.bank_contact, need=need, organization=units.bank)
    assert refused.value.code == "already_taken"


def test_who_may_not_take_a_need(world, units):
    need = make_need(world)
    with pytest.raises(PermissionDenied):  # not a party member
        services.claim_need(actor=world.resident, need=need)
    with pytest.raises(PermissionDenied):  # a member, not the contact
        services.claim_need(actor=units.clinic_member, need=need, organization=units.clinic)
    with pytest.raises(PermissionDenied):  # another unit's contact
        services.claim_need(actor=units.bank_contact, need=need, organization=units.clinic)
    with pytest.raises(InvalidInput):  # a unit of another town
        services.claim_need(actor=units.far_contact, need=need, organization=units.far)
    with pytest.raises(NotFound):
        services.claim_need(actor=units.party_member, need=10**9)
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN


def test_a_taker_gives_back_or_meets_a_need_and_staff_close_one(world, units):
    need = make_need(world)
    services.claim_need(actor=units.party_member, need=need)
    with pytest.raises(PermissionDenied):
        services.release_need(actor=units.bank_contact, need=need)
    services.release_need(actor=units.party_member, need=need)
    services.claim_need(actor=units.party_member, need=need)
    need = services.meet_need(actor=units.party_member, need=need, note="灯装好了")
    assert need.status == NeedStatus.MET
    with pytest.raises(Conflict):
        services.close_need(actor=world.staff, need=need, reason="重复")
    other = make_need(world, "重复的需求")
    with pytest.raises(PermissionDenied):
        services.close_need(actor=units.party_member, need=other, reason="重复")
    assert services.close_need(actor=world.staff, need=other, reason="重复").status == "closed"


def test_a_need_from_a_request_of_another_community_is_refused(world, units):
    with pytest.raises(InvalidInput):
        services.create_need(
            actor=world.staff, community=world.wenchang, title="x", source="request"
        )
    with pytest.raises(PermissionDenied):
        services.create_need(actor=world.other_staff, community=world.wenchang, title="x")
    assert not Need.objects.exists()


# --- the project's steps ------


def test_a_unit_contact_leads_an_open_project_and_a_second_unit_is_too_late(world, units):
    project = published(world, units)
    project = services.lead_project(
        actor=units.clinic_contact, project=project, organization=units.clinic
    )
    assert project.status == Status.LED
    with pytest.raises(Conflict) as refused:
        services.lead_project(actor=units.bank_contact, project=project, organization=units.bank)
    assert refused.value.code == "already_taken"


def test_a_draft_cannot_be_led_and_a_member_cannot_lead(world, units):
    project = draft(world, units)
    with pytest.raises(Conflict) as refused:
        services.lead_project(
            actor=units.clinic_contact, project=project, organization=units.clinic
        )
    assert refused.value.code == "invalid_transition"
    services.publish_project(actor=world.staff, project=project)
    with pytest.raises(PermissionDenied):
        services.lead_project(actor=units.clinic_member, project=project, organization=units.clinic)
    with pytest.raises(PermissionDenied):
        services.publish_project(actor=units.clinic_contact, project=project)


def test_milestones_are_reported_by_the_lead_contact_only_once(world, units):
    project = led(world, units)
    first = project.milestones.first()
    with pytest.raises(PermissionDenied):
        services.report_milestone(actor=units.bank_contact, milestone=first)
    with pytest.raises(PermissionDenied):
        services.report_milestone(actor=units.clinic_member, milestone=first)
    services.report_milestone(actor=units.clinic_contact, milestone=first, note="已采购")
    project.refresh_from_db()
    assert project.status == Status.IN_PROGRESS
    first.refresh_from_db()
    assert first.done_at is not None and first.note == "已采购"
    with pytest.raises(Conflict):
        services.report_milestone(actor=units.clinic_contact, milestone=first)
    with pytest.raises(Conflict):  # no giving back once a milestone is reached
        services.release_project(actor=units.clinic_contact, project=project)


def test_completion_waits_for_every_milestone(world, units):
    project = led(world, units)
    with pytest.raises(Conflict) as refused:
        services.complete_project(actor=units.clinic_contact, project=project)
    assert refused.value.code == "milestones_open"
    assert not Claim.objects.exists()


def test_completion_without_points_set_is_refused(world, units):
    project = all_reported(world, units, points=None)
    with pytest.raises(Conflict) as refused:
        services.complete_project(actor=units.clinic_contact, project=project)
    assert refused.value.code == "no_reward"
    services.update_project(actor=world.staff, project=project, rule_item=units.item, points=60)
    project = services.complete_project(actor=units.clinic_contact, project=project)
    assert project.claim.points == 60


def test_completion_makes_the_units_claim_and_review_posts_its_points(
    world, units, second_reviewer
):
    need = make_need(world)
    project = services.create_project(
        actor=world.staff,
        community=world.wenchang,
        title="楼道照明改造",
        summary="",
        budget_fen=100,
        milestones=[("装灯", None)],
        needs=[need],
        rule_item=units.item,
        points=80,
    )
    services.publish_project(actor=world.staff, project=project)
    services.lead_project(actor=units.clinic_contact, project=project, organization=units.clinic)
    services.report_milestone(actor=units.clinic_contact, milestone=project.milestones.get())
    project = services.complete_project(actor=units.clinic_contact, project=project, note="完工")
    assert project.status == Status.COMPLETED
    claim = project.claim
    assert claim.organization == units.clinic
    assert claim.person == units.clinic_contact
    assert claim.points == 80
    assert claim.status == "pending"
    need.refresh_from_db()
    assert need.status == NeedStatus.MET
    assert services.settle_review(project) is False  # still pending
    assert claim.approvals_needed == 2  # worth the cross-check: two reviewers
    claims.approve_claim(claim=claim, reviewer=world.reviewer)
    assert ledger.account_for(units.clinic).balance == 0
    claims.approve_claim(claim=claim, reviewer=second_reviewer)
    assert ledger.account_for(units.clinic).balance == 80
    assert services.settle_reviews() == 1
    project.refresh_from_db()
    assert project.status == Status.REVIEWED
    assert services.settle_reviews() == 0
    assert list(Event.objects.filter(project=project).values_list("step", flat=True)) == [
        "create",
        "publish",
        "lead",
        "report",
        "complete",
        "review",
    ]


def test_cancelling_lists_the_needs_again(world, units):
    need = make_need(world)
    project = services.create_project(
        actor=world.staff,
        community=world.wenchang,
        title="x",
        summary="",
        budget_fen=0,
        needs=[need],
    )
    with pytest.raises(PermissionDenied):
        services.cancel_project(actor=units.clinic_contact, project=project, reason="x")
    services.cancel_project(actor=world.staff, project=project, reason="经费不足")
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN
    assert need.project is None
    with pytest.raises(Conflict):
        services.publish_project(actor=world.staff, project=project)


def test_resources_are_offered_by_a_contact_or_entered_by_staff(world, units):
    resource = services.offer_resource(
        actor=units.clinic_contact,
        community=world.wenchang,
        kind="expertise",
        title="每月一次义诊",
        availability="每月第一个周六上午",
        organization=units.clinic,
    )
    assert resource.organization == units.clinic
    with pytest.raises(PermissionDenied):
        services.offer_resource(
            actor=units.clinic_member,
            community=world.wenchang,
            kind="venue",
            title="会议室",
            organization=units.clinic,
        )
    with pytest.raises(PermissionDenied):  # a resident offers through staff
        services.offer_resource(
            actor=world.resident, community=world.wenchang, kind="goods", title="旧衣物"
        )
    by_staff = services.offer_resource(
        actor=world.staff,
        community=world.wenchang,
        kind="vehicle",
        title="面包车",
        person=world.resident,
    )
    with pytest.raises(PermissionDenied):
        services.withdraw_resource(actor=units.bank_contact, resource=resource)
    services.withdraw_resource(actor=units.clinic_contact, resource=resource)
    assert list(selectors.resources(world.wenchang)) == [by_staff]


def test_a_party_member_of_another_community_does_not_take_its_needs(world, units):
    need = make_need(world)
    neighbour = world.neighbour
    neighbour.is_party_member = True
    neighbour.save()
    with pytest.raises(PermissionDenied) as refused:
        services.claim_need(actor=neighbour, need=need)
    assert refused.value.code == "not_your_community"
    neighbour.is_reporting_party_member = True  # reporting home here: the party's records
    neighbour.save()
    assert services.claim_need(actor=neighbour, need=need).claimed_by == neighbour


def test_the_lead_units_contacts_hear_of_the_assignment_and_the_review(world, units):
    project = published(world, units)
    services.assign_lead(actor=world.staff, project=project, organization=units.bank)
    assert Notice.objects.filter(person=units.bank_contact, kind="projects").count() == 1
    assert not Notice.objects.filter(person=units.clinic_contact).exists()
    services.report_milestone(actor=units.bank_contact, milestone=project.milestones.first())
    services.report_milestone(actor=units.bank_contact, milestone=project.milestones.last())
    project = services.complete_project(actor=units.bank_contact, project=project)
    claims.reject_claim(claim=project.claim, reviewer=world.reviewer, reason="材料不全")
    assert services.settle_review(project) is True
    assert Notice.objects.filter(person=units.bank_contact, kind="projects").count() == 2
    project.refresh_from_db()
    assert project.status == Status.REVIEWED


def test_the_claim_says_it_came_from_the_project_and_its_reporters_do_not_review_it(world, units):
    project = led(world, units)
    first, second = project.milestones.all()
    services.report_milestone(actor=world.staff, milestone=first)
    services.report_milestone(actor=units.clinic_contact, milestone=second)
    project = services.complete_project(actor=units.clinic_contact, project=project)
    found = origins.origin_of(project.claim)
    assert found is not None and f"#{project.pk}" in found.text
    assert found.parties == frozenset({world.staff.pk, units.clinic_contact.pk})
    assert world.reviewer.pk not in found.parties


def test_only_a_unit_of_the_community_leads_its_projects(world, units):
    project = published(world, units)
    for region, name in ((world.compound, "江滨物业"), (world.town, "凤城镇政府")):
        unit = Organization.objects.create(region=region, name=name)
        OrganizationMember.objects.create(
            organization=unit, person=units.clinic_contact, is_contact=True
        )
        with pytest.raises(InvalidInput) as refused:
            services.lead_project(actor=units.clinic_contact, project=project, organization=unit)
        assert refused.value.code == "organization_elsewhere"
        with pytest.raises(InvalidInput):
            services.assign_lead(actor=world.staff, project=project, organization=unit)
    assert Project.objects.get(pk=project.pk).status == Status.OPEN
