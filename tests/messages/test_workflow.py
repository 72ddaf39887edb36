"""The message workflow: the table is the only way between statuses; deadlines count
China's working days (国庆 2026); "not resolved" reopens once; the tick escalates."""

from datetime import timedelta

import pytest

from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from jifen.messages import selectors, services
from jifen.messages.models import ALLOWED, STEPS, Event, Message, Status, may_take
from jifen.notices.models import Notice
from tests.messages.conftest import at

pytestmark = pytest.mark.django_db


def test_due_date_skips_the_national_day_holiday(written):
    # Tuesday 2026-09-29 + 3 working days: 09-30, (国庆 10-01..10-08 off), 10-09.
    assert written.due_at == at(2026, 10, 9, 23, 59, 59)
    assert written.first_due_at == written.due_at
    assert written.status == Status.OPEN
    assert written.handling_region == written.region
    assert [e.step for e in written.events.all()] == ["write"]


def test_staff_are_told_of_a_new_message(world, written):
    assert Notice.objects.filter(person=world.staff, kind="message.written").count() == 1
    assert not Notice.objects.filter(person=world.other_staff).exists()


def test_the_table_is_the_only_way():
    for step in STEPS.values():
        for status in Status.values:
            assert may_take(step.name, status) == (status in step.sources)
    assert ALLOWED[Status.CLOSED] == frozenset()
    assert ALLOWED[Status.OPEN] == {Status.ANSWERED, Status.CLOSED}


def test_reply_answers_and_tells_the_author(world, written):
    answer = services.reply(
        actor=world.staff, message=written, body="已联系环卫，今天清运", now=at(2026, 9, 30, 9, 0)
    )
    written.refresh_from_db()
    assert written.status == Status.ANSWERED
    assert written.first_answered_at == written.answered_at == at(2026, 9, 30, 9, 0)
    assert answer.region == world.wenchang
    assert Notice.objects.filter(person=world.resident, kind="message.answered").exists()
    assert AuditEvent.objects.filter(action="messages.reply", target_id=written.pk).exists()
    # A follow-up keeps the first answer's time and moves the last one.
    services.reply(actor=world.staff, message=written, body="补充", now=at(2026, 9, 30, 15, 0))
    written.refresh_from_db()
    assert written.first_answered_at == at(2026, 9, 30, 9, 0)
    assert written.answered_at == at(2026, 9, 30, 15, 0)


def test_rating_closes(world, written):
    services.reply(actor=world.staff, message=written, body="已处理")
    services.rate(actor=world.resident, message=written, rating=5)
    written.refresh_from_db()
    assert (written.status, written.rating) == (Status.CLOSED, 5)
    assert written.closed_at is not None
    with pytest.raises(Conflict) as refused:
        services.rate(actor=world.resident, message=written, rating=4)
    assert refused.value.code == "invalid_transition"


def test_rating_before_an_answer_is_refused(world, written):
    with pytest.raises(Conflict) as refused:
        services.rate(actor=world.resident, message=written, rating=3)
    assert refused.value.code == "invalid_transition"


@pytest.mark.parametrize("rating", [0, 6, -1, True, "5", 2.5, None])
def test_rating_is_one_to_five(world, written, rating):
    services.reply(actor=world.staff, message=written, body="已处理")
    with pytest.raises(InvalidInput):
        services.rate(actor=world.resident, message=written, rating=rating)
    written.refresh_from_db()
    assert written.status == Status.ANSWERED


def test_only_the_author_rates(world, written):
    services.reply(actor=world.staff, message=written, body="已处理")
    for other in (world.staff, world.neighbour):
        with pytest.raises(PermissionDenied):
            services.rate(actor=other, message=written, rating=5)


def test_not_resolved_reopens_once(world, written):
    services.reply(actor=world.staff, message=written, body="已处理", now=at(2026, 9, 30, 9))
    services.rate(
        actor=world.resident,
        message=written,
        rating=1,
        resolved=False,
        note="还是没人清",
        now=at(2026, 10, 9, 10, 0),
    )
    written.refresh_from_db()
    assert written.status == Status.REOPENED
    assert written.reopened_at == at(2026, 10, 9, 10, 0)
    # Friday 10-09 + 3 working days: the make-up Saturday 10-10, Mon 10-12, Tue 10-13.
    assert written.due_at == at(2026, 10, 13, 23, 59, 59)
    assert Notice.objects.filter(person=world.staff, kind="message.reopened").exists()
    services.reply(actor=world.staff, message=written, body="今天已清运")
    with pytest.raises(Conflict) as refused:
        services.rate(actor=world.resident, message=written, rating=1, resolved=False)
    assert refused.value.code == "already_reopened"
    written.refresh_from_db()
    assert written.status == Status.ANSWERED
    services.rate(actor=world.resident, message=written, rating=4)
    written.refresh_from_db()
    assert written.status == Status.CLOSED
    steps = list(written.events.values_list("step", flat=True))
    assert steps == ["write", "reply", "not_resolved", "reply", "rate"]


def test_close_by_staff_needs_a_reason_and_tells_the_author(world, written):
    with pytest.raises(InvalidInput):
        services.close(actor=world.staff, message=written, note="")
    services.close(actor=world.staff, message=written, note="重复留言")
    written.refresh_from_db()
    assert written.status == Status.CLOSED
    assert Notice.objects.filter(person=world.resident, kind="message.closed").exists()
    with pytest.raises(Conflict):
        services.reply(actor=world.staff, message=written, body="x")


def test_the_author_may_withdraw(world, written):
    services.close(actor=world.resident, message=written)
    written.refresh_from_db()
    assert written.status == Status.CLOSED


def test_escalation_by_the_tick(world, desk, written):
    # Not yet due: nothing moves.
    assert services.escalate_overdue(at(2026, 10, 9, 23, 0)) == 0
    assert services.escalate_overdue(at(2026, 10, 10, 9, 0)) == 1
    written.refresh_from_db()
    assert written.handling_region == world.town
    assert written.escalations == 1
    assert written.region == world.wenchang
    # A new deadline from the moment the tick judged: Sat 10-10 (补班) + 3 → Wed 10-14.
    assert written.due_at == at(2026, 10, 14, 23, 59, 59)
    event = written.events.get(step="escalate")
    assert event.actor is None and event.region == world.town
    assert Notice.objects.filter(person=desk.town_staff, kind="message.escalated").exists()
    assert Notice.objects.filter(person=world.resident, kind="message.escalated").exists()
    # Running the tick again at the same moment does nothing more (idempotent).
    assert services.escalate_overdue(at(2026, 10, 10, 9, 0)) == 0
    # The community's staff no longer answer it; the town's do, late or not.
    with pytest.raises(PermissionDenied):
        services.reply(actor=world.staff, message=written, body="x")
    services.reply(actor=desk.town_staff, message=written, body="镇里已督办")
    written.refresh_from_db()
    assert written.status == Status.ANSWERED
    # Answered messages never escalate.
    assert services.escalate_overdue(at(2026, 12, 1, 9, 0)) == 0


def test_escalation_stops_at_the_top(world, desk, written):
    assert services.escalate_overdue(at(2026, 10, 10, 9)) == 1
    assert services.escalate_overdue(at(2026, 10, 15, 9)) == 1
    written.refresh_from_db()
    assert written.handling_region == world.county
    assert services.escalate_overdue(at(2026, 11, 30, 9)) == 0
    assert written.escalations == 2


def test_writing_needs_a_home_region_or_above(world, desk):
    with pytest.raises(InvalidInput) as refused:
        services.write(actor=world.resident, region=world.wanmei, topic="other", body="x")
    assert refused.value.code == "wrong_region"
    # Above: the town and the county are fine.
    for region in (world.town, world.county):
        made = services.write(actor=world.resident, region=region, topic="other", body="问问")
        assert made.handling_region == region
    with pytest.raises(InvalidInput) as refused:
        services.write(actor=desk.inspector, region=world.town, topic="other", body="x")
    assert refused.value.code == "no_home_community"
    with pytest.raises(PermissionDenied):
        services.write(actor=None, region=world.wenchang, topic="other", body="x")


@pytest.mark.parametrize(
    ("body", "field"),
    [("", "body"), (" ", "body"), ("字" * 2001, "body"), ("字" * 5000, "body"), ("a\x00", "body")],
)
def test_bad_bodies(world, desk, body, field):
    with pytest.raises(InvalidInput) as refused:
        services.write(actor=world.resident, region=world.wenchang, topic="other", body=body)
    assert refused.value.field == field
    assert not Message.objects.exists()


@pytest.mark.parametrize("topic", ["", "nope", None, 5, "x" * 100])
def test_unknown_topic(world, desk, topic):
    with pytest.raises(InvalidInput) as refused:
        services.write(actor=world.resident, region=world.wenchang, topic=topic, body="x")
    assert refused.value.field == "topic"


def test_a_community_topic_replaces_the_county_one(world, desk):
    services.save_topic(
        actor=world.staff, region=world.wenchang, code="sanitation", name="垃圾清运", due_days=1
    )
    names = {t.code: t.name for t in selectors.topics(world.wenchang)}
    assert names["sanitation"] == "垃圾清运"
    assert {t.code: t.name for t in selectors.topics(world.jinyue)}["sanitation"] == "环境卫生"
    with pytest.raises(PermissionDenied):
        services.save_topic(actor=world.staff, region=world.jinyue, code="x", name="x", due_days=1)


def test_ensure_topics_is_idempotent(world, desk):
    before = selectors.topics(world.wenchang)
    services.ensure_topics(world.wenchang)
    assert len(selectors.topics(world.wenchang)) == len(before) == 8


def test_inspector_writes_nothing(world, desk, written):
    for call in (
        lambda: services.reply(actor=desk.inspector, message=written, body="x"),
        lambda: services.close(actor=desk.inspector, message=written, note="x"),
        lambda: services.to_incident(actor=desk.inspector, message=written, category="HJWS"),
        lambda: services.to_request(actor=desk.inspector, message=written, category="x", title="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    written.refresh_from_db()
    assert written.status == Status.OPEN
    assert list(Event.objects.filter(message=written).values_list("step", flat=True)) == ["write"]


def test_staff_of_another_region_answer_nothing(world, written):
    with pytest.raises(PermissionDenied):
        services.reply(actor=world.other_staff, message=written, body="x")


def test_readers(world, desk, written):
    private = services.write(
        actor=world.resident, region=world.wenchang, topic="other", body="私信", public=False
    )
    assert selectors.get_visible(world.resident, private.pk) is not None
    assert selectors.get_visible(world.staff, private.pk) is not None
    assert selectors.get_visible(desk.inspector, private.pk) is not None
    assert selectors.get_visible(world.neighbour, private.pk) is None
    assert selectors.get_visible(world.other_staff, private.pk) is None
    board = list(selectors.public_board(world.wenchang))
    assert board == [written]


def test_to_do_counts(world, desk, written):
    late = written.due_at + timedelta(seconds=1)
    todo = selectors.staff_todo(world.staff, late)
    assert (todo["to_answer"].count, todo["overdue"].count) == (1, 1)
    assert todo["overdue"].oldest_at == written.due_at
    assert selectors.staff_todo(desk.inspector, late)["to_answer"].count == 0
    assert selectors.author_todo(world.resident).count == 0
    services.reply(actor=world.staff, message=written, body="好")
    assert selectors.author_todo(world.resident).count == 1
    assert selectors.staff_todo(world.staff, late)["to_answer"].count == 0


def test_mark_lateness_counts_working_days(world, written):
    items = selectors.mark_lateness([written], at(2026, 10, 13, 9))
    # Due Fri 10-09; Sat 10-10 (补班) and Mon 10-12 and Tue 10-13 are working days.
    assert items[0].late_days == 3
