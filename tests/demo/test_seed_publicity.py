"""The demo's 公示: 文昌's last two months published and sealed (an objection waiting for
an answer, one answered), 湾美's last month drafted for its reviewers, the rankings rolled up — once
however often `jifen seed demo` runs, every seal holding."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jifen.lib.months import label, previous_month
from jifen.publicity.models import Announcement, MonthlyPoints, Objection, ObjectionStatus, Status
from jifen.publicity.services import check_seals


@pytest.fixture
def seeded(db) -> None:
    call_command("seed", "demo", stdout=StringIO())


def _state() -> list[tuple[str, str, str, str]]:
    return list(
        Announcement.objects.order_by("community__code", "month").values_list(
            "community__code", "month", "status", "seal"
        )
    )


def test_the_demo_has_sealed_months_a_draft_and_an_open_objection(seeded):
    last = previous_month(timezone.localdate().replace(day=1))
    before = previous_month(last)
    assert [(c, m, s) for c, m, s, _seal in _state()] == [
        ("350524100001", label(before), Status.PUBLISHED),
        ("350524100001", label(last), Status.PUBLISHED),
        ("350524106001", label(last), Status.DRAFT),
    ]
    latest = Announcement.objects.get(community__code="350524100001", month=label(last))
    assert latest.previous_seal == Announcement.objects.get(month=label(before)).seal
    assert latest.leaf_count and latest.leaf_count > 0
    # One waits for the staff's answer (last month), one was answered (the month before).
    assert Objection.objects.get(announcement=latest).status == ObjectionStatus.OPEN
    answered = Objection.objects.get(announcement__month=label(before))
    assert answered.status == ObjectionStatus.ANSWERED and answered.answer
    assert MonthlyPoints.objects.exists()
    assert list(check_seals()) == []


def test_seeding_again_changes_no_announcement(seeded):
    first = (_state(), Objection.objects.count(), MonthlyPoints.objects.count())
    call_command("seed", "demo", stdout=StringIO())
    assert (_state(), Objection.objects.count(), MonthlyPoints.objects.count()) == first
