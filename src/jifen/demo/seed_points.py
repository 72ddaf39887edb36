"""Demo points: the county's point items and three months of checked service.

Service is priced by the item version in force on its date and posted through the
ledger like any award; bonuses then come from the same ``jifen tick`` code a
community runs. Keys make every step idempotent.
"""

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from jifen.claims.models import Claim, Decision, Provenance, Review, Source
from jifen.claims.models import Status as ClaimStatus
from jifen.people.models import Person
from jifen.points import services
from jifen.points.ledger import Posting, account_for, post_many, system_account
from jifen.points.models import AccountKind, RuleItem, Transfer, TransferKind, Unit
from jifen.points.settlement import Month, settle
from jifen.regions.models import Region

ITEMS = [
    # code, name, category, unit, points per unit
    ("JC01", "环境清扫、秩序维护", "基础志愿服务", Unit.HOUR, 10),
    ("BF01", "帮扶独居老人", "扶老助残", Unit.HOUR, 10),
    ("XL01", "平安巡逻", "平安建设", Unit.HOUR, 10),
    ("JN01", "义诊、义剪、家电维修", "专业技能服务", Unit.HOUR, 20),
    ("YJ01", "防汛抗台、紧急救援", "应急救援", Unit.HOUR, 20),
    ("TJ01", "邻里矛盾调解", "邻里互助", Unit.TIME, 5),
]


def _ensure_items(county: Region, start: date) -> list[RuleItem]:
    for code, name, category, unit, points in ITEMS:
        if not RuleItem.objects.filter(region=county, code=code).exists():
            services.save_rule_item(
                actor=None,
                region=county,
                code=code,
                name=name,
                category=category,
                unit=unit,
                points=points,
                effective_from=start,
            )
    patrol = RuleItem.objects.get(region=county, code="XL01")
    if patrol.versions.count() == 1:
        # One adjustment this year: night patrols became a specialised service.
        services.save_rule_item(
            actor=None,
            region=county,
            code="XL01",
            name="平安巡逻（含夜间）",
            category="平安建设",
            unit=Unit.HOUR,
            points=20,
            effective_from=Month.of(timezone.localdate()).first_day,
            note="夜间巡逻纳入专项服务，按20分/小时计",
        )
    return list(RuleItem.objects.filter(region=county).order_by("code"))


def _post_checked(
    checked: list[Claim],
    postings: list[Posting],
    reviewers_of: Callable[[Region], tuple[Person, Person]],
) -> None:
    """The approved claims and the points they posted, linked both ways as approval links
    them (``claims.services``), in a few statements for the whole demo."""
    created_at = [claim.created_at for claim in checked]
    Claim.objects.bulk_create(checked)  # auto_now_add stamps now: dated again below
    for claim, at in zip(checked, created_at, strict=True):
        claim.created_at = at
    for claim, posting in zip(checked, postings, strict=True):
        posting.source_id = claim.pk
    post_many(postings)
    transfers = dict(
        Transfer.objects.filter(idempotency_key__in=[p.key for p in postings]).values_list(
            "idempotency_key", "pk"
        )
    )
    for claim, posting in zip(checked, postings, strict=True):
        claim.transfer_id = transfers[posting.key]
    Claim.objects.bulk_update(checked, ["created_at", "transfer"], batch_size=500)
    Review.objects.bulk_create(
        Review(claim=claim, reviewer=reviewer, decision=Decision.APPROVE)
        for claim in checked
        for reviewer in reviewers_of(claim.community)[: claim.approvals_needed]
    )


def seed_demo_points(volunteers: dict[str, list[Person]]) -> None:
    county = Region.objects.get(code="350524")
    this_month = Month.of(timezone.localdate())
    months = [
        this_month.previous().previous().previous(),
        this_month.previous().previous(),
        this_month.previous(),
    ]
    items = _ensure_items(county, months[0].first_day)
    rng = random.Random(7)  # noqa: S311 - demo data
    zone = ZoneInfo(settings.TIME_ZONE)
    postings = []
    # The demo volunteer login has served every month too.
    demo_volunteer = Person.objects.get(phone="13900000001")
    volunteers = {
        code: ([demo_volunteer] if code == demo_volunteer.community.code else []) + people
        for code, people in volunteers.items()
    }
    posted = set(
        Transfer.objects.filter(idempotency_key__startswith="demo:award:").values_list(
            "idempotency_key", flat=True
        )
    )
    wenchang_staff, wanmei_staff = (
        Person.objects.get(phone="13800000002"),
        Person.objects.get(phone="13800000007"),
    )
    staff = {
        code: wenchang_staff if code.startswith("350524100") else wanmei_staff
        for code in volunteers
    }
    # 文昌's review group checks its own; elsewhere the county's administrator and the staff.
    admin = Person.objects.get(phone="13800000001")
    reviewers = {
        "350524100001": (
            Person.objects.get(phone="13800000003"),
            Person.objects.get(phone="13800000004"),
        )
    }
    checked: list[Claim] = []
    for code, people in volunteers.items():
        issuer = system_account(Region.objects.get(code=code), AccountKind.ISSUER)
        for index, person in enumerate(people[:32]):
            active_months = months if index % 3 else months[1:]
            for month in active_months:
                for n in range(1 + index % 2):
                    item = rng.choice(items)
                    day = month.first_day + timedelta(days=rng.randrange(0, 27))
                    version = services.price(item, day)
                    quantity = rng.choice([1, 1.5, 2, 3]) if version.unit == Unit.HOUR else 1
                    key = f"demo:award:{person.pk}:{month}:{n}"
                    if key in posted:
                        continue
                    memo = f"{version.name} {quantity:g}" + (
                        "小时" if version.unit == Unit.HOUR else "次"
                    )
                    at = datetime.combine(day + timedelta(days=1), time(10), zone)
                    # The service as the review group checked it: a claim entered by staff
                    # from the paper sheet and approved, so its hours are verified hours.
                    checked.append(
                        Claim(
                            person=person,
                            community=person.community,
                            rule_version=version,
                            quantity=Decimal(str(quantity)),
                            occurred_on=day,
                            description=memo,
                            points=int(quantity * version.points),
                            source=Source.STAFF,
                            provenance=Provenance.ON_SITE,
                            status=ClaimStatus.APPROVED,
                            created_by=staff[code],
                            created_at=at - timedelta(hours=20),
                            decided_at=at,
                            approvals_needed=2 if quantity * version.points >= 50 else 1,
                        )
                    )
                    postings.append(
                        Posting(
                            debit=issuer,
                            credit=account_for(person),
                            amount=int(quantity * version.points),
                            kind=TransferKind.AWARD,
                            key=key,
                            rule_version=version,
                            service_date=day,
                            source_type="claim",
                            memo=memo,
                            created_at=at,
                        )
                    )
    _post_checked(checked, postings, lambda c: reviewers.get(c.code, (admin, staff[c.code])))
    for people in volunteers.values():
        for person in people[:32]:
            if person.referrer_id:
                services.referral_bonus(referee=person, actor=None)
    settle(timezone.localdate())
