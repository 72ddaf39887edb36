"""The big screen by test client: the page, and the panels fragment its script fetches."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from jifen.lib.masking import mask_name
from jifen.people.models import Person
from jifen.publicity.selectors import public_name
from jifen.publicity.views import kiosk
from tests.activities.conftest import items, make_activity, now  # noqa: F401 - fixtures
from tests.conftest import World
from tests.publicity.public_data import Month, published_month


@pytest.fixture
def month(world: World) -> Month:
    return published_month(world)


def panels_of(html: str) -> list[str]:
    return re.findall(r'class="kiosk-panel" data-panel="([a-z]+)"', html)


def test_the_screen_needs_no_login_and_holds_three_panels(world: World, month: Month) -> None:
    response = Client().get(reverse("publicity:kiosk", args=[world.wenchang.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert panels_of(html) == ["ranking", "announcement", "activities", "wishes"]
    assert (
        f'data-panels-url="{reverse("publicity:kiosk_panels", args=[world.wenchang.code])}"' in html
    )
    assert f'data-turn="{kiosk.TURN_S}"' in html and f'data-refresh="{kiosk.REFRESH_S}"' in html
    assert 'http-equiv="refresh"' in html  # without scripts it reloads itself
    # Nothing from elsewhere: the intranet has no CDN.
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_the_panels_fragment_is_fresh_every_time(world: World, month: Month) -> None:
    url = reverse("publicity:kiosk_panels", args=[world.wenchang.code])
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="kiosk-deck"')
    assert re.search(r'data-updated="\d\d:\d\d"', html)
    assert panels_of(html) == ["ranking", "announcement", "activities", "wishes"]
    assert "<html" not in html


def test_the_screen_shows_public_names_the_latest_announcement_and_what_is_coming(
    world: World,
    month: Month,
    make_activity,  # noqa: F811 - a fixture
    now,  # noqa: F811 - a fixture
) -> None:
    make_activity(title="重阳节慰问", starts_at=now + timedelta(days=2))
    html = Client().get(reverse("publicity:kiosk_panels", args=[world.wenchang.code])).content
    html = html.decode()
    # This month so far: 王淑英's 25 points.
    assert mask_name(world.resident.name) in html
    assert month.announcement.seal[:8] in html and month.announcement.seal[-8:] in html
    shy = month.shy
    assert public_name(shy.name, False, shy.volunteer_no) in html  # in the announcement's top
    assert "重阳节慰问" in html
    # The QR codes: every line of the month, the county's checkpoint, sign-up, wishes.
    assert html.count("<svg") == 4
    for person in Person.objects.all():
        assert person.phone not in html
        assert len(person.name) < 2 or person.name not in html


def test_an_empty_month_shows_last_months_leaders(world: World, month: Month) -> None:
    """Early in a month nobody has points yet: the screen shows last month's instead."""
    html = Client().get(reverse("publicity:kiosk_panels", args=[world.jinyue.code])).content
    html = html.decode()
    # 金悦: nothing this month; last month 刘金悦 earned 40.
    assert mask_name(world.neighbour.name) in html
    assert month.month in html


def test_a_community_with_nothing_yet_still_has_a_screen(world: World) -> None:
    html = Client().get(reverse("publicity:kiosk_panels", args=[world.wanmei.code])).content
    assert panels_of(html.decode()) == ["ranking", "announcement", "activities", "wishes"]


def test_only_a_community_has_a_screen(world: World) -> None:
    for code in (world.town.code, world.county.code, world.compound.code, "NOWHERE"):
        assert Client().get(reverse("publicity:kiosk", args=[code])).status_code == 404
        assert Client().get(reverse("publicity:kiosk_panels", args=[code])).status_code == 404


def test_timings_may_be_asked_for_within_bounds(world: World) -> None:
    url = reverse("publicity:kiosk", args=[world.wenchang.code])
    html = Client().get(url + "?turn=2&refresh=3").content.decode()
    assert 'data-turn="2"' in html and 'data-refresh="3"' in html
    html = Client().get(url + "?turn=0&refresh=999999").content.decode()
    assert 'data-turn="1"' in html and 'data-refresh="3600"' in html
    html = Client().get(url + "?turn=-5&refresh=x").content.decode()
    assert f'data-turn="{kiosk.TURN_S}"' in html and f'data-refresh="{kiosk.REFRESH_S}"' in html


def test_the_panels_read_a_bounded_number_of_queries(
    world: World, month: Month, django_assert_max_num_queries
) -> None:
    url = reverse("publicity:kiosk_panels", args=[world.wenchang.code])
    # Ranking, the latest 公示 and its leaders, activities, the wishes wall (one each).
    with django_assert_max_num_queries(11):  # 9, and the checkpoint badge's region and log
        Client().get(url)


def test_a_screen_logged_in_without_consent_is_not_sent_to_the_consent_page(
    world: World,
) -> None:
    """A kiosk account made by staff has not agreed to publication; its screen must still
    show, and its fetches get panels, not the question."""
    screen = world.kiosk
    screen.consent_at = None
    screen.save()
    client = Client()
    client.force_login(screen)
    for name in ("publicity:kiosk", "publicity:kiosk_panels"):
        response = client.get(reverse(name, args=[world.wenchang.code]))
        assert response.status_code == 200
        assert "kiosk-panel" in response.content.decode()
