"""The notices over HTTP (CONTRACT, "Wave 2: daily work"): GET /me/notices newest first,
?unread=true, paginated as every list; POST /me/notices/{id}/read and read-all. Only ever
the caller's own: another person's notice is not_found, as one that does not exist."""

import pytest

from jifen.notices.models import Notice
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

FIELDS = {"id", "kind", "title", "body", "url", "created_at", "read_at"}


def test_my_notices_newest_first_with_the_contracts_fields(world, api, notice):
    old = notice(world.resident, "旧的", days=2)
    new = notice(world.resident, "新的", url="/shop/orders/9/", kind="order_cancelled")
    notice(world.neighbour, "别人的")
    response = api(world.resident).get("/me/notices")
    assert response.status_code == 200, response.content
    page = response.json()
    assert page["count"] == 2
    assert [n["id"] for n in page["items"]] == [new.pk, old.pk]
    first = page["items"][0]
    assert set(first) == FIELDS
    assert first["kind"] == "order_cancelled" and first["url"] == "/shop/orders/9/"
    assert first["title"] == "新的" and first["read_at"] is None


def test_unread_true_lists_only_those_not_read(world, api, notice):
    read = notice(world.resident, "已读")
    unread = notice(world.resident, "未读")
    client = api(world.resident)
    assert client.post(f"/me/notices/{read.pk}/read").status_code == 200
    page = client.get("/me/notices?unread=true").json()
    assert [n["id"] for n in page["items"]] == [unread.pk]
    everything = client.get("/me/notices?unread=false").json()
    assert everything["count"] == 2


def test_paginated_as_other_lists(world, api, notice):
    for n in range(5):
        notice(world.resident, f"第{n}条")
    page = api(world.resident).get("/me/notices?limit=2&offset=1").json()
    assert page["count"] == 5
    assert [n["title"] for n in page["items"]] == ["第3条", "第2条"]
    assert_error(api(world.resident).get("/me/notices?limit=201"), 400, "invalid_input")
    assert_error(api(world.resident).get("/me/notices?offset=-1"), 400, "invalid_input")


def test_marking_read_answers_the_notice_and_keeps_the_first_time(world, api, notice):
    mine = notice(world.resident)
    client = api(world.resident)
    first = client.post(f"/me/notices/{mine.pk}/read")
    assert first.status_code == 200, first.content
    assert set(first.json()) == FIELDS and first.json()["read_at"] is not None
    again = client.post(f"/me/notices/{mine.pk}/read")
    assert again.json()["read_at"] == first.json()["read_at"]
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_another_persons_notice_is_not_found_and_stays_unread(world, api, notice):
    theirs = notice(world.neighbour)
    for reader in (world.resident, world.staff, world.county_admin):
        assert_error(api(reader).post(f"/me/notices/{theirs.pk}/read"), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # Nor is it in anyone else's list.
    assert api(world.county_admin).get("/me/notices").json()["count"] == 0


@pytest.mark.parametrize("bad", ["0", "-1", str(2**63), "abc", "1.5"])
def test_bad_ids_are_bad_input(world, api, bad):
    # Ids outside 1..2^63-1 on every route: 400 (CONTRACT, hardening rules), never a 500.
    assert_error(api(world.resident).post(f"/me/notices/{bad}/read"), 400, "invalid_input")


def test_an_id_that_does_not_exist_is_not_found(world, api):
    assert_error(api(world.resident).post(f"/me/notices/{2**63 - 1}/read"), 404, "not_found")


def test_read_all_marks_only_the_callers_own(world, api, notice):
    notice(world.resident)
    notice(world.resident)
    theirs = notice(world.neighbour)
    response = api(world.resident).post("/me/notices/read-all")
    assert response.status_code == 200, response.content
    assert response.json() == {"read": 2}
    assert api(world.resident).post("/me/notices/read-all").json() == {"read": 0}
    assert not Notice.objects.filter(person=world.resident, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_callers_are_refused(world, api, notice):
    mine = notice(world.resident)
    assert_error(api().get("/me/notices"), 401, "not_authenticated")
    assert_error(api().post(f"/me/notices/{mine.pk}/read"), 401, "not_authenticated")
    assert_error(api().post("/me/notices/read-all"), 401, "not_authenticated")
    mine.refresh_from_db()
    assert mine.read_at is None


def test_the_list_costs_the_same_queries_however_many(
    world, api, notice, django_assert_max_num_queries
):
    for n in range(30):
        notice(world.resident, f"第{n}条")
    client = api(world.resident)
    client.get("/me/notices")  # warm: the token's once-a-minute touch
    with django_assert_max_num_queries(4):
        page = client.get("/me/notices?limit=30").json()
    assert len(page["items"]) == 30
