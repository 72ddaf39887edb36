"""Demo 物业互评, through the real services, in 文昌社区: three compounds (江滨花园小区, and
文昌花苑 and 滨江御景 added here) managed by three property companies (江滨物业 — the one the
incidents and deliberation demos know — 万家物业 and 福安物业), each with a demo volunteer
as its contact.

- 2026Q3: each company inspected the next one's compound with a panel of owners and
  party members; scored, closed and published; its findings in every state: verified,
  reported fixed (for staff to verify), being rectified, past its date, handed to the grid
  as an incident (when the incidents demo made its categories), and one not yet sorted.
- 2026Q4: planned from Q3 and open now; the demo volunteer 蔡雅琴 sits on a panel, so
  logging in as her shows an inspection to score on the phone.

Made once: seeding again finds 文昌's rounds and adds nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation

from jifen.incidents.selectors import category as incident_category
from jifen.people import services as people
from jifen.people.models import Organization, OrganizationKind, OrganizationMember, Person
from jifen.property_review import services
from jifen.property_review.models import Company, Compound, Finding, Round
from jifen.regions.models import Region
from jifen.regions.services import add_region

WENCHANG = "350524100001"
STAFF, VOLUNTEER = "13800000002", "13900000001"  # 陈文昌 and 蔡雅琴, printed with the logins
COMPOUNDS = [
    ("350524100001001", "江滨花园小区"),
    ("350524100001002", "文昌花苑"),
    ("350524100001003", "滨江御景"),
]
COMPANIES = ["江滨物业", "万家物业", "福安物业"]


def _compound(code: str, name: str) -> Region:
    found = Region.objects.filter(code=code).first()
    if found is not None:
        return found
    return add_region(actor=None, code=code, name=name, level="compound", parent_code=WENCHANG)


def _company(staff: Person, wenchang: Region, name: str, contact: Person | None) -> Organization:
    found = Organization.objects.filter(region=wenchang, name=name).first()
    if found is None:
        found = people.create_organization(actor=staff, region=wenchang, name=name)
    if found.kind != OrganizationKind.PROPERTY:
        Organization.objects.filter(pk=found.pk).update(kind=OrganizationKind.PROPERTY)
        found.kind = OrganizationKind.PROPERTY
    has_contact = OrganizationMember.objects.filter(organization=found, is_contact=True).exists()
    if contact is not None and not has_contact:
        people.add_organization_member(
            actor=staff, organization=found, person=contact, is_contact=True
        )
    return found


def _plan(round_: Round, staff: Person, panels: list[list[tuple[Person, str]]]) -> None:
    """Each company inspects the next one's compound (A → B → C → A)."""
    companies = list(Company.objects.filter(round=round_).order_by("id"))
    compounds = list(Compound.objects.filter(round=round_).order_by("id"))
    today = timezone.localdate()
    for n, inspector in enumerate(companies):
        services.plan_inspection(
            actor=staff,
            round=round_,
            compound=compounds[(n + 1) % len(compounds)],
            inspector=inspector,
            scheduled_on=today - timedelta(days=3 - n) if round_.quarter < "2026Q4" else today,
            panel=panels[n % len(panels)],
        )


@transaction.atomic
def seed() -> int:
    """Returns how many rounds it made (0 when 文昌 has some already)."""
    wenchang = Region.objects.filter(code=WENCHANG).first()
    staff = Person.objects.filter(phone=STAFF).first()
    if wenchang is None or staff is None or Round.objects.filter(region=wenchang).exists():
        return 0
    with translation.override("zh-hans"):
        return _seed(wenchang, staff)


def _seed(wenchang: Region, staff: Person) -> int:
    compounds = [_compound(code, name) for code, name in COMPOUNDS]
    volunteers = list(
        Person.objects.filter(community=wenchang, phone__startswith="13901").order_by("phone")
    )
    if len(volunteers) < 40:
        return 0
    contacts = [volunteers[41], volunteers[42], volunteers[43]]
    organizations = [
        _company(staff, wenchang, name, contact)
        for name, contact in zip(COMPANIES, contacts, strict=True)
    ]
    # Owners and party members (every fifth demo volunteer is one), none of the companies'.
    members = set(
        OrganizationMember.objects.filter(organization__in=organizations).values_list(
            "person_id", flat=True
        )
    )
    free = [p for p in volunteers[1:40] if p.pk not in members]
    party = [p for p in free if p.is_party_member]
    owners = [p for p in free if not p.is_party_member]
    panels = [
        [(owners[0], "owner"), (owners[1], "owner"), (party[0], "party")],
        [(owners[2], "owner"), (party[1], "party")],
        [(owners[3], "owner"), (owners[4], "owner"), (party[2], "party")],
    ]

    # 2026Q3: inspected, scored, published; its findings followed up.
    q3 = services.create_round(actor=staff, region=wenchang, quarter="2026Q3")
    for organization, compound in zip(organizations, compounds, strict=True):
        services.add_company(actor=staff, round=q3, organization=organization, compounds=[compound])
    _plan(q3, staff, panels)
    services.open_round(actor=staff, round=q3)
    items = list(q3.items.all())
    levels = [2, 0, 4]  # marks each panel takes off per item: the companies differ
    inspections = list(q3.inspections.order_by("id"))
    for n, inspection in enumerate(inspections):
        for k, (person, _kind) in enumerate(panels[n]):
            services.submit_scores(
                actor=person,
                inspection=inspection,
                scores={
                    i.pk: max(i.max_score - levels[n] - (k + j) % 3, 0) for j, i in enumerate(items)
                },
            )
    found = [
        (0, "消防通道堆放纸箱和旧家具", "2栋东侧消防通道"),
        (0, "单元门禁损坏，外人随意进出", "5栋1单元"),
        (1, "绿化带多处黄土裸露", "中心花园"),
        (1, "地下车库照明不足，多盏灯不亮", "地下车库B区"),
        (2, "电动车在楼道内充电", "3栋2单元一楼"),
        (2, "小区外人行道砖块松动", "南门外人行道"),
        (2, "垃圾分类亭异味大，清运不及时", "北门垃圾分类亭"),
    ]
    findings: list[Finding] = []
    for n, problem, location in found:
        findings.append(
            services.record_finding(
                actor=panels[n][0][0], inspection=inspections[n], problem=problem, location=location
            )
        )
    services.close_round(actor=staff, round=q3)
    services.publish_round(actor=staff, round=q3)
    today = timezone.localdate()
    # A company the other demos made keeps the contact they gave it.
    contact_of = {
        o.pk: OrganizationMember.objects.filter(organization=o, is_contact=True)
        .select_related("person")
        .order_by("id")
        .first()
        .person  # type: ignore[union-attr]
        for o in organizations
    }

    def contact(finding: Finding) -> Person:
        return contact_of[finding.company.organization_id]

    # verified
    services.track(actor=staff, finding=findings[0], due_on=today + timedelta(days=7))
    services.start(actor=contact(findings[0]), finding=findings[0], note="已安排保洁清运")
    services.fix(actor=contact(findings[0]), finding=findings[0], note="杂物已全部清走，通道畅通")
    services.verify(actor=staff, finding=findings[0], ok=True, note="现场复核，已整改到位")
    # reported fixed, for staff to verify
    services.track(actor=staff, finding=findings[1], due_on=today + timedelta(days=10))
    services.fix(actor=contact(findings[1]), finding=findings[1], note="已更换门禁控制器")
    # being rectified
    services.track(actor=staff, finding=findings[2], due_on=today + timedelta(days=20))
    services.start(actor=contact(findings[2]), finding=findings[2], note="已采购草皮，待补种")
    # past its date (tracked with a date that has passed since)
    services.track(actor=staff, finding=findings[3], due_on=today + timedelta(days=1))
    Finding.objects.filter(pk=findings[3].pk).update(due_on=today - timedelta(days=3))
    # reopened after a fix that did not hold
    services.track(actor=staff, finding=findings[4], due_on=today + timedelta(days=5))
    services.fix(actor=contact(findings[4]), finding=findings[4], note="已张贴禁止告示")
    services.verify(actor=staff, finding=findings[4], ok=False, note="复查仍有电动车在楼道充电")
    # handed to the grid: the pavement outside is not the company's
    if incident_category(wenchang, "SSSH") is not None:
        services.refer(actor=staff, finding=findings[5], category="SSSH")
    # findings[6] stays recorded: waiting for staff to sort it

    # 2026Q4: planned from Q3, open now; the demo volunteer is on a panel.
    q4 = services.create_round(actor=staff, region=wenchang, quarter="2026Q4")
    volunteer = Person.objects.filter(phone=VOLUNTEER, community=wenchang).first()
    q4_panels = [list(p) for p in panels]
    if volunteer is not None and volunteer.pk not in members:
        q4_panels[0] = [(volunteer, "owner"), *q4_panels[0][1:]]
    _plan(q4, staff, q4_panels)
    services.open_round(actor=staff, round=q4)
    first = q4.inspections.order_by("id").first()
    if first is not None:
        services.submit_scores(
            actor=q4_panels[0][1][0],
            inspection=first,
            scores={i.pk: i.max_score - 1 for i in q4.items.all()[:3]},
        )
    return 2
