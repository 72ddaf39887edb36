"""The public pages, by test client and without logging in: what they show (public names,
volunteer numbers, the seal), what they never show (phones, ID numbers, full names of
people who have not agreed, drafts), and how they page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from jifen.lib.masking import mask_name
from jifen.lib.months import label, this_month
from jifen.people.models import Person
from jifen.publicity import rankings
from jifen.publicity.selectors import public_name
from jifen.publicity.views import public as views
from tests.activities.conftest import items, make_activity, now  # noqa: F401 - fixtures
from tests.conftest import World
from tests.publicity.public_data import Month, published_month


@pytest.fixture
def month(world: World) -> Month:
    return published_month(world)


def get(path: str, status: int = 200) -> str:
    response = Client().get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.content.decode()


def assert_nothing_personal(html: str, people: list[Person]) -> None:
    """No phone, no ID, and a full name only where the person agreed and it is masked."""
    for person in Person.objects.all():
        assert person.phone not in html
        if person.id_number_masked:
            assert person.id_number_masked not in html
    for person in people:
        if len(person.name) > 1:
            assert person.name not in html, person.name


def test_the_index_needs_no_login_and_finds_a_community(world: World) -> None:
    html = get(reverse("publicity:public_index"))
    assert world.county.name in html and world.town.name in html
    html = get(reverse("publicity:public_index") + "?q=文昌")
    assert reverse("publicity:public_region", args=[world.wenchang.code]) in html


def test_a_logged_in_resident_is_offered_their_community(world: World) -> None:
    client = Client()
    client.force_login(world.resident)
    html = client.get(reverse("publicity:public_index")).content.decode()
    assert reverse("publicity:public_region", args=[world.wenchang.code]) in html


@pytest.mark.parametrize("which", ["county", "town", "wenchang"])
def test_each_region_page_shows_masked_leaders_and_the_latest_announcement(
    world: World, month: Month, which: str
) -> None:
    region = getattr(world, which)
    html = get(reverse("publicity:public_region", args=[region.code]))
    assert mask_name(world.resident.name) in html
    assert reverse("publicity:public_announcement", args=[month.announcement.pk]) in html
    assert_nothing_personal(html, month.people)


def test_the_announcement_shows_every_line_its_totals_and_its_seal(
    world: World, month: Month
) -> None:
    a = month.announcement
    html = get(reverse("publicity:public_announcement", args=[a.pk]))
    for person in month.people:
        if person.community_id != world.wenchang.pk:
            continue
        assert public_name(person.name, person.has_consented, person.volunteer_no) in html
        assert person.volunteer_no in html
    assert mask_name("欧阳淑梅") == "欧**梅" and "欧**梅" in html
    assert "+90" in html and "-15" in html
    for fact in (a.root, a.seal, str(a.leaf_count)):
        assert fact in html
    assert f"?announcement={a.pk}" in html
    assert html.count('class="entry"') == a.totals["entries"] == 6
    assert_nothing_personal(html, month.people)


def test_a_person_who_has_not_agreed_is_only_volunteer_and_number(
    world: World, month: Month
) -> None:
    shy = month.shy
    html = get(reverse("publicity:public_announcement", args=[month.announcement.pk]))
    shown = public_name(shy.name, False, shy.volunteer_no)
    assert shy.volunteer_no in shown and shown in html
    assert mask_name(shy.name) not in html and shy.name not in html
    ranking = get(
        reverse("publicity:public_rankings", args=[world.county.code])
        + "?"
        + views.Period("month", month.month, 0).query
    )
    assert shown in ranking and mask_name(shy.name) not in ranking


def test_drafts_are_not_public(world: World, month: Month) -> None:
    get(reverse("publicity:public_announcement", args=[month.draft.pk]), status=404)
    html = get(reverse("publicity:public_announcements", args=[world.jinyue.code]))
    assert reverse("publicity:public_announcement", args=[month.draft.pk]) not in html
    html = get(reverse("publicity:public_announcements", args=[world.county.code]))
    assert reverse("publicity:public_announcement", args=[month.announcement.pk]) in html
    assert reverse("publicity:public_announcement", args=[month.draft.pk]) not in html
    get(reverse("publicity:public_announcement", args=[999999]), status=404)


def test_the_lines_are_paged(world: World) -> None:
    month = published_month(world, extra_lines=60)
    url = reverse("publicity:public_announcement", args=[month.announcement.pk])
    entries = month.announcement.totals["entries"]
    first = get(url)
    assert first.count('class="entry"') == views.LINES_PER_PAGE
    assert "page=2" in first
    second = get(url + "?page=2")
    assert second.count('class="entry"') == entries - views.LINES_PER_PAGE
    assert get(url + "?page=99").count('class="entry"') == entries - views.LINES_PER_PAGE


def test_rankings_of_the_month_and_the_year_in_each_scope(world: World, month: Month) -> None:
    year = this_month().year
    cases = {
        world.wenchang: {world.resident, month.shy},
        world.town: {world.resident, month.shy, world.neighbour},
        world.county: {world.resident, month.shy, world.neighbour},
    }
    for region, expected in cases.items():
        url = reverse("publicity:public_rankings", args=[region.code])
        html = get(url + f"?period=month&month={month.month}")
        for person in expected:
            assert public_name(person.name, person.has_consented, person.volunteer_no) in html
        if region != world.wenchang:
            assert reverse("publicity:public_rankings", args=[world.county.code]) in html
        yearly = get(url + f"?period=year&year={year}")
        top = rankings.year_top(region, year, views.RANKING_SIZE)
        for row in top:
            assert row.name in yearly
        assert_nothing_personal(html + yearly, month.people)
    # This month so far: 王淑英's 25 points.
    html = get(reverse("publicity:public_rankings", args=[world.wenchang.code]))
    assert mask_name(world.resident.name) in html and ">25<" in html


@pytest.mark.parametrize(
    "query", ["?period=month&month=2999-01", "?period=month&month=junk", "?period=year&year=99999"]
)
def test_a_period_to_come_or_unreadable_is_the_current_one(world: World, query: str) -> None:
    html = get(reverse("publicity:public_rankings", args=[world.wenchang.code]) + query)
    current = label(this_month()) if "month" in query else str(this_month().year)
    assert current in html


def test_only_counties_towns_and_communities_have_public_pages(world: World) -> None:
    for name in ("public_region", "public_rankings", "public_announcements", "public_activities"):
        get(reverse(f"publicity:{name}", args=[world.compound.code]), status=404)
        get(reverse(f"publicity:{name}", args=["NOWHERE"]), status=404)


def test_activity_news_shows_published_activities_only(
    world: World,
    make_activity,  # noqa: F811 - a fixture
    now,  # noqa: F811 - a fixture
) -> None:
    soon = make_activity(title="重阳节慰问", starts_at=now + timedelta(days=3))
    town_wide = make_activity(
        title="凤城镇义诊",
        region=world.town,
        actor=world.town_admin,
        starts_at=now + timedelta(days=5),
    )
    draft = make_activity(title="还在起草的活动", status="draft", starts_at=now + timedelta(days=4))
    done = make_activity(
        title="上周的清洁活动",
        starts_at=now - timedelta(days=7),
        ends_at=now - timedelta(days=7, hours=-2),
    )
    html = get(reverse("publicity:public_activities", args=[world.wenchang.code]))
    for activity in (soon, town_wide, done):
        assert activity.title in html
    assert draft.title not in html
    assert reverse("activities:detail", args=[soon.pk]) in html
    # 湾美, in the other town, sees neither 文昌's nor 凤城镇's.
    html = get(reverse("publicity:public_activities", args=[world.wanmei.code]))
    assert soon.title not in html and town_wide.title not in html
    # The county's news gathers those below it.
    html = get(reverse("publicity:public_activities", args=[world.county.code]))
    assert soon.title in html and town_wide.title in html


def test_the_community_page_leads_to_the_shop_list_and_the_big_screen(world: World) -> None:
    html = get(reverse("publicity:public_region", args=[world.wenchang.code]))
    assert f"{reverse('shop:catalogue')}?community={world.wenchang.code}" in html
    assert reverse("publicity:kiosk", args=[world.wenchang.code]) in html


def test_the_pages_read_a_bounded_number_of_queries(
    world: World, month: Month, django_assert_max_num_queries
) -> None:
    url = reverse("publicity:public_announcement", args=[month.announcement.pk])
    # 5, the page's self-check (the month's totals summed from its lines: 2) and the
    # checkpoint badge (the county above and its log: 2).
    with django_assert_max_num_queries(9):
        Client().get(url)
    with django_assert_max_num_queries(11):
        Client().get(reverse("publicity:public_region", args=[world.county.code]))
