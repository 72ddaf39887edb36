"""Demo claims: a review queue with work in it, through the real claim services.

文昌社区's two reviewers find claims that waited from today to three weeks, a large
one with one approval waiting for the second (交叉复核), and the demo volunteer has
one approved, one pending and one rejected claim (which they may appeal).
"""

import random
from datetime import timedelta

from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.claims import services
from jifen.claims.models import Claim, Source
from jifen.people.models import Person
from jifen.points.models import RuleItem
from jifen.regions.models import Region

DESCRIPTIONS = [
    "清理江滨花园3栋楼道杂物",
    "陪同独居老人到卫生院复诊",
    "夜间平安巡逻，检查消防通道",
    "为邻居修理电饭煲和台灯",
    "协助社区开展防汛物资搬运",
    "调解5栋两户邻居漏水纠纷",
]


def _backdate(claim: Claim, days: int) -> None:
    """The claim and its creation event as if declared ``days`` ago."""
    at = timezone.now() - timedelta(days=days, hours=2)
    Claim.objects.filter(pk=claim.pk).update(created_at=at)
    AuditEvent.objects.filter(
        target_type=Claim._meta.label_lower, target_id=claim.pk, action="claims.claim.create"
    ).update(at=at)


def seed_demo_claims(volunteers: dict[str, list[Person]]) -> None:
    wenchang = Region.objects.get(code="350524100001")
    # (The months of checked service before it are approved claims too: seed_points.)
    if Claim.objects.filter(community=wenchang, source=Source.DECLARED).exists():
        return
    reviewer = Person.objects.get(phone="13800000003")
    second = Person.objects.get(phone="13800000004")
    demo_volunteer = Person.objects.get(phone="13900000001")
    items = {item.code: item for item in RuleItem.objects.filter(region__code="350524")}
    rng = random.Random(11)  # noqa: S311 - demo data
    today = timezone.localdate()

    def declare(person: Person, code: str, quantity: float, days_ago: int, waited: int) -> Claim:
        claim = services.declare_service(
            actor=person,
            rule_item_id=items[code].pk,
            quantity=quantity,
            occurred_on=today - timedelta(days=days_ago),
            description=rng.choice(DESCRIPTIONS),
        )
        _backdate(claim, waited)
        return claim

    # The queue: small claims of different ages, and large ones for the cross-check.
    people = volunteers["350524100001"][2:14]
    for n, person in enumerate(people):
        code = rng.choice(["JC01", "BF01", "TJ01"])
        declare(person, code, 1 if code == "TJ01" else rng.choice([1, 1.5, 2]), n + 1, n * 2)
    large = declare(people[0], "JN01", 3, 3, 2)  # 60 points: two reviewers
    services.approve_claim(claim=large, reviewer=reviewer)
    declare(people[1], "YJ01", 4, 5, 4)  # 80 points, no approval yet

    # The demo volunteer's own claims.
    approved = declare(demo_volunteer, "BF01", 2, 6, 5)
    services.approve_claim(claim=approved, reviewer=second)
    rejected = declare(demo_volunteer, "XL01", 2, 8, 7)
    services.reject_claim(
        claim=rejected,
        reviewer=reviewer,
        reason="当晚巡逻签到表上没有您的签名，请补充照片或同行队员证明",
    )
    declare(demo_volunteer, "JC01", 1.5, 1, 0)

    # 湾美社区 has a few waiting too.
    for n, person in enumerate(volunteers["350524106001"][2:6]):
        declare(person, "JC01", rng.choice([1, 2]), n + 1, n * 3)
