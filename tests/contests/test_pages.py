"""The pages: staff console, a leader entering on the phone, a judge's sheet, the public
results — who reaches which page, forms that refuse bad input without writing, CSRF."""

import pytest
from django.test import Client

from jifen.contests import services
from jifen.contests.models import Contest, Entry, Phase, Score, Stage
from tests.conftest import PASSWORD
from tests.contests.conftest import enter_both, marks, score_final, to_final

pytestmark = pytest.mark.django_db


def client_for(person) -> Client:
    client = Client()
    assert client.login(phone=person.phone, password=PASSWORD)
    return client


def test_staff_prepare_a_contest_on_the_console(world):
    staff = client_for(world.staff)
    assert staff.get("/console/contests/").status_code == 200
    form = staff.get("/console/contests/new/")
    assert form.status_code == 200 and b"id_criteria" in form.content
    made = staff.post(
        "/console/contests/new/",
        {
            "region": world.wenchang.code,
            "title": "文昌项目大赛",
            "score_visibility": "after_own",
            "roadshow_weight": 70,
            "live_weight": 30,
            "winners": 2,
            "criteria": "需求分析, 50, 10\n项目设计, 50, 20",
        },
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    contest = Contest.objects.get()
    assert [(c.name, c.weight, c.max_score) for c in contest.criteria.all()] == [
        ("需求分析", 50, 10),
        ("项目设计", 50, 20),
    ]
    detail = staff.get(f"/console/contests/{contest.pk}/")
    assert detail.status_code == 200 and b'data-step="open"' in detail.content
    bad = staff.post(
        "/console/contests/new/",
        {
            "region": world.wenchang.code,
            "title": "x",
            "score_visibility": "never",
            "roadshow_weight": 70,
            "live_weight": 40,
            "winners": 1,
        },
    )
    assert bad.status_code == 400 and Contest.objects.count() == 1


def test_console_pages_are_for_staff_of_the_region(world, cast):
    url = f"/console/contests/{cast.contest.pk}/"
    assert client_for(world.other_staff).get(url).status_code == 404
    assert client_for(world.reviewer).get(url).status_code in (403, 404)
    resident = client_for(world.resident).get(url)
    assert resident.status_code == 403
    step = client_for(world.other_staff).post(f"{url}steps/open/")
    assert step.status_code == 404
    assert Contest.objects.get(pk=cast.contest.pk).stage == Stage.DRAFT


def test_staff_name_a_judge_by_phone_and_take_the_steps(world, cast):
    staff = client_for(world.staff)
    url = f"/console/contests/{cast.contest.pk}/"
    named = staff.post(f"{url}judges/", {"judge-phone": cast.judges[0].phone})
    assert named.status_code == 302
    unknown = staff.post(f"{url}judges/", {"judge-phone": "13000000000"})
    assert unknown.status_code == 400
    assert staff.post(f"{url}steps/open/", {"step-note": ""}).status_code == 302
    assert Contest.objects.get(pk=cast.contest.pk).stage == Stage.SUBMISSION
    assert staff.post(f"{url}steps/nonsense/").status_code == 404


def test_a_leader_enters_on_the_phone_and_a_non_leader_cannot(world, cast):
    services.open_contest(actor=world.staff, contest=cast.contest)
    leader = client_for(world.resident)
    home = leader.get("/contests/")
    assert f'data-contest="{cast.contest.pk}"'.encode() in home.content
    page = leader.get(f"/contests/{cast.contest.pk}/enter/")
    assert page.status_code == 200 and f"team:{cast.team.pk}".encode() in page.content
    sent = leader.post(
        f"/contests/{cast.contest.pk}/enter/",
        {
            "entrant": f"team:{cast.team.pk}",
            "title": "河道清洁行动",
            "summary": "每周清理",
            "years_running": 3,
            "budget_yuan": "12000.50",
            "milestones": "招募志愿者, 2027-03-01\n完成十次清理",
        },
    )
    assert sent.status_code == 302, sent.content.decode()[:3000]
    entry = Entry.objects.get()
    assert entry.budget_fen == 1_200_050
    assert entry.milestones == [["招募志愿者", "2027-03-01"], ["完成十次清理", ""]]
    assert leader.get(f"/contests/entries/{entry.pk}/").status_code == 200
    member = client_for(cast.team_member)
    forged = member.post(
        f"/contests/{cast.contest.pk}/enter/",
        {
            "entrant": f"team:{cast.team.pk}",
            "title": "x",
            "summary": "y",
            "years_running": 0,
            "budget_yuan": 0,
        },
    )
    assert forged.status_code == 400  # not one of their choices
    assert Entry.objects.count() == 1
    assert member.get(f"/contests/entries/{entry.pk}/").status_code == 404


def test_a_unit_of_the_county_enters_on_the_phone_where_its_project_runs(world, cast):
    """A county's hospital is offered for a community's contest and a town's: the community's
    contest runs in that community; in the town's, its contact chooses the community."""
    from jifen.people.models import Organization, OrganizationMember
    from tests.conftest import make_person

    hospital = Organization.objects.create(region=world.county, name="县人民医院", kind="organ")
    contact = make_person(world.wenchang, "医院联络员")
    OrganizationMember.objects.create(organization=hospital, person=contact, is_contact=True)
    phone = client_for(contact)
    services.open_contest(actor=world.staff, contest=cast.contest)
    form = {
        "entrant": f"org:{hospital.pk}",
        "title": "义诊进社区",
        "summary": "每月一次义诊",
        "years_running": 2,
        "budget_yuan": "1000",
    }
    sent = phone.post(f"/contests/{cast.contest.pk}/enter/", form)
    assert sent.status_code == 302, sent.content.decode()[:2000]
    assert Entry.objects.get(organization=hospital).community == world.wenchang
    town_contest = services.create_contest(
        actor=world.town_admin, region=world.town, title="凤城镇项目大赛"
    )
    services.open_contest(actor=world.town_admin, contest=town_contest)
    page = phone.get(f"/contests/{town_contest.pk}/enter/")
    assert f'value="{world.jinyue.code}"'.encode() in page.content
    assert f'value="{world.wanmei.code}"'.encode() not in page.content  # another town's
    sent = phone.post(
        f"/contests/{town_contest.pk}/enter/", {**form, "community": world.jinyue.code}
    )
    assert sent.status_code == 302, sent.content.decode()[:2000]
    assert Entry.objects.get(contest=town_contest).community == world.jinyue
    assert (
        phone.post(
            f"/contests/{town_contest.pk}/enter/", {**form, "community": world.wanmei.code}
        ).status_code
        == 400
    )


def test_a_judge_scores_on_the_sheet_and_out_of_range_is_refused(world, cast):
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    judge = client_for(cast.judges[0])
    listing = judge.get(f"/contests/judge/{cast.contest.pk}/")
    assert listing.status_code == 200 and b'data-left="2"' in listing.content
    url = f"/contests/judge/{cast.contest.pk}/entries/{unit_entry.pk}/review/"
    assert judge.get(url).status_code == 200
    values = {f"c{k}": v for k, v in marks(cast.contest, 8).items()}
    first = next(iter(values))
    bad = judge.post(url, {**values, first: 11})
    assert bad.status_code == 400 and not Score.objects.exists()
    good = judge.post(url, values)
    assert good.status_code == 302
    assert Score.objects.get().total == 8000
    # A judge reading the entry goes back to the contest's sheets, not to the entrants' page.
    read = judge.get(f"/contests/entries/{unit_entry.pk}/")
    assert read.status_code == 200 and b'data-back="judge"' in read.content
    own = client_for(cast.team_member)
    page = own.get(f"/contests/judge/{cast.contest.pk}/entries/{team_entry.pk}/review/")
    assert b"data-own-entry" in page.content
    forced = own.post(f"/contests/judge/{cast.contest.pk}/entries/{team_entry.pk}/review/", values)
    assert forced.status_code == 403
    assert Score.objects.count() == 1
    # Not a judge: the contest's judge pages do not exist for them.
    assert client_for(world.resident).get(f"/contests/judge/{cast.contest.pk}/").status_code == 404


def test_a_judge_stands_aside_from_the_sheet(world, cast):
    team_entry, unit_entry = to_final(world, cast)
    judge = client_for(cast.judges[1])
    url = f"/contests/judge/{cast.contest.pk}/entries/{unit_entry.pk}/roadshow/abstain/"
    assert judge.post(url, {"reason": ""}).status_code == 400
    assert judge.post(url, {"reason": "亲属在该站工作"}).status_code == 302
    assert unit_entry.abstentions.filter(judge=cast.judges[1]).exists()


def test_the_public_page_shows_the_ranking_once_published(world, cast):
    team_entry, unit_entry = to_final(world, cast)
    anonymous = Client()
    before = anonymous.get(f"/public/contests/{cast.contest.pk}/")
    assert before.status_code == 200 and b"data-finalists" in before.content
    assert b'data-rank="1"' not in before.content
    score_final(cast, team_entry, unit_entry)
    services.publish(actor=world.staff, contest=cast.contest)
    after = anonymous.get(f"/public/contests/{cast.contest.pk}/")
    assert f'data-entry="{team_entry.pk}" data-rank="1"'.encode() in after.content
    assert b'data-total="85.00"' in after.content
    # The unit's 微实事 is led at once and public: the result leads to it; the team's is a
    # draft until staff publish it, so it is named without a link that would be a 404.
    team_entry.refresh_from_db()
    unit_entry.refresh_from_db()
    assert f'href="/public/projects/{unit_entry.project_id}/"'.encode() in after.content
    assert f'href="/public/projects/{team_entry.project_id}/"'.encode() not in after.content
    assert anonymous.get(f"/public/projects/{unit_entry.project_id}/").status_code == 200
    listed = anonymous.get(f"/public/{world.wenchang.code}/contests/")
    assert f'data-contest="{cast.contest.pk}"'.encode() in listed.content
    draft = services.create_contest(actor=world.staff, region=world.wenchang, title="草稿")
    assert anonymous.get(f"/public/contests/{draft.pk}/").status_code == 404
    assert anonymous.get("/public/contests/99999999999999999999/").status_code == 404


def test_the_console_excel_and_standings(world, cast):
    team_entry, unit_entry = to_final(world, cast)
    staff = client_for(world.staff)
    detail = staff.get(f"/console/contests/{cast.contest.pk}/")
    assert b"data-missing" in detail.content
    score_final(cast, team_entry, unit_entry)
    xlsx = staff.get(f"/console/contests/{cast.contest.pk}/scores.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    published = staff.post(f"/console/contests/{cast.contest.pk}/steps/publish/", {"step-note": ""})
    assert published.status_code == 302
    assert Contest.objects.get(pk=cast.contest.pk).stage == Stage.PUBLISHED
    assert Phase.ROADSHOW  # the phases' names stay stable
