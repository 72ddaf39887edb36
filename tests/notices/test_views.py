"""我的消息 and the bell: the header counts what is unread with one query (nothing for
anonymous visitors), the list shows read and unread newest first, opening a notice reads
it and goes where it points, and "mark all read" is a POST of the person's own."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jifen.notices.models import Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_person():
    def login(person) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(person)
        return client

    return login


def text(response) -> str:
    return response.content.decode()


def notice_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "notices_notice" in q["sql"]]


def test_the_bell_shows_the_unread_count_with_one_query(world, as_person, notice):
    notice(world.resident)
    notice(world.resident)
    read = notice(world.resident)
    read.read_at = read.created_at
    read.save()
    notice(world.neighbour)
    client = as_person(world.resident)
    with CaptureQueriesContext(connection) as captured:
        page = text(client.get("/points/"))
    assert 'class="bell-count" data-unread="2"' in page
    assert 'href="/me/notices/"' in page
    assert len(notice_queries(captured)) == 1


def test_no_count_when_all_is_read_and_nothing_for_anonymous_visitors(world, as_person, notice):
    page = text(as_person(world.resident).get("/points/"))
    assert 'href="/me/notices/"' in page and "bell-count" not in page
    with CaptureQueriesContext(connection) as captured:
        anonymous = text(Client().get("/shop/"))
    assert "/me/notices/" not in anonymous
    assert notice_queries(captured) == []


def test_the_bell_says_99_plus_beyond_99(world, as_person, notice):
    from jifen.lib.notify import Message
    from jifen.notices import services

    services.send([Message(world.resident, f"第{n}条", "") for n in range(120)])
    page = text(as_person(world.resident).get("/points/"))
    assert 'data-unread="120">99+<' in page


def test_the_list_shows_read_and_unread_newest_first_each_linking_to_open(world, as_person, notice):
    old = notice(world.resident, "一周前的消息", days=7)
    new = notice(world.resident, "今天的消息", body="20 积分已到账")
    notice(world.neighbour, "邻居的消息")
    old.read_at = old.created_at
    old.save()
    response = as_person(world.resident).get("/me/notices/")
    assert response.status_code == 200
    page = text(response)
    assert page.index("今天的消息") < page.index("一周前的消息")
    assert "邻居的消息" not in page
    assert "20 积分已到账" in page
    assert f'href="/me/notices/{new.pk}/"' in page and f'href="/me/notices/{old.pk}/"' in page
    assert page.count("is-unread") == 1 and page.count("is-read") == 1
    assert 'action="/me/notices/read-all/"' in page


def test_the_unread_tab_and_its_empty_state(world, as_person, notice):
    client = as_person(world.resident)
    empty = text(client.get("/me/notices/"))
    assert "empty-state" in empty and "read-all" not in empty
    mine = notice(world.resident, "未读的")
    assert "未读的" in text(client.get("/me/notices/?show=unread"))
    client.get(f"/me/notices/{mine.pk}/")
    unread_tab = text(client.get("/me/notices/?show=unread"))
    assert "未读的" not in unread_tab and "empty-state" in unread_tab


def test_the_list_is_paginated(world, as_person):
    from jifen.lib.notify import Message
    from jifen.notices import services

    services.send([Message(world.resident, f"消息{n:02d}", "") for n in range(25)])
    client = as_person(world.resident)
    first = text(client.get("/me/notices/"))
    assert "消息24" in first and "消息04" not in first and "page=2" in first
    second = text(client.get("/me/notices/?page=2"))
    assert "消息04" in second and "消息24" not in second


def test_opening_a_notice_reads_it_and_goes_where_it_points(world, as_person, notice):
    mine = notice(world.resident, url="/shop/orders/5/")
    response = as_person(world.resident).get(f"/me/notices/{mine.pk}/")
    assert response.status_code == 302 and response["Location"] == "/shop/orders/5/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_a_notice_without_a_link_opens_back_to_the_list(world, as_person, notice):
    mine = notice(world.resident, url="")
    response = as_person(world.resident).get(f"/me/notices/{mine.pk}/")
    assert response.status_code == 302 and response["Location"] == "/me/notices/"


def test_another_persons_notice_is_not_found_and_stays_unread(world, as_person, notice):
    theirs = notice(world.neighbour)
    response = as_person(world.resident).get(f"/me/notices/{theirs.pk}/")
    assert response.status_code == 404
    response = as_person(world.resident).get("/me/notices/99999999999/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_is_a_post_of_ones_own(world, as_person, notice):
    notice(world.resident)
    notice(world.resident)
    theirs = notice(world.neighbour)
    client = as_person(world.resident)
    assert client.get("/me/notices/read-all/").status_code == 405
    assert Notice.objects.filter(person=world.resident, read_at__isnull=True).count() == 2
    response = client.post("/me/notices/read-all/")
    assert response.status_code == 302 and response["Location"] == "/me/notices/"
    assert not Notice.objects.filter(person=world.resident, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "bell-count" not in text(client.get("/me/notices/"))


def test_mark_all_read_needs_the_csrf_token(world, notice):
    notice(world.resident)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.resident)
    assert client.post("/me/notices/read-all/").status_code == 403
    assert Notice.objects.filter(read_at__isnull=True).count() == 1


def test_the_pages_need_a_login(world, notice):
    mine = notice(world.resident)
    for path in ("/me/notices/", f"/me/notices/{mine.pk}/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert Client().post("/me/notices/read-all/").status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is None


def test_the_list_keeps_its_queries_few(world, as_person, django_assert_max_num_queries):
    from jifen.lib.notify import Message
    from jifen.notices import services

    services.send([Message(world.resident, f"消息{n}", "正文") for n in range(40)])
    client = as_person(world.resident)
    with django_assert_max_num_queries(8):
        client.get("/me/notices/")
