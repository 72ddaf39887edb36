"""Demo 驻区单位 and 红色积分联盟, through the real services: 文昌's units get their kind
and a contact each (凤城供电所, 文昌小学, and 县人民医院, the demo party members'
employer); the three are in 文昌's alliance, each with unit service declared by its
contact and approved by the review group this quarter; 江滨物业 (when the incidents demo
made it) has asked to join and waits for staff; 文昌 lets units sponsor its points
supermarket (赞助积分超市), and 凤城供电所 has done so once.

Made once: seeding again finds 文昌's alliance and adds nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from jifen.claims import services as claims
from jifen.people.models import Organization, OrganizationKind, OrganizationMember, Person
from jifen.people.services import add_organization_member
from jifen.points.models import RuleItem
from jifen.regions.models import Region
from jifen.units import services
from jifen.units.models import AllianceMembership

WENCHANG, COUNTY = "350524100001", "350524"
STAFF, REVIEWER = "13800000002", "13800000003"  # 陈文昌 and 黄审核, printed with the logins
# name, kind, contact (a 文昌 demo volunteer's phone), hours of 环境清扫 declared
UNITS = [
    ("凤城供电所", OrganizationKind.ENTERPRISE, "13901000130", 4),
    ("文昌小学", OrganizationKind.SCHOOL, "13901000131", 3),
    ("县人民医院", OrganizationKind.SCHOOL, "13901000132", 2),
]
APPLICANT = ("江滨物业", OrganizationKind.PROPERTY, "13901000141")


def _unit(staff: Person, wenchang: Region, name: str, kind: str, contact: Person) -> Organization:
    org = Organization.objects.filter(region=wenchang, name=name).first()
    if org is None:
        return services.create_unit(
            actor=staff, community=wenchang, name=name, kind=kind, contacts=[contact]
        )
    if org.kind != kind:
        services.edit_unit(actor=staff, organization=org, kind=kind)
    member = OrganizationMember.objects.filter(organization=org, person=contact).first()
    if member is None or not member.is_contact:
        services.add_contact(actor=staff, organization=org, person=contact)
    return org


@transaction.atomic
def seed() -> int:
    """Returns how many units it put in the alliance (0 when 文昌 has one already)."""
    wenchang = Region.objects.filter(code=WENCHANG).first()
    staff = Person.objects.filter(phone=STAFF).first()
    reviewer = Person.objects.filter(phone=REVIEWER).first()
    if (
        wenchang is None
        or staff is None
        or reviewer is None
        or AllianceMembership.objects.filter(community=wenchang).exists()
    ):
        return 0
    item = RuleItem.objects.filter(region__code=COUNTY, code="JC01").first()
    yesterday = timezone.localdate() - timedelta(days=1)
    allied = 0
    for name, kind, phone, hours in UNITS:
        contact = Person.objects.filter(phone=phone).first()
        if contact is None:
            continue
        org = _unit(staff, wenchang, name, kind, contact)
        if item is not None:
            claim = claims.declare_service(
                actor=contact,
                rule_item_id=item.pk,
                quantity=hours,
                occurred_on=yesterday,
                description=f"{name}志愿者参与社区环境整治",
                organization=org,
            )
            claims.approve_claim(claim=claim, reviewer=reviewer)
        membership = services.request_join(
            actor=contact, organization=org, note="愿意加入红色积分联盟，共驻共建"
        )
        services.accept(actor=staff, membership=membership)
        allied += 1
    name, kind, phone = APPLICANT
    applicant = Person.objects.filter(phone=phone).first()
    if applicant is not None:
        found = Organization.objects.filter(region=wenchang, name=name).first()
        if found is not None:
            if not OrganizationMember.objects.filter(organization=found, person=applicant).exists():
                add_organization_member(actor=staff, organization=found, person=applicant)
            found = _unit(staff, wenchang, name, kind, applicant)
            services.request_join(actor=applicant, organization=found, note="物业公司申请加入")
    use = services.save_use(
        actor=staff,
        community=wenchang,
        name="赞助积分超市",
        description="单位积分用于赞助积分超市的兑换物品（米、油、日用品）",
    )
    sponsor = Organization.objects.filter(region=wenchang, name=UNITS[0][0]).first()
    contact = Person.objects.filter(phone=UNITS[0][2]).first()
    if item is not None and sponsor is not None and contact is not None:
        services.spend(actor=contact, organization=sponsor, use=use, amount=20, memo="购置大米10袋")
    return allied
