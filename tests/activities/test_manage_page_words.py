"""The console page of one activity (issue 13): the check-in board only where check-in
makes sense, and the sign-up table's date column says what it holds."""

from datetime import timedelta

import pytest
from django.utils import translation

from jifen.activities import services

BOARD = "/attendance/"


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture
def upcoming(make_activity, now):
    def make(**kw):
        return make_activity(starts_at=now + timedelta(days=2), **kw)

    return make


def _page(client, activity) -> str:
    return client.get(f"/console/activities/{activity.pk}/").content.decode()


def test_a_filing_sent_back_offers_no_check_in_board(world, as_person, upcoming):
    activity = upcoming(status="submitted")
    services.return_activity(actor=world.reviewer, activity=activity, comment="请写明集合时间")
    board = f"/console/activities/{activity.pk}{BOARD}"
    for person in (world.staff, world.reviewer):
        assert board not in _page(as_person(person), activity)


def test_a_draft_a_submitted_or_a_cancelled_activity_offers_none_either(world, as_person, upcoming):
    for status in ("draft", "submitted"):
        activity = upcoming(status=status)
        assert f"/console/activities/{activity.pk}{BOARD}" not in _page(
            as_person(world.staff), activity
        )
    cancelled = upcoming()
    services.cancel_activity(actor=world.staff, activity=cancelled, reason="台风停课")
    assert f"/console/activities/{cancelled.pk}{BOARD}" not in _page(
        as_person(world.staff), cancelled
    )


def test_a_published_activity_offers_it_to_staff_and_the_review_group(
    world, as_person, make_activity
):
    activity = make_activity()  # under way
    board = f"/console/activities/{activity.pk}{BOARD}"
    assert board in _page(as_person(world.staff), activity)
    assert board in _page(as_person(world.reviewer), activity)
    closed = services.close_activity(actor=world.staff, activity=make_activity(title="已结束"))
    assert f"/console/activities/{closed.pk}{BOARD}" in _page(as_person(world.staff), closed)


def test_the_sign_up_table_heads_its_date_column_with_the_time_of_signing_up(
    world, as_person, upcoming
):
    activity = upcoming()
    services.sign_up(actor=world.resident, activity=activity)
    page = _page(as_person(world.staff), activity)
    head = page[page.index("<thead>", page.index(world.resident.volunteer_no) - 2000) :]
    head = head[: head.index("</thead>")]
    assert f"<th>{_zh('Signed up at')}</th>" in head
    assert f"<th>{_zh('Signed up')}</th>" not in head
