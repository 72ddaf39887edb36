"""Rows for the to-do, written straight to the tables: the inbox only reads, and each
domain's services are tested in its own folder. Built on ``world`` (tests/conftest.py):
文昌 and 金悦 in 凤城镇, 湾美 in 参内镇."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from jifen.activities.models import Activity, Signup, SignupStatus
from jifen.activities.models import Status as ActivityStatus
from jifen.claims.models import Appeal, AppealStatus, Claim, Decision, Provenance, Review, Source
from jifen.claims.models import Status as ClaimStatus
from jifen.contests.models import Contest, Entry, Judge, Stage
from jifen.contests.models import Event as ContestEvent
from jifen.deliberation.models import Action, Matter, Tier
from jifen.deliberation.models import Status as MatterStatus
from jifen.disclosure.models import Frequency, Schedule
from jifen.imports.models import Approval, Batch, BatchStatus, Kind
from jifen.incidents.models import Category, Incident
from jifen.incidents.models import Status as IncidentStatus
from jifen.messages.models import Message, Topic
from jifen.messages.models import Status as MessageStatus
from jifen.party.models import Report, Service, ServiceKind, ServiceStatus
from jifen.people.models import (
    Merchant,
    Organization,
    OrganizationKind,
    OrganizationMember,
    Person,
    Role,
    RoleGrant,
)
from jifen.points.models import ImportApproval, RuleVersion
from jifen.points.services import save_rule_item
from jifen.projects.models import Milestone, Need, NeedSource, NeedStatus, Project
from jifen.projects.models import Status as ProjectStatus
from jifen.property_review import models as review
from jifen.publicity.models import Announcement, Objection, ObjectionStatus
from jifen.regions.models import Region
from jifen.requests.models import MenuItem, ServiceRequest
from jifen.requests.models import Status as RequestStatus
from jifen.shop.models import Item, Redemption
from jifen.shop.models import Status as OrderStatus
from jifen.units.models import AllianceMembership, AllianceStatus
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import World, make_person


def ago(**delta: float) -> datetime:
    return timezone.now() - timedelta(**delta)


@dataclass
class Estate:
    """An open 物业互评 round of 文昌: its checklist of one item, 江滨花园 managed by the
    inspected company, and one inspection of it by another company (no panel)."""

    round: review.Round
    compound: review.Compound
    inspected: review.Company
    inspection: review.Inspection


@dataclass
class Make:
    """Short ways to put one row of each kind the to-do counts."""

    world: World
    version: RuleVersion
    item: Item
    # Made on first use by a test that needs them (the browser tests make their own Make).
    menu_item: MenuItem | None = None
    incident_category: Category | None = None
    topic: Topic | None = None
    estate: Estate | None = None
    # Units, contests and property companies are named apart: 驻区单位1, 驻区单位2 …
    numbers: Iterator[int] = field(default_factory=lambda: count(1))

    def claim(
        self,
        person: Person | None = None,
        *,
        community: Region | None = None,
        status: str = ClaimStatus.PENDING,
        created: datetime | None = None,
        decided: datetime | None = None,
        needed: int = 1,
        created_by: Person | None = None,
    ) -> Claim:
        person = person or self.world.resident
        claim = Claim.objects.create(
            person=person,
            community=community or person.community,
            rule_version=self.version,
            quantity=Decimal("2"),
            occurred_on=timezone.localdate() - timedelta(days=1),
            points=20,
            source=Source.DECLARED,
            provenance=Provenance.DECLARED,
            approvals_needed=needed,
            status=status,
            created_by=created_by or person,
            decided_at=decided,
        )
        if created is not None:
            Claim.objects.filter(pk=claim.pk).update(created_at=created)
            claim.refresh_from_db()
        return claim

    def approve(self, claim: Claim, reviewer: Person) -> Review:
        return Review.objects.create(claim=claim, reviewer=reviewer, decision=Decision.APPROVE)

    def appeal(
        self,
        claim: Claim,
        *,
        status: str = AppealStatus.OPEN,
        filed: datetime | None = None,
        decided: datetime | None = None,
    ) -> Appeal:
        appeal = Appeal.objects.create(
            claim=claim,
            reason="时长少算了一小时",
            filed_by=claim.person,
            status=status,
            decided_at=decided,
            note="已核实" if decided else "",
        )
        if filed is not None:
            Appeal.objects.filter(pk=appeal.pk).update(filed_at=filed)
        return appeal

    def activity(
        self,
        region: Region | None = None,
        *,
        status: str = ActivityStatus.PUBLISHED,
        starts: datetime | None = None,
        hours: float = 2,
        created: datetime | None = None,
    ) -> Activity:
        starts = starts or timezone.now() + timedelta(days=3)
        activity = Activity.objects.create(
            title="清理楼道",
            region=region or self.world.wenchang,
            place="3 号楼",
            rule_item=self.version.item,
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
            capacity=20,
            organiser=self.world.staff,
            status=status,
        )
        if created is not None:
            Activity.objects.filter(pk=activity.pk).update(created_at=created)
        return activity

    def signup(
        self, activity: Activity, person: Person | None = None, status: str = SignupStatus.CONFIRMED
    ) -> Signup:
        return Signup.objects.create(
            activity=activity, person=person or self.world.resident, status=status
        )

    def order(
        self,
        person: Person | None = None,
        *,
        status: str = OrderStatus.RESERVED,
        merchant: Merchant | None = None,
        created: datetime | None = None,
        expires: datetime | None = None,
    ) -> Redemption:
        person = person or self.world.resident
        order = Redemption.objects.create(
            person=person,
            item=self.item,
            community=person.community,
            merchant=merchant,
            quantity=1,
            points=10,
            status=status,
            expires_at=expires or timezone.now() + timedelta(days=14),
            fulfilled_at=timezone.now() if status == OrderStatus.FULFILLED else None,
        )
        if created is not None:
            Redemption.objects.filter(pk=order.pk).update(created_at=created)
        return order

    def announcement(self, community: Region | None = None, month: str = "2026-01") -> Announcement:
        return Announcement.objects.create(
            community=community or self.world.wenchang,
            month=month,
            status="published",
            published_at=timezone.now(),
            objections_until=timezone.now() + timedelta(days=7),
            seal="a" * 64,
            root="b" * 64,
            leaf_count=0,
        )

    def objection(
        self,
        announcement: Announcement,
        person: Person | None = None,
        *,
        answered: datetime | None = None,
        created: datetime | None = None,
    ) -> Objection:
        objection = Objection.objects.create(
            announcement=announcement,
            person=person or self.world.resident,
            text="我 1 月 5 日的服务没有记上",
            status=ObjectionStatus.ANSWERED if answered else ObjectionStatus.OPEN,
            answer="已补记" if answered else "",
            answered_at=answered,
        )
        if created is not None:
            Objection.objects.filter(pk=objection.pk).update(created_at=created)
        return objection

    def import_batch(
        self,
        *,
        community: Region | None = None,
        by: Person | None = None,
        approval: str = ImportApproval.REVIEW,
        status: str = BatchStatus.PENDING,
        created: datetime | None = None,
        approved_by: Person | None = None,
    ) -> Batch:
        """A history import waiting for approval (its entries do not matter to the to-do)."""
        batch = Batch.objects.create(
            community=community or self.world.wenchang,
            kind=Kind.HISTORY,
            rows=3,
            created=3,
            points=60,
            status=status,
            approval=approval,
            approvals_needed=2,
            created_by=by or self.world.staff,
        )
        if approved_by is not None:
            Approval.objects.create(batch=batch, approver=approved_by, approve=True)
        if created is not None:
            Batch.objects.filter(pk=batch.pk).update(created_at=created)
            batch.refresh_from_db()
        return batch

    def request(
        self,
        requester: Person,
        *,
        status: str = RequestStatus.SUBMITTED,
        assignee: Person | None = None,
        due_on: date | None = None,
        done_at: datetime | None = None,
    ) -> ServiceRequest:
        """A service request of 文昌 in that status (the steps do not matter to the to-do)."""
        if self.menu_item is None:
            self.menu_item = MenuItem.objects.create(
                region=self.world.county,
                code="REPAIR",
                name="家电维修",
                group="生活帮扶",
                rule_item=self.version.item,
                points=10,
                max_points=30,
            )
        return ServiceRequest.objects.create(
            community=self.world.wenchang,
            menu_item=self.menu_item,
            title="修水龙头",
            requester=requester,
            entered_by=requester,
            status=status,
            points=10 if status != RequestStatus.SUBMITTED else None,
            assignee=assignee,
            assigned_at=timezone.now() if assignee else None,
            due_on=due_on,
            done_at=done_at,
        )

    def incident(
        self,
        *,
        status: str = IncidentStatus.REPORTED,
        reporter: Person | None = None,
        assignee: Person | None = None,
        due_at: datetime | None = None,
    ) -> Incident:
        """An incident of 文昌 in that status (the steps do not matter to the to-do)."""
        w = self.world
        if self.incident_category is None:
            self.incident_category = Category.objects.create(
                region=w.county, code="HJWS", name="环境卫生"
            )
        return Incident.objects.create(
            region=w.wenchang,
            community=w.wenchang,
            category=self.incident_category,
            description="路灯不亮",
            source="resident",
            reporter=reporter,
            status=status,
            tier="community",
            handling_region=w.wenchang,
            assignee=assignee,
            accepted_at=timezone.now() - timedelta(days=5) if due_at else None,
            due_at=due_at,
            resolved_at=timezone.now() if status == IncidentStatus.RESOLVED else None,
        )

    def message(
        self,
        author: Person,
        *,
        status: str = MessageStatus.OPEN,
        due_at: datetime | None = None,
        answered_at: datetime | None = None,
    ) -> Message:
        """A message to 文昌 in that status (the steps do not matter to the to-do)."""
        w = self.world
        if self.topic is None:
            self.topic = Topic.objects.create(region=w.county, code="zixun", name="政策咨询")
        due = due_at or timezone.now() + timedelta(days=3)
        return Message.objects.create(
            region=w.wenchang,
            handling_region=w.wenchang,
            author=author,
            topic=self.topic,
            body="楼道灯坏了",
            status=status,
            due_at=due,
            first_due_at=due,
            first_answered_at=answered_at,
            answered_at=answered_at,
        )

    def schedule(self, region: Region) -> Schedule:
        """A monthly finance disclosure due since long ago: every month of it missing."""
        return Schedule.objects.create(
            region=region,
            category="finance",
            frequency=Frequency.MONTHLY,
            starts_on=date(2025, 1, 1),
        )

    def matter(
        self,
        *,
        status: str = MatterStatus.VOTING,
        closes_at: datetime | None = None,
        action_due: date | None = None,
    ) -> Matter:
        """A residents' poll of 文昌 in that status, with an unfinished action due then."""
        w = self.world
        matter = Matter.objects.create(
            region=w.wenchang,
            community=w.wenchang,
            tier=Tier.SIMPLE,
            status=status,
            title="加装电梯",
            created_by=w.staff,
            opens_at=ago(days=1),
            closes_at=closes_at or timezone.now() + timedelta(days=2),
            decision="同意加装" if status == MatterStatus.DECIDED else "",
        )
        if action_due is not None:
            Action.objects.create(
                matter=matter, title="报价", owner_person=w.staff, due_on=action_due
            )
        return matter

    # --- Units, the three lists, reporting home, contests, property peer review ---------------

    def unit(
        self,
        contact: Person | None = None,
        *,
        region: Region | None = None,
        kind: str = OrganizationKind.OTHER,
    ) -> Organization:
        """A unit based in 文昌 (or ``region``), with ``contact`` as its contact."""
        org = Organization.objects.create(
            region=region or self.world.wenchang, name=f"驻区单位{next(self.numbers)}", kind=kind
        )
        if contact is not None:
            OrganizationMember.objects.create(organization=org, person=contact, is_contact=True)
        return org

    def alliance_request(
        self, *, community: Region | None = None, requested: datetime | None = None
    ) -> AllianceMembership:
        """A new unit asking to join the community's 红色积分联盟."""
        return AllianceMembership.objects.create(
            organization=self.unit(),
            community=community or self.world.wenchang,
            status=AllianceStatus.REQUESTED,
            requested_at=requested or timezone.now(),
        )

    def need(
        self,
        *,
        community: Region | None = None,
        status: str = NeedStatus.OPEN,
        created: datetime | None = None,
    ) -> Need:
        """A need of 文昌 on the needs list (taken by the staff member when not open)."""
        need = Need.objects.create(
            community=community or self.world.wenchang,
            title="楼道扶手",
            source=NeedSource.VISIT,
            status=status,
            claimed_by=None if status == NeedStatus.OPEN else self.world.staff,
            claimed_at=None if status == NeedStatus.OPEN else timezone.now(),
            created_by=self.world.staff,
        )
        if created is not None:
            Need.objects.filter(pk=need.pk).update(created_at=created)
        return need

    def project(
        self,
        lead: Organization,
        *,
        status: str = ProjectStatus.LED,
        due_on: date | None = None,
        community: Region | None = None,
    ) -> Project:
        """A micro-project of 文昌 led by ``lead``, with one milestone not reported, due then."""
        project = Project.objects.create(
            community=community or self.world.wenchang,
            title="加装扶手",
            status=status,
            lead_organization=lead,
            led_at=timezone.now(),
            created_by=self.world.staff,
        )
        Milestone.objects.create(project=project, title="采购材料", due_on=due_on)
        return project

    def home_service(
        self,
        person: Person,
        employer: Organization,
        *,
        status: str = ServiceStatus.PENDING,
        community: Region | None = None,
    ) -> Service:
        """The person reports home to 文昌 (once) and a claim of theirs is marked as
        reporting home, in working hours: waiting for staff's approval."""
        community = community or self.world.wenchang
        report = Report.objects.filter(person=person, status="active").first()
        if report is None:
            report = Report.objects.create(
                person=person,
                community=community,
                employer=employer,
                started_on=date(2026, 6, 1),
            )
        claim = self.claim(person, community=community, status=ClaimStatus.APPROVED)
        return Service.objects.create(
            report=report,
            person=person,
            community=community,
            employer=employer,
            kind=ServiceKind.CLAIM,
            claim=claim,
            day=claim.occurred_on,
            working_hours=status == ServiceStatus.PENDING,
            status=status,
        )

    def contest(self, *, stage: str = Stage.SUBMISSION, due_on: date | None = None) -> Contest:
        """A contest of 文昌 in that stage, the stage due on ``due_on``."""
        dates: dict[str, str] = {
            Stage.SUBMISSION: "submission_ends_on",
            Stage.REVIEW: "review_ends_on",
            Stage.FINAL: "final_on",
        }
        extra = {dates[stage]: due_on} if stage in dates else {}
        return Contest.objects.create(
            region=self.world.wenchang,
            title="“社工+志愿”服务项目大赛",
            stage=stage,
            created_by=self.world.staff,
            **extra,
        )

    def contest_to_judge(self, judge: Person, entries: int = 1) -> Contest:
        """A contest in its written review with ``judge`` named and ``entries`` entries
        submitted by units the judge has nothing to do with, none scored yet."""
        contest = self.contest(stage=Stage.REVIEW)
        Judge.objects.create(contest=contest, person=judge)
        for i in range(entries):
            Entry.objects.create(
                contest=contest,
                code=f"A{i + 1:03d}",
                organization=self.unit(),
                community=self.world.wenchang,
                submitted_by=self.world.staff,
                title="长者助餐",
                summary="为独居老人送餐",
            )
        ContestEvent.objects.create(
            contest=contest, step="start_review", from_stage=Stage.SUBMISSION, to_stage=Stage.REVIEW
        )
        return contest

    def property_estate(self) -> Estate:
        """The open round of 文昌 (made on first use)."""
        if self.estate is None:
            w = self.world
            round_ = review.Round.objects.create(
                region=w.wenchang,
                quarter="2026Q4",
                title="2026 年第四季度物业互评",
                status=review.RoundStatus.OPEN,
                opened_at=ago(days=3),
                created_by=w.staff,
            )
            review.Item.objects.create(
                round=round_, group="环境卫生", title="楼道整洁", max_score=10
            )
            inspected = self.property_company(round_)
            compound = review.Compound.objects.create(
                round=round_, region=w.compound, company=inspected
            )
            inspection = review.Inspection.objects.create(
                round=round_,
                compound=compound,
                inspector=self.property_company(round_),
                inspected=inspected,
            )
            self.estate = Estate(round_, compound, inspected, inspection)
        return self.estate

    def property_company(self, round_: review.Round) -> review.Company:
        org = self.unit(kind=OrganizationKind.PROPERTY)
        return review.Company.objects.create(round=round_, organization=org)

    def property_contact(self, person: Person) -> review.Company:
        """The person becomes a contact of the inspected company."""
        company = self.property_estate().inspected
        OrganizationMember.objects.get_or_create(
            organization_id=company.organization_id, person=person, defaults={"is_contact": True}
        )
        return company

    def inspection(self, panel: Person) -> review.Inspection:
        """One more company inspects 江滨花园, ``panel`` on its panel, nothing scored."""
        estate = self.property_estate()
        inspection = review.Inspection.objects.create(
            round=estate.round,
            compound=estate.compound,
            inspector=self.property_company(estate.round),
            inspected=estate.inspected,
        )
        review.PanelMember.objects.create(
            inspection=inspection, person=panel, kind=review.PanelKind.OWNER
        )
        return inspection

    def finding(self, status: str = review.FindingStatus.RECORDED) -> review.Finding:
        """A finding of 江滨花园 (the inspected company's) in that status."""
        estate = self.property_estate()
        return review.Finding.objects.create(
            round=estate.round,
            inspection=estate.inspection,
            company=estate.inspected,
            compound=estate.compound,
            problem="楼道堆放杂物",
            status=status,
            reported_by=self.world.resident,
            fixed_at=timezone.now() if status == review.FindingStatus.FIXED else None,
        )


@pytest.fixture
def make(world: World) -> Make:
    version = save_rule_item(
        actor=None,
        region=world.county,
        code="BASIC",
        name="环境整治",
        category="邻里互助",
        unit="hour",
        points=10,
        effective_from=date(2020, 1, 1),
    )
    item = Item.objects.create(
        region=world.wenchang, name="洗洁精", points=10, stock=50, approved_at=timezone.now()
    )
    # Everybody of the world agreed to publication but the people a test registers.
    Person.objects.update(consent_at=timezone.now())
    return Make(world=world, version=version, item=item)


@pytest.fixture
def jinyue_reviewer(world: World) -> Person:
    """A reviewer next door (金悦, same town): sees nothing of 文昌."""
    person = make_person(world.jinyue, "何金审")
    RoleGrant.objects.create(person=person, role=Role.REVIEWER, region=world.jinyue)
    return person


@pytest.fixture
def shopkeeper(world: World) -> tuple[Person, Merchant]:
    """A partner merchant of 文昌 and its operator (no role needed)."""
    operator = make_person(world.wenchang, "苏店主")
    merchant = Merchant.objects.create(region=world.wenchang, name="苏记理发")
    merchant.operators.add(operator)
    return operator, merchant
