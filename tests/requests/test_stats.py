"""Monthly figures of requests and wishes: each number on a small, known month."""

from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from jifen.requests import services, stats
from jifen.requests.models import Event, Kind, ServiceRequest, Status
from tests.conftest import make_person

YEAR = timezone.localdate().year - 1  # a whole past year: nothing of today leaks in
ZONE = timezone.get_current_timezone()


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(YEAR, month, day, hour, tzinfo=ZONE)


def backdate(request: ServiceRequest, created: datetime, **later: datetime) -> None:
    """Move a request (and its steps) into the past: submitted at ``created``; each
    step named in ``later`` (publish, dispatch, accept, done, confirm...) at its time."""
    ServiceRequest.objects.filter(pk=request.pk).update(created_at=created)
    Event.objects.filter(request=request, step="submit").update(at=created)
    for step, when in later.items():
        Event.objects.filter(request=request, step=step).update(at=when)
    fields = {}
    if "done" in later:
        fields["done_at"] = later["done"]
    if fields:
        ServiceRequest.objects.filter(pk=request.pk).update(**fields)


@pytest.fixture
def month(world, menu, helper):
    """March: in 文昌 two requests and a wish; in 金悦 one request.

    - A: dispatched 2 h after, done 26 h after, confirmed ★5; done on time.
    - B: accepted 10 h after, done 50 h after, confirmed automatically; done late.
    - C (a wish): published, still open.
    - D (金悦): dispatched 4 h after, still in hand, due long ago (overdue).
    """

    def ask(person, community, title, kind=Kind.REQUEST, category="REPAIR"):
        return services.submit_request(
            actor=person, community=community, category=category, title=title, kind=kind
        )

    jinyue_helper = make_person(world.jinyue, "金悦志愿")
    a = ask(world.resident, world.wenchang, "A")
    services.dispatch(actor=world.staff, request=a, person=helper)
    services.mark_done(actor=helper, request=a)
    services.confirm(actor=world.resident, request=a, rating=5)
    backdate(a, at(3, 2), dispatch=at(3, 2, 11), done=at(3, 3, 11))
    ServiceRequest.objects.filter(pk=a.pk).update(due_on=at(3, 5).date())

    b = ask(world.resident, world.wenchang, "B")
    services.publish(actor=world.staff, request=b)
    services.accept(actor=helper, request=b)
    services.mark_done(actor=helper, request=b)
    services.confirm_unanswered(timezone.now() + timedelta(days=30))
    backdate(b, at(3, 10), accept=at(3, 10, 19), done=at(3, 12, 11))
    ServiceRequest.objects.filter(pk=b.pk).update(due_on=at(3, 11).date())

    c = ask(world.resident, world.wenchang, "C", kind=Kind.WISH, category="WISH")
    services.publish(actor=world.staff, request=c)
    backdate(c, at(3, 20))

    d = ask(world.neighbour, world.jinyue, "D")
    services.dispatch(actor=world.town_admin, request=d, person=jinyue_helper)
    backdate(d, at(3, 25), dispatch=at(3, 25, 13))
    ServiceRequest.objects.filter(pk=d.pk).update(due_on=at(3, 28).date())

    # One in April, to see months kept apart.
    e = ask(world.resident, world.wenchang, "E")
    backdate(e, at(4, 1))
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def by_region(figures):
    return {(f.month, f.region_code): f for f in figures}


def test_a_communitys_month(world, month):
    figures = by_region(stats.monthly(world.staff, YEAR))
    march = figures[(f"{YEAR}-03", world.wenchang.code)]
    assert (march.requests, march.wishes, march.completed) == (2, 1, 2)
    assert march.accept_seconds == 6 * 3600  # median of 2 h and 10 h
    assert march.done_seconds == 38 * 3600  # median of 26 h and 50 h
    assert march.rating == 5.0
    assert march.auto_share == 0.5
    assert march.overdue == 1  # B, done after its due day
    april = figures[(f"{YEAR}-04", world.wenchang.code)]
    assert (april.requests, april.completed, april.accept_seconds) == (1, 0, None)
    # Community staff see their community only, and no totals.
    assert {code for _m, code in figures} == {world.wenchang.code}


def test_town_staff_see_each_community_and_the_towns_total(world, month):
    figures = by_region(stats.monthly(world.town_admin, YEAR))
    jinyue = figures[(f"{YEAR}-03", world.jinyue.code)]
    assert (jinyue.requests, jinyue.overdue, jinyue.accept_seconds) == (1, 1, 4 * 3600)
    town = figures[(f"{YEAR}-03", world.town.code)]
    assert town.is_total and (town.requests, town.wishes, town.completed) == (3, 1, 2)
    assert town.overdue == 2
    assert town.accept_seconds == 4 * 3600  # median of 2, 10 and 4 hours
    assert (f"{YEAR}-03", world.county.code) not in figures  # above their reach
    county = by_region(stats.monthly(world.county_admin, YEAR))
    assert county[(f"{YEAR}-03", world.county.code)].requests == 3
    order = [
        f.region_code for f in stats.monthly(world.county_admin, YEAR) if f.month.endswith("03")
    ]
    assert order == [world.county.code, world.town.code, world.wenchang.code, world.jinyue.code]


def test_others_see_nothing_of_it(world, month):
    assert stats.monthly(world.other_staff, YEAR) == []
    assert stats.monthly(world.resident, YEAR) == []


def test_the_figures_cost_the_same_queries_whatever_the_size(world, month, helper):
    stats.monthly(world.county_admin, YEAR)  # the roles, read once and kept
    with CaptureQueriesContext(connection) as few:
        stats.monthly(world.county_admin, YEAR)
    for n in range(10):
        r = services.submit_request(
            actor=world.resident, community=world.wenchang, category="REPAIR", title=f"x{n}"
        )
        services.dispatch(actor=world.staff, request=r, person=helper)
        backdate(r, at(5, 1 + n))
    with CaptureQueriesContext(connection) as many:
        stats.monthly(world.county_admin, YEAR)
    assert len(many) == len(few) <= 4


def test_the_page_and_its_excel(world, month):
    client = Client()
    client.force_login(world.town_admin)
    page = client.get("/console/requests/stats/", {"year": YEAR})
    assert page.status_code == 200
    assert f'data-region="{world.town.code}"' in page.content.decode()
    for bad in ({"year": "abc"}, {"year": "99999"}, {"community": "nope"}):
        assert client.get("/console/requests/stats/", bad).status_code == 200
    answer = client.get("/console/requests/stats.xlsx", {"year": YEAR})
    sheet = load_workbook(BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    town = next(r for r in rows if r[0] == f"{YEAR}-03" and r[2] == world.town.code)
    assert town[3:6] == (3, 1, 2) and town[10] == 2
    one = client.get("/console/requests/stats/", {"year": YEAR, "community": world.jinyue.code})
    assert {r["f"].region_code for r in one.context["rows"]} == {world.jinyue.code}


def test_a_resident_may_not_open_the_figures(world, month):
    client = Client()
    client.force_login(world.resident)
    assert client.get("/console/requests/stats/").status_code == 403
    assert client.get("/console/requests/stats.xlsx").status_code == 403


def test_is_late(db):
    today = date(2026, 3, 10)
    row = {"due_on": today, "status": Status.ASSIGNED, "done_at": None}
    assert not stats.is_late(row, today)
    assert stats.is_late({**row, "due_on": today - timedelta(days=1)}, today)
    done = {"due_on": today, "status": Status.DONE, "done_at": at(3, 10, 23)}
    done["due_on"] = timezone.localdate(done["done_at"])
    assert not stats.is_late(done, today)
    assert stats.is_late({**done, "due_on": done["due_on"] - timedelta(days=1)}, today)
    assert not stats.is_late({**row, "status": Status.CANCELLED, "due_on": None}, today)
