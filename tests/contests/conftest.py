"""A contest of 文昌社区 with its people: a volunteer team (its leader enters; one of its
members is also a judge), a social-work unit (its contact enters; another member is not
the contact), three judges, and helpers that move the contest along."""

from dataclasses import dataclass

import pytest

from jifen.contests import services
from jifen.contests.models import Contest, Entry, Phase
from jifen.people.models import Organization, OrganizationMember, Person, Team, TeamMember
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person


@dataclass
class Cast:
    team: Team  # 文昌社区环境卫生志愿服务队, led by world.resident
    team_member: Person  # in the team, and a judge
    unit: Organization  # 文昌社工站 (social)
    unit_contact: Person
    unit_member: Person  # a member of the unit who is not its contact
    judges: list[Person]  # 评委甲, 评委乙, and team_member
    contest: Contest


def make_cast(world) -> Cast:
    team = Team.objects.create(
        region=world.wenchang, name="文昌环卫志愿服务队", leader=world.resident
    )
    team_member = make_person(world.wenchang, "评委丙")
    TeamMember.objects.create(team=team, person=team_member, joined_on="2025-01-01")
    unit = Organization.objects.create(region=world.wenchang, name="文昌社工站", kind="social")
    unit_contact = make_person(world.wenchang, "社工小郑")
    unit_member = make_person(world.wenchang, "社工小吴")
    OrganizationMember.objects.create(organization=unit, person=unit_contact, is_contact=True)
    OrganizationMember.objects.create(organization=unit, person=unit_member, is_contact=False)
    judges = [make_person(None, "评委甲"), make_person(None, "评委乙"), team_member]
    contest = services.create_contest(
        actor=world.staff, region=world.wenchang, title="文昌社区“社工+志愿”服务项目大赛"
    )
    return Cast(team, team_member, unit, unit_contact, unit_member, judges, contest)


@pytest.fixture
def cast(world) -> Cast:
    return make_cast(world)


def enter_both(world, cast: Cast) -> tuple[Entry, Entry]:
    """Judges named, the contest opened, both entrants in."""
    services.add_judges(actor=world.staff, contest=cast.contest, people=cast.judges)
    services.open_contest(actor=world.staff, contest=cast.contest)
    team_entry = services.submit_entry(
        actor=world.resident,
        contest=cast.contest,
        team=cast.team,
        title="河道清洁行动",
        summary="每周六清理河道垃圾",
        years_running=3,
        core_members="王淑英、评委丙",
        budget_fen=1_200_000,
        milestones=[("招募志愿者", None), ("完成十次清理", None)],
    )
    unit_entry = services.submit_entry(
        actor=cast.unit_contact,
        contest=cast.contest,
        organization=cast.unit,
        title="长者助餐",
        summary="为独居老人送餐",
        years_running=2,
        budget_fen=3_000_000,
    )
    return team_entry, unit_entry


def marks(contest: Contest, value: int) -> dict[int, int]:
    return {c.pk: value for c in contest.criteria.all()}


def to_final(world, cast: Cast) -> tuple[Entry, Entry]:
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    services.start_final(actor=world.staff, contest=cast.contest)
    return team_entry, unit_entry


def score_final(cast: Cast, team_entry: Entry, unit_entry: Entry) -> None:
    """Judges 甲 and 乙 score both finalists; 丙 stands aside on the team's own (not asked)."""
    c = cast.contest
    a, b, own = cast.judges
    for judge, team_marks, unit_marks in ((a, 9, 8), (b, 8, 7)):
        for phase in (Phase.ROADSHOW, Phase.LIVE):
            services.score(actor=judge, entry=team_entry, phase=phase, values=marks(c, team_marks))
            services.score(actor=judge, entry=unit_entry, phase=phase, values=marks(c, unit_marks))
    for phase in (Phase.ROADSHOW, Phase.LIVE):
        services.score(actor=own, entry=unit_entry, phase=phase, values=marks(c, 6))
