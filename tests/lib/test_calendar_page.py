"""The working-day calendar's page: a top-level administrator adds, corrects and removes a
day (``lib.workdays.set_day``); others read it or are refused; the console home warns
when next year's holidays are known to nobody."""

from datetime import date, datetime
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jifen.lib import workdays
from jifen.lib.models import CalendarDay

PAGE = "/console/calendar/"


def _client(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_page_is_where_the_console_links(db):
    assert reverse("incidents:console_calendar") == PAGE


def test_an_administrator_adds_corrects_and_removes_a_day(world):
    client = _client(world.county_admin)
    assert client.get(PAGE).status_code == 200
    # 2031: the package does not know it yet; 1 Oct is 国庆.
    day = date(2031, 10, 1)
    assert workdays.is_working_day(day)  # a Wednesday nobody has told about
    saved = client.post(PAGE, {"day": "2031-10-01", "kind": "off", "note": "国庆节"})
    assert saved.status_code == 302
    assert not workdays.is_working_day(day)
    assert "2031-10-01" in client.get(PAGE).content.decode()
    client.post(PAGE, {"day": "2031-10-01", "kind": "working", "note": "更正"})
    assert CalendarDay.objects.get(day=day).is_working is True
    client.post(PAGE, {"day": "2031-10-01", "kind": "clear"})
    assert not CalendarDay.objects.filter(day=day).exists()


def test_a_bad_day_is_refused_on_the_form(world):
    response = _client(world.county_admin).post(PAGE, {"day": "1999-01-01", "kind": "off"})
    assert response.status_code == 400 and not CalendarDay.objects.exists()
    assert _client(world.county_admin).post(PAGE, {"day": "x", "kind": "off"}).status_code == 400


def test_a_town_administrator_or_staff_may_not_correct_it(world):
    for person in (world.town_admin, world.staff):
        client = _client(person)
        page = client.get(PAGE)
        assert page.status_code == 200 and 'name="kind"' not in page.content.decode()
        assert client.post(PAGE, {"day": "2031-10-01", "kind": "off"}).status_code == 403
    assert not CalendarDay.objects.exists()


def _in_november(year: int) -> mock._patch:
    # The day only: the login session keeps its own clock.
    return mock.patch("jifen.lib.workdays.timezone.localdate", return_value=date(year, 11, 20))


def test_the_console_home_warns_when_next_year_is_missing(world):
    client = _client(world.county_admin)
    with _in_november(2040):  # the package will never know 2041
        assert workdays.missing_year() == 2041
        home = client.get("/console/").content.decode()
        assert 'data-missing-year="2041"' in home and PAGE in home
        # Staff do not correct the calendar: no warning for them.
        assert "data-missing-year" not in _client(world.staff).get("/console/").content.decode()
    CalendarDay.objects.create(day=date(2041, 1, 1), is_working=False, note="元旦")
    with _in_november(2040):
        assert "data-missing-year" not in client.get("/console/").content.decode()


@pytest.mark.parametrize("month", [3, 10])
def test_no_warning_before_november(world, month):
    at = datetime(2040, month, 1, 10, tzinfo=timezone.get_current_timezone())
    with mock.patch("django.utils.timezone.now", return_value=at):
        assert workdays.missing_year() is None
