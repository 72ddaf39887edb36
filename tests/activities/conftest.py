from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from jifen.activities import services, tokens
from jifen.activities.models import Activity, Attendance
from jifen.lib.notify import MemoryBackend
from jifen.people.models import Person
from jifen.points.models import RuleItem
from jifen.points.services import save_rule_item
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person
from tests.web.conftest import as_person  # noqa: F401 - the logged-in client fixture, shared


@dataclass
class Items:
    basic: RuleItem  # 10 points per hour
    one_point: RuleItem  # 1 point per hour
    visit: RuleItem  # 5 points per time


@pytest.fixture
def items(world) -> Items:
    def item(code: str, name: str, unit: str, points: int) -> RuleItem:
        return save_rule_item(
            actor=None,
            region=world.county,
            code=code,
            name=name,
            category="邻里互助",
            unit=unit,
            points=points,
            effective_from=date(2020, 1, 1),
        ).item

    return Items(
        basic=item("BASIC", "环境整治", "hour", 10),
        one_point=item("LIGHT", "图书整理", "hour", 1),
        visit=item("VISIT", "探访独居老人", "time", 5),
    )


@pytest.fixture
def outbox() -> list:
    MemoryBackend.outbox.clear()
    return MemoryBackend.outbox


@pytest.fixture
def now() -> datetime:
    return timezone.now()


def set_window(activity: Activity, starts_at: datetime, ends_at: datetime) -> Activity:
    """Move an activity's window anywhere, past included (the service refuses past ones)."""
    Activity.objects.filter(pk=activity.pk).update(starts_at=starts_at, ends_at=ends_at)
    activity.refresh_from_db()
    return activity


def set_times(attendance: Attendance, checkin_at: datetime, checkout_at: datetime | None) -> None:
    Attendance.objects.filter(pk=attendance.pk).update(
        checkin_at=checkin_at, checkout_at=checkout_at
    )
    attendance.refresh_from_db()


def qr(activity: Activity, at: float | None = None) -> str:
    secret = Activity.objects.values_list("qr_secret", flat=True).get(pk=activity.pk)
    return tokens.make(activity.pk, secret, now=at)


@pytest.fixture
def make_activity(world, items, now) -> Callable[..., Activity]:
    """An activity of 文昌 by its staff: published by the reviewer unless ``status`` says
    otherwise; by default it started 10 minutes ago and lasts 2 hours."""

    def make(
        *,
        status: str = "published",
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        capacity: int = 10,
        item: RuleItem | None = None,
        region=None,
        actor: Person | None = None,
        title: str = "江滨花园环境整治",
        **kw,
    ) -> Activity:
        starts_at = starts_at or now - timedelta(minutes=10)
        ends_at = ends_at or starts_at + timedelta(hours=2)
        activity = services.create_activity(
            actor=actor or world.staff,
            region=region or world.wenchang,
            title=title,
            rule_item_id=(item or items.basic).pk,
            starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=1, hours=2),
            capacity=capacity,
            place="江滨花园",
            **kw,
        )
        if status in ("submitted", "published"):
            services.submit_activity(actor=actor or world.staff, activity=activity)
        if status == "published":
            # 文昌's review group, or for a region above it the county's administrator.
            approver = world.reviewer if region in (None, world.wenchang) else world.county_admin
            services.approve_activity(actor=approver, activity=activity)
        return set_window(activity, starts_at, ends_at)

    return make


@pytest.fixture
def volunteers(world) -> Callable[[int], list[Person]]:
    """``n`` more residents of 文昌."""

    def make(n: int) -> list[Person]:
        return [make_person(world.wenchang, f"志愿者{i}") for i in range(n)]

    return make


def in_minutes(now: datetime, minutes: float) -> datetime:
    return now + timedelta(minutes=minutes)
