"""站内消息's service: every message becomes its person's notice in the caller's
transaction, the backend hears after commit, a person reads only their own, and a year
later it is gone."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from jifen.lib import notify
from jifen.lib.errors import NotFound
from jifen.notices import selectors, services
from jifen.notices.models import BODY_LENGTH, TITLE_LENGTH, Notice

pytestmark = pytest.mark.django_db


def test_a_message_is_kept_as_a_notice_and_reaches_the_backend_after_commit(
    world, outbox, django_capture_on_commit_callbacks
):
    message = notify.Message(
        world.resident, "您的申报已通过", "20 积分", kind="claim_approved", url="/claims/7/"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.send([message]) == 1
        # Kept at once, in the caller's transaction; not yet handed to the backend.
        assert outbox == []
    assert len(callbacks) == 1
    assert outbox == [message]
    [kept] = Notice.objects.filter(person=world.resident)
    assert (kept.kind, kept.title, kept.body, kept.url) == (
        "claim_approved",
        "您的申报已通过",
        "20 积分",
        "/claims/7/",
    )
    assert kept.read_at is None
    assert kept.region_id == world.wenchang.pk


def test_a_rolled_back_change_keeps_no_notice_and_sends_nothing(world, outbox):
    class Undone(Exception):
        pass

    with pytest.raises(Undone), transaction.atomic():
        services.send([notify.Message(world.resident, "已取消", "")])
        raise Undone
    assert not Notice.objects.exists()
    assert outbox == []


def test_a_backend_that_fails_after_commit_does_not_lose_the_notice(
    world, settings, django_capture_on_commit_callbacks
):
    settings.JIFEN_NOTIFY_BACKEND = "tests.notices.test_services.Broken"
    with django_capture_on_commit_callbacks(execute=True):
        services.send([notify.Message(world.resident, "订单已取消", "")])
    assert Notice.objects.filter(person=world.resident).count() == 1


class Broken:
    def send(self, messages):
        raise ConnectionError("the mail server is down")


def test_a_backend_written_for_three_fields_still_works(world):
    # A custom SMS/WeChat backend of before reads person, subject and body only.
    message = notify.Message(world.resident, "标题", "正文")
    assert (message.kind, message.url) == ("", "")
    assert notify.ConsoleBackend().send([message]) == 1


def test_only_a_path_of_the_site_is_kept_as_a_link(world):
    for url in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "claims/1/"):
        services.send([notify.Message(world.resident, "x", "", url=url)])
    services.send([notify.Message(world.resident, "x", "", url="/shop/orders/3/")])
    assert sorted(Notice.objects.values_list("url", flat=True)) == [""] * 4 + ["/shop/orders/3/"]


def test_long_text_is_clipped_to_what_the_table_holds(world):
    services.send([notify.Message(world.resident, "题" * 500, "字" * 5000, kind="k" * 80)])
    kept = Notice.objects.get()
    assert len(kept.title) == TITLE_LENGTH and kept.title.endswith("…")
    assert len(kept.body) == BODY_LENGTH
    assert len(kept.kind) == 32


def test_nothing_to_send_is_nothing_kept(world, outbox):
    assert services.send([]) == 0
    assert not Notice.objects.exists()


def test_sent_at_once_outside_a_transaction_counts_what_the_backend_reached(world, outbox):
    messages = [notify.Message(world.resident, "a", ""), notify.Message(world.neighbour, "b", "")]
    assert services.send(messages, after_commit=False) == 2
    assert len(outbox) == 2
    assert Notice.objects.count() == 2


def test_the_list_is_newest_first_and_unread_filters(world, notice):
    old = notice(world.resident, "旧", days=3)
    new = notice(world.resident, "新")
    notice(world.neighbour, "别人的")
    assert list(selectors.notices_of(world.resident)) == [new, old]
    services.mark_read(person=world.resident, notice=new.pk)
    assert list(selectors.notices_of(world.resident, unread=True)) == [old]
    assert selectors.unread_count(world.resident) == 1
    assert selectors.unread_count(world.neighbour) == 1


def test_reading_twice_keeps_the_first_time(world, notice):
    mine = notice(world.resident)
    first = services.mark_read(person=world.resident, notice=mine.pk).read_at
    assert first is not None
    again = services.mark_read(person=world.resident, notice=mine.pk)
    assert again.read_at == first


def test_another_persons_notice_is_not_found_and_stays_unread(world, notice):
    theirs = notice(world.neighbour)
    with pytest.raises(NotFound):
        services.mark_read(person=world.resident, notice=theirs.pk)
    with pytest.raises(NotFound):
        services.mark_read(person=world.resident, notice=theirs.pk + 1000)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_the_persons_own(world, notice):
    notice(world.resident)
    notice(world.resident)
    theirs = notice(world.neighbour)
    assert services.mark_all_read(person=world.resident) == 2
    assert services.mark_all_read(person=world.resident) == 0
    assert selectors.unread_count(world.resident) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_prune_deletes_what_is_older_than_a_year_read_or_not(world, notice):
    old_unread = notice(world.resident, "一年多以前", days=366)
    old_read = notice(world.neighbour, "也很旧", days=400)
    services.mark_read(person=world.neighbour, notice=old_read.pk)
    kept = notice(world.resident, "还不到一年", days=364)
    fresh = notice(world.resident, "今天")
    assert services.prune() == 2
    assert set(Notice.objects.values_list("pk", flat=True)) == {kept.pk, fresh.pk}
    assert not Notice.objects.filter(pk=old_unread.pk).exists()
    assert services.prune() == 0  # twice is harmless


def test_prune_counts_from_the_time_it_is_given(world, notice):
    made = notice(world.resident)
    assert services.prune(now=timezone.now() + timedelta(days=364)) == 0
    assert services.prune(now=timezone.now() + timedelta(days=366)) == 1
    assert not Notice.objects.filter(pk=made.pk).exists()


def test_prune_works_through_more_than_one_batch(world, monkeypatch):
    monkeypatch.setattr(services, "PRUNE_BATCH", 3)
    services.send([notify.Message(world.resident, f"旧{n}", "") for n in range(7)])
    Notice.objects.update(created_at=timezone.now() - timedelta(days=370))
    services.send([notify.Message(world.resident, "新", "")])
    assert services.prune() == 7
    assert list(Notice.objects.values_list("title", flat=True)) == ["新"]
