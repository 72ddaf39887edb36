"""``jifen seed demo``: a county with towns, communities, people and roles. Idempotent.

Regions and communities follow the public reports (安溪县, 文昌社区, 金悦社区, 湾美社区,
华阳社区); every person is invented.
"""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from jifen.demo.names import invented_names
from jifen.demo.seed_activities import seed_demo_activities
from jifen.demo.seed_claims import seed_demo_claims
from jifen.demo.seed_contests import seed as seed_demo_contests
from jifen.demo.seed_deliberation import seed_demo_deliberations
from jifen.demo.seed_disclosure import seed_demo_disclosures
from jifen.demo.seed_incidents import seed_demo_incidents
from jifen.demo.seed_messages import seed_demo_messages
from jifen.demo.seed_party import seed as seed_demo_party
from jifen.demo.seed_points import seed_demo_points
from jifen.demo.seed_projects import seed as seed_demo_projects
from jifen.demo.seed_property_review import seed as seed_demo_property_review
from jifen.demo.seed_publicity import seed_demo_publicity
from jifen.demo.seed_requests import seed_demo_requests
from jifen.demo.seed_shop import seed_demo_shop
from jifen.demo.seed_todo import seed_demo_todo
from jifen.demo.seed_units import seed as seed_demo_units
from jifen.demo.seed_witness import seed as seed_demo_witness
from jifen.people import services
from jifen.people.models import Merchant, Organization, Person, Proxy, Role, Team
from jifen.regions.models import Region
from jifen.regions.services import add_region

DEMO_PASSWORD = "jifen-demo"  # noqa: S105 - printed for the demo on purpose

REGIONS = [
    # code, name, level, parent
    ("350524", "安溪县", "county", None),
    ("350524100", "凤城镇", "town", "350524"),
    ("350524100001", "文昌社区", "community", "350524100"),
    ("350524100001001", "江滨花园小区", "compound", "350524100001"),
    ("350524100001001001", "江滨花园第一网格", "grid", "350524100001001"),
    ("350524100001001002", "江滨花园第二网格", "grid", "350524100001001"),
    ("350524100001901", "东片网格", "grid", "350524100001"),
    ("350524100001902", "西片网格", "grid", "350524100001"),
    ("350524100002", "金悦社区", "community", "350524100"),
    ("350524100002001", "金悦花园小区", "compound", "350524100002"),
    ("350524100002001001", "金悦第一网格", "grid", "350524100002001"),
    ("350524106", "参内镇", "town", "350524"),
    ("350524106001", "湾美社区", "community", "350524106"),
    ("350524106001001", "睦邻小区", "compound", "350524106001"),
    ("350524106001001001", "睦邻第一网格", "grid", "350524106001001"),
    ("350524106001901", "南片网格", "grid", "350524106001"),
    ("350524106002", "华阳社区", "community", "350524106"),
    ("350524106002001", "华阳新村", "compound", "350524106002"),
]

COMMUNITIES = {
    "350524100001": ("文昌社区", "江滨花园"),
    "350524100002": ("金悦社区", "金悦花园"),
    "350524106001": ("湾美社区", "睦邻小区"),
    "350524106002": ("华阳社区", "华阳新村"),
}


@dataclass(frozen=True)
class Login:
    phone: str
    name: str
    what: str
    community: str | None
    role: str | None = None
    region: str | None = None


LOGINS = [
    Login("13800000001", "林县管", "admin · 安溪县", None, Role.ADMIN, "350524"),
    Login("13800000002", "陈文昌", "staff · 文昌社区", "350524100001", Role.STAFF, "350524100001"),
    Login(
        "13800000003",
        "黄审核",
        "reviewer · 文昌社区",
        "350524100001",
        Role.REVIEWER,
        "350524100001",
    ),
    Login(
        "13800000004",
        "郑复核",
        "reviewer · 文昌社区",
        "350524100001",
        Role.REVIEWER,
        "350524100001",
    ),
    Login(
        "13800000005",
        "苏理发",
        "merchant · 文昌社区",
        "350524100001",
        Role.MERCHANT,
        "350524100001",
    ),
    Login("13800000006", "大屏幕", "kiosk · 文昌社区", None, Role.KIOSK, "350524100001"),
    Login("13800000007", "李湾美", "staff · 湾美社区", "350524106001", Role.STAFF, "350524106001"),
    Login("13800000008", "吴凤城", "admin · 凤城镇", None, Role.ADMIN, "350524100"),
    Login(
        "13800000009", "郑网格", "grid · 文昌东片网格", "350524100001", Role.GRID, "350524100001901"
    ),
    Login("13800000010", "许巡察", "inspector · 安溪县", None, Role.INSPECTOR, "350524"),
    Login(
        "13900000001",
        "蔡雅琴",
        "volunteer · 文昌社区 · unit contact, judge, panel",
        "350524100001",
    ),
]

VOLUNTEERS_PER_COMMUNITY = 50


def _ensure_regions() -> None:
    for code, name, level, parent in REGIONS:
        if not Region.objects.filter(code=code).exists():
            add_region(actor=None, code=code, name=name, level=level, parent_code=parent)


def _ensure_person(phone: str, name: str, community: str | None) -> Person:
    person = Person.objects.filter(phone=phone).first()
    if person is None:
        region = Region.objects.get(code=community) if community else None
        person = services.create_person_from_cli(
            name=name, phone=phone, password="", community=region
        )
    return person


@transaction.atomic
def seed_demo() -> list[Login]:
    _ensure_regions()
    for login in LOGINS:
        person = _ensure_person(login.phone, login.name, login.community)
        if login.role and login.region:
            services.grant_role(
                actor=None,
                person=person,
                role=login.role,
                region=Region.objects.get(code=login.region),
            )
    staff_by_community = {
        "350524100001": Person.objects.get(phone="13800000002"),
        "350524100002": Person.objects.get(phone="13800000002"),
        "350524106001": Person.objects.get(phone="13800000007"),
        "350524106002": Person.objects.get(phone="13800000007"),
    }
    # 文昌's staff member also serves 金悦 next door, 湾美's also serves 华阳.
    services.grant_role(
        actor=None,
        person=staff_by_community["350524100002"],
        role=Role.STAFF,
        region=Region.objects.get(code="350524100002"),
    )
    services.grant_role(
        actor=None,
        person=staff_by_community["350524106002"],
        role=Role.STAFF,
        region=Region.objects.get(code="350524106002"),
    )

    names = invented_names(VOLUNTEERS_PER_COMMUNITY * len(COMMUNITIES))
    volunteers: dict[str, list[Person]] = {}
    for c_index, (code, (_name, compound)) in enumerate(COMMUNITIES.items()):
        community = Region.objects.get(code=code)
        staff = staff_by_community[code]
        people = []
        for i in range(VOLUNTEERS_PER_COMMUNITY):
            phone = f"139{c_index + 1:02d}{i + 100:06d}"
            person = Person.objects.filter(phone=phone).first()
            if person is None:
                details = {
                    "household_label": f"{compound}{i // 12 + 1}栋{(i % 12) // 3 + 1}0{i % 3 + 1}",
                    "is_party_member": i % 5 == 0,
                    "is_reporting_party_member": i % 10 == 0,
                    "employer": "县人民医院" if i % 10 == 0 else "",
                    "is_veteran": i % 17 == 0,
                }
                referrer = people[i - 1] if i % 7 == 6 else None
                person = services.register_by_staff(
                    actor=staff,
                    name=names[c_index * VOLUNTEERS_PER_COMMUNITY + i],
                    phone=phone,
                    community=community,
                    referrer=referrer,
                    **details,
                )
                if i % 4 != 3:  # most have agreed at their first login; some not yet
                    services.record_consent(person=person)
            people.append(person)
        volunteers[code] = people

    # One hash for every demo account (hashing 200 passwords one by one takes minutes),
    # given only to demo accounts that have no usable password yet.
    demo_ids = [p.pk for people in volunteers.values() for p in people]
    demo_ids += Person.objects.filter(phone__in=[login.phone for login in LOGINS]).values_list(
        "pk", flat=True
    )
    unusable = {"password__startswith": "!"}
    Person.objects.filter(pk__in=demo_ids, **unusable).update(password=make_password(DEMO_PASSWORD))

    wenchang = Region.objects.get(code="350524100001")
    wanmei = Region.objects.get(code="350524106001")
    staff_wc, staff_wm = staff_by_community["350524100001"], staff_by_community["350524106001"]
    if not Team.objects.filter(region=wenchang).exists():
        team = services.create_team(
            actor=staff_wc,
            region=wenchang,
            name="文昌社区环境卫生志愿服务队",
            leader=volunteers["350524100001"][0],
        )
        for person in volunteers["350524100001"][1:12]:
            services.add_team_member(actor=staff_wc, team=team, person=person)
        small = services.create_team(
            actor=staff_wc,
            region=wenchang,
            name="文昌社区文艺队",
            leader=volunteers["350524100001"][20],
        )
        for person in volunteers["350524100001"][21:25]:
            services.add_team_member(actor=staff_wc, team=small, person=person)
    if not Team.objects.filter(region=wanmei).exists():
        team = services.create_team(
            actor=staff_wm,
            region=wanmei,
            name="湾美社区应急救援队",
            leader=volunteers["350524106001"][0],
        )
        for person in volunteers["350524106001"][1:15]:
            services.add_team_member(actor=staff_wm, team=team, person=person)
    if not Organization.objects.filter(region=wenchang).exists():
        org = services.create_organization(actor=staff_wc, region=wenchang, name="凤城供电所")
        services.add_organization_member(
            actor=staff_wc, organization=org, person=volunteers["350524100001"][30], is_contact=True
        )
        services.create_organization(actor=staff_wc, region=wenchang, name="文昌小学")
    if not Organization.objects.filter(region=wanmei).exists():
        services.create_organization(actor=staff_wm, region=wanmei, name="参内镇卫生院")
    if not Merchant.objects.filter(region=wenchang).exists():
        services.create_merchant(
            actor=staff_wc,
            region=wenchang,
            name="文昌爱心理发店",
            address="文昌路18号",
            operators=[Person.objects.get(phone="13800000005")],
        )
        services.create_merchant(
            actor=staff_wc, region=wenchang, name="江滨便民超市", address="江滨路66号"
        )
    elder = volunteers["350524100001"][40]
    if not Proxy.objects.filter(principal=elder).exists():
        services.add_proxy(
            actor=staff_wc,
            principal=elder,
            agent=Person.objects.get(phone="13900000001"),
            relation="女儿",
        )
    seed_demo_points(volunteers)
    seed_demo_claims(volunteers)
    seed_demo_activities(volunteers)
    seed_demo_shop(volunteers)
    seed_demo_publicity()
    seed_demo_todo(volunteers)
    seed_demo_requests(volunteers)
    seed_demo_incidents(volunteers)
    seed_demo_messages()
    seed_demo_disclosures()
    seed_demo_deliberations()
    # Units first (their contacts and points), then what units lead, report and enter.
    seed_demo_units()
    seed_demo_projects()
    seed_demo_party()
    seed_demo_contests()
    seed_demo_property_review()
    # Last: the county signs the checkpoint of every seal above.
    seed_demo_witness()
    return LOGINS
