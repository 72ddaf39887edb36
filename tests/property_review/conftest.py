"""Three compounds of 文昌 and their three property companies, with contacts; owners
and a party member for the panels; and a helper that plans and opens a round in which
each company inspects the next one's compound (A → B → C → A)."""

from dataclasses import dataclass

import pytest

from jifen.people.models import Organization, OrganizationKind, OrganizationMember, Person
from jifen.property_review import services
from jifen.property_review.models import Company, Compound, Inspection, Round
from jifen.regions.models import Region
from jifen.regions.services import add_region
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person


@dataclass
class Estate:
    compounds: list[Region]  # 江滨花园, 文昌花苑, 滨江御景
    companies: list[Organization]  # each manages the compound of the same index
    contacts: list[Person]  # each company's contact
    member: Person  # works for companies[0], not its contact
    owner: Person  # a resident of 文昌
    party: Person  # a party member of 文昌
    owner2: Person


def _company(region: Region, name: str, contact: Person) -> Organization:
    org = Organization.objects.create(region=region, name=name, kind=OrganizationKind.PROPERTY)
    OrganizationMember.objects.create(organization=org, person=contact, is_contact=True)
    return org


def make_estate(world) -> Estate:
    compounds = [
        world.compound,
        add_region(
            actor=None,
            code="350524100001002",
            name="文昌花苑",
            level="compound",
            parent_code=world.wenchang.code,
        ),
        add_region(
            actor=None,
            code="350524100001003",
            name="滨江御景",
            level="compound",
            parent_code=world.wenchang.code,
        ),
    ]
    contacts = [
        make_person(world.wenchang, "物业小林"),
        make_person(world.wenchang, "物业老吴"),
        make_person(world.jinyue, "物业阿福"),
    ]
    companies = [
        _company(world.compound, "江滨物业", contacts[0]),
        _company(world.wenchang, "万家物业", contacts[1]),
        _company(world.town, "福安物业", contacts[2]),
    ]
    member = make_person(world.wenchang, "物业保安")
    OrganizationMember.objects.create(organization=companies[0], person=member)
    return Estate(
        compounds=compounds,
        companies=companies,
        contacts=contacts,
        member=member,
        owner=make_person(world.wenchang, "业主老郑"),
        party=make_person(world.wenchang, "党员老何", is_party_member=True),
        owner2=make_person(world.wenchang, "业主小孙"),
    )


@pytest.fixture
def estate(world) -> Estate:
    return make_estate(world)


def plan_round(world, estate: Estate, *, open_it: bool = True, quarter: str = "2026Q4") -> Round:
    round_ = services.create_round(actor=world.staff, region=world.wenchang, quarter=quarter)
    for org, compound in zip(estate.companies, estate.compounds, strict=True):
        services.add_company(
            actor=world.staff, round=round_, organization=org, compounds=[compound]
        )
    companies = list(Company.objects.filter(round=round_).order_by("id"))
    compounds = list(Compound.objects.filter(round=round_).order_by("id"))
    for n, inspector in enumerate(companies):
        target = compounds[(n + 1) % 3]
        panel = [(estate.owner, "owner"), (estate.party, "party")] if n == 0 else []
        if n == 1:
            panel = [(estate.owner2, "owner")]
        services.plan_inspection(
            actor=world.staff, round=round_, compound=target, inspector=inspector, panel=panel
        )
    if open_it:
        services.open_round(actor=world.staff, round=round_)
    round_.refresh_from_db()
    return round_


def first_inspection(round_: Round) -> Inspection:
    """Company A (江滨物业) inspecting 文昌花苑 of company B (万家物业)."""
    return Inspection.objects.filter(round=round_).order_by("id").first()  # type: ignore[return-value]
