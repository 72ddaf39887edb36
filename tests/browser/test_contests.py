"""项目大赛 as people live it: two judges score the final — one on a 360 px phone at the
roadshow, one on a desktop — staff publish the results after confirming, the public page
shows the ranking on a phone and on the big screen, and the winner's project appears as a
微实事 of its community."""

from typing import Any

import pytest
from playwright.sync_api import expect

from jifen.contests import services
from jifen.contests.models import Contest, Score, Stage
from jifen.projects.models import Project
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in
from tests.browser.test_requests import browser_page
from tests.contests.conftest import Cast, make_cast


@pytest.fixture
def cast(world) -> Cast:
    return make_cast(world)


def _final(world, cast: Cast) -> tuple[Contest, Any, Any]:
    """A contest of two criteria in its final, with the team's and the unit's projects."""
    contest = services.create_contest(
        actor=world.staff,
        region=world.wenchang,
        title="文昌“社工+志愿”服务项目大赛",
        winners=1,
        criteria=[
            {"name": "项目设计", "weight": 60, "max_score": 10},
            {"name": "社会效益", "weight": 40, "max_score": 10},
        ],
    )
    judges = cast.judges[:2]
    services.add_judges(actor=world.staff, contest=contest, people=judges)
    services.open_contest(actor=world.staff, contest=contest)
    team_entry = services.submit_entry(
        actor=world.resident,
        contest=contest,
        team=cast.team,
        title="河道清洁行动",
        summary="每周六清理河道垃圾",
        budget_fen=1_200_000,
    )
    unit_entry = services.submit_entry(
        actor=cast.unit_contact,
        contest=contest,
        organization=cast.unit,
        title="长者助餐",
        summary="为独居老人送餐",
        budget_fen=3_000_000,
        milestones=[("签约配餐点", None), ("首月送餐", None)],
    )
    services.start_review(actor=world.staff, contest=contest)
    services.start_final(actor=world.staff, contest=contest)
    return contest, team_entry, unit_entry


def _score(page: Any, contest: Contest, entry: Any, phase: str, marks: tuple[int, int]) -> None:
    page.goto(f"/contests/judge/{contest.pk}/")
    page.locator(f"[data-task='{entry.pk}-{phase}'] a").click()
    inputs = page.locator("[data-score-form] input[type=number]")
    expect(inputs).to_have_count(2)
    inputs.nth(0).fill(str(marks[0]))
    inputs.nth(1).fill(str(marks[1]))
    page.locator("[data-score-form] button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(f"[data-task='{entry.pk}-{phase}']")).to_have_attribute("data-done", "true")


def test_judges_score_the_final_staff_publish_and_the_public_sees_the_ranking(
    world, cast, browser, live_server, screenshot
):
    contest, team_entry, unit_entry = _final(world, cast)
    first, second = cast.judges[:2]

    phone = browser_page(browser, live_server, PHONE)
    log_in(phone, first.phone)
    phone.goto("/contests/")
    phone.locator(f"[data-judge-contest='{contest.pk}']").click()
    phone.wait_for_load_state()
    expect(phone.locator("[data-left]")).to_have_attribute("data-left", "4")
    assert_fits(phone)
    screenshot(phone, "contests-phone-judge-tasks")
    # A mark above the line's maximum is refused, and nothing is saved.
    phone.locator(f"[data-task='{unit_entry.pk}-roadshow'] a").click()
    inputs = phone.locator("[data-score-form] input[type=number]")
    inputs.nth(0).fill("11")
    inputs.nth(1).fill("8")
    phone.locator("[data-score-form] button[type=submit]").click()
    phone.wait_for_load_state()
    expect(phone.locator("[role=alert]").first).to_be_visible()
    assert not Score.objects.exists()
    # The other judge's sheet stays hidden until the phase closes.
    expect(phone.locator("[data-others-hidden]")).to_be_visible()
    assert_fits(phone)
    screenshot(phone, "contests-phone-judge-sheet")
    for entry, phase, marks in (
        (unit_entry, "roadshow", (9, 9)),
        (unit_entry, "live", (8, 9)),
        (team_entry, "roadshow", (7, 8)),
        (team_entry, "live", (7, 7)),
    ):
        _score(phone, contest, entry, phase, marks)
    expect(phone.locator("[data-left]")).to_have_attribute("data-left", "0")

    desk = browser_page(browser, live_server, DESKTOP)
    log_in(desk, second.phone)
    for entry, phase, marks in (
        (unit_entry, "roadshow", (8, 9)),
        (unit_entry, "live", (9, 8)),
        (team_entry, "roadshow", (8, 7)),
        (team_entry, "live", (6, 8)),
    ):
        _score(desk, contest, entry, phase, marks)
    assert Score.objects.count() == 8

    staff = browser_page(browser, live_server, DESKTOP)
    log_in(staff, world.staff.phone)
    staff.goto(f"/console/contests/{contest.pk}/")
    expect(staff.locator("[data-missing]")).to_have_count(0)
    screenshot(staff, "contests-console-final")
    staff.locator("button[data-step='publish']").click()  # confirmed by browser_page
    staff.wait_for_load_state()
    contest.refresh_from_db()
    assert contest.stage == Stage.PUBLISHED
    expect(staff.locator(f"#standings [data-entry='{unit_entry.pk}']")).to_have_attribute(
        "data-rank", "1"
    )

    public = browser_page(browser, live_server, PHONE)
    public.goto(f"/public/contests/{contest.pk}/")
    winner = public.locator(f"[data-entry='{unit_entry.pk}']")
    expect(winner).to_have_attribute("data-rank", "1")
    # 长者助餐: roadshow (90 + 84) / 2 = 87.00, live (84 + 86) / 2 = 85.00;
    # 87.00 × 70% + 85.00 × 30% = 86.40
    expect(winner).to_have_attribute("data-total", "86.40")
    expect(public.locator(f"[data-entry='{team_entry.pk}']")).to_have_attribute("data-rank", "2")
    expect(public.locator("main")).not_to_contain_text(first.name)
    assert_fits(public)
    screenshot(public, "contests-phone-public-results")
    big = browser_page(
        browser, live_server, {**DESKTOP, "viewport": {"width": 1920, "height": 1080}}
    )
    big.goto(f"/public/contests/{contest.pk}/")
    expect(big.locator("[data-rank]")).to_have_count(2)
    screenshot(big, "contests-big-screen-results")

    project = Project.objects.get(source="contest")
    assert project.title == "长者助餐" and project.lead_organization_id == cast.unit.pk
    expect(winner.locator("[data-project]")).to_have_attribute("data-project", str(project.pk))
    public.goto(f"/public/projects/{project.pk}/")
    expect(public.locator("main")).to_contain_text("长者助餐")
    expect(public.locator("main")).to_contain_text("签约配餐点")
    assert_fits(public)
