"""Defects found walking and attacking the message pages, each pinned down: the history
says "answer due by" only where a deadline was set, and in the reader's language; the
close button says what it does; a deadline in a year whose holidays nobody entered says
so; a bad photo leaves no file; a photo gone from storage is a 404; the tick moves a
message once per deadline and tells each reader once."""

import io
import json
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from jifen.lib.errors import Conflict
from jifen.lib.models import CalendarDay
from jifen.messages import services
from jifen.messages.models import Message, Status
from jifen.notices.models import Notice
from tests.messages.conftest import at

pytestmark = pytest.mark.django_db


def _client(person=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if person is not None:
        client.force_login(person)
    return client


def _steps(html: str) -> dict[str, str]:
    """Each history line's text by its step (the last of a step wins)."""
    found = {}
    for chunk in html.split('data-step="')[1:]:
        step, rest = chunk.split('"', 1)
        found[step] = rest.split("</li>", 1)[0]
    return found


def test_history_says_answer_due_only_where_a_deadline_was_set(world, desk, written, grids):
    services.reply(actor=world.staff, message=written, body="已清运", now=at(2026, 9, 30, 9))
    services.to_incident(actor=world.staff, message=written, category="HJWS")
    for client, url in (
        (_client(world.resident), f"/messages/{written.pk}/"),
        (_client(world.staff), f"/console/messages/{written.pk}/"),
    ):
        lines = _steps(client.get(url).content.decode())
        assert "answer due by" in lines["write"]
        assert "answer due by" not in lines["reply"]
        assert "answer due by" not in lines["to_incident"]


def test_an_answered_message_is_not_offered_to_staff_to_close(world, desk, written):
    # Closing an answer would take the author's "not resolved" away: they rate it, or it
    # closes by itself after RATE_DAYS.
    page = _client(world.staff).get(f"/console/messages/{written.pk}/").content.decode()
    assert "Close without an answer" in page
    services.reply(actor=world.staff, message=written, body="已清运")
    page = _client(world.staff).get(f"/console/messages/{written.pk}/").content.decode()
    assert "Close without an answer" not in page
    assert "Close with a reason" not in page and 'id="close"' not in page


def test_an_unrated_answer_closes_by_itself_after_the_rating_days(world, desk, written):
    services.reply(actor=world.staff, message=written, body="已清运", now=at(2026, 10, 12, 9))
    assert services.close_unrated(at(2026, 10, 19, 8)) == 0  # not yet seven days
    assert services.close_unrated(at(2026, 10, 19, 10)) == 1
    assert services.close_unrated(at(2026, 10, 30, 10)) == 0  # once
    written.refresh_from_db()
    assert written.status == Status.CLOSED and written.rating is None
    last = written.events.order_by("id").last()
    assert (last.step, last.actor_id) == ("auto_close", None)
    with pytest.raises(Conflict):
        services.rate(actor=world.resident, message=written, rating=1, resolved=False)


def test_system_notes_in_the_readers_language(world, desk, written, grids):
    services.escalate_overdue(at(2026, 10, 10, 9))
    services.to_incident(actor=desk.town_staff, message=written, category="HJWS")
    written.refresh_from_db()
    # The tick's and the link's notes were stored in the deployment's language (Chinese);
    # an English reader reads them in English.
    lines = _steps(
        _client(desk.town_staff).get(f"/console/messages/{written.pk}/").content.decode()
    )
    assert "Unanswered past the deadline at 文昌社区" in lines["escalate"]
    assert f"Grid incident {written.incident_id}" in lines["to_incident"]


def test_spring_festival_2027_deadline_says_it_may_move(world, desk):
    # Nobody knows 2027's holidays yet: Wed 02-03 + 3 working days counts Mon to Fri.
    made = services.write(
        actor=world.resident,
        region=world.wenchang,
        topic="sanitation",
        body="春节前楼道堆满杂物",
        now=at(2027, 2, 3, 10),
    )
    assert made.due_at == at(2027, 2, 8, 23, 59, 59)
    for client, url in (
        (_client(world.resident), f"/messages/{made.pk}/"),
        (_client(world.staff), f"/console/messages/{made.pk}/"),
    ):
        assert 'data-provisional="2027"' in client.get(url).content.decode()
    # An administrator enters the Spring Festival (02-06..02-14 off): the next one counts
    # it, and the pages no longer warn.
    for n in range(6, 15):
        CalendarDay.objects.create(day=date(2027, 2, n), is_working=False)
    later = services.write(
        actor=world.resident,
        region=world.wenchang,
        topic="sanitation",
        body="春节前楼道堆满杂物",
        now=at(2027, 2, 3, 10),
    )
    assert later.due_at == at(2027, 2, 15, 23, 59, 59)
    assert (
        "data-provisional"
        not in _client(world.resident).get(f"/messages/{later.pk}/").content.decode()
    )


def test_national_day_2026_deadlines(world, desk):
    services.save_topic(
        actor=None, region=world.county, code="urgent", name="紧急", due_days=1, position=0
    )
    eve = services.write(
        actor=world.resident,
        region=world.wenchang,
        topic="urgent",
        body="x",
        now=at(2026, 9, 30, 18),
    )
    assert eve.due_at == at(2026, 10, 8, 23, 59, 59)  # 10-01..10-07 off
    back = services.write(
        actor=world.resident,
        region=world.wenchang,
        topic="urgent",
        body="x",
        now=at(2026, 10, 9, 9),
    )
    assert back.due_at == at(2026, 10, 10, 23, 59, 59)  # the make-up Saturday works
    page = _client(world.resident).get(f"/messages/{back.pk}/").content.decode()
    assert "data-provisional" not in page


def _jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "ok.jpg"
    return buffer


def _stored() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "messages"
    return set(root.rglob("*.*")) if root.exists() else set()


def test_a_bad_second_photo_leaves_no_file(world, desk, api):
    before = _stored()
    bad = io.BytesIO(b"not a picture")
    bad.name = "bad.jpg"
    client = api(world.resident)
    response = client.client.post(
        "/api/v1/messages",
        {"region": world.wenchang.code, "topic": "other", "body": "看图", "photos": [_jpeg(), bad]},
        headers=client.headers,
    )
    assert response.status_code == 400
    assert not Message.objects.exists()
    assert _stored() == before


def test_a_photo_gone_from_storage_is_404(world, desk, api):
    made = services.write(
        actor=world.resident, region=world.wenchang, topic="other", body="图", photos=[_jpeg()]
    )
    photo = made.photos.get()
    Path(photo.image.path).unlink()
    client = api(world.resident)
    response = client.get(f"/messages/{made.pk}/photos/{photo.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert _client(world.resident).get(f"/messages/photos/{photo.pk}/").status_code == 404


def test_the_tick_moves_a_message_once_per_deadline(world, desk, written):
    for _ in range(2):
        call_command("tick", "--as-of", "2026-10-09", stdout=StringIO())  # due that day
    written.refresh_from_db()
    assert written.escalations == 0
    for _ in range(2):
        call_command("tick", "--as-of", "2026-10-10", stdout=StringIO())
    written.refresh_from_db()
    assert (written.escalations, written.handling_region) == (1, world.town)
    told = Notice.objects.filter(person=world.resident, kind="message.escalated")
    assert told.count() == 1
    assert Notice.objects.filter(person=desk.town_staff, kind="message.escalated").count() == 1
    # In the reader's language: the list renders the notice in English for an English
    # reader, in Chinese for a Chinese one.
    page = _client(world.resident).get("/me/notices/").content.decode()
    assert "went up to" in page
    # Past the new deadline, once more, to the county; then it stays.
    call_command("tick", "--as-of", "2026-10-16", stdout=StringIO())
    call_command("tick", "--as-of", "2026-10-30", stdout=StringIO())
    written.refresh_from_db()
    assert (written.escalations, written.handling_region) == (2, world.county)
    assert told.count() == 2


def test_a_page_without_forms_says_why(world, desk, written):
    inspector = _client(desk.inspector).get(f"/console/messages/{written.pk}/").content.decode()
    assert "data-read-only" in inspector and "data-answered-elsewhere" not in inspector
    staff = _client(world.staff).get(f"/console/messages/{written.pk}/").content.decode()
    assert "data-read-only" not in staff and "data-answered-elsewhere" not in staff
    services.escalate_overdue(at(2026, 10, 10, 9))
    staff = _client(world.staff).get(f"/console/messages/{written.pk}/").content.decode()
    assert "data-answered-elsewhere" in staff and 'id="reply-form"' not in staff
    town = _client(desk.town_staff).get(f"/console/messages/{written.pk}/").content.decode()
    assert "data-answered-elsewhere" not in town and 'id="reply-form"' in town


def test_every_step_is_audited_and_in_the_history(world, desk, written, grids):
    from jifen.audit.models import AuditEvent  # noqa: PLC0415
    from jifen.requests.services import save_menu_item  # noqa: PLC0415

    save_menu_item(
        actor=None,
        region=world.county,
        code="clean",
        name="清洁服务",
        group="生活服务",
        rule_item=grids.report_item,
        points=2,
    )
    services.escalate_overdue(at(2026, 10, 10, 9))
    services.to_incident(actor=desk.town_staff, message=written, category="HJWS")
    services.to_request(actor=desk.town_staff, message=written, category="clean", title="清运")
    services.reply(actor=desk.town_staff, message=written, body="已督办")
    services.rate(actor=world.resident, message=written, rating=2, resolved=False)
    services.reply(actor=desk.town_staff, message=written, body="已清运")
    services.close_unrated(timezone.now() + timedelta(days=8))
    steps = list(written.events.values_list("step", flat=True))
    assert steps == [
        "write",
        "escalate",
        "to_incident",
        "to_request",
        "reply",
        "not_resolved",
        "reply",
        "auto_close",
    ]
    audited = list(
        AuditEvent.objects.filter(action__startswith="messages.", target_id=written.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert audited == [f"messages.{step}" for step in steps]


def test_forms_need_the_csrf_token(world, desk, written):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    client.force_login(world.resident)
    body = {"region": world.wenchang.code, "topic": "other", "body": "x", "public": "1"}
    assert client.post("/messages/new/", body).status_code == 403
    assert client.post(f"/messages/{written.pk}/withdraw/").status_code == 403
    staff = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    staff.force_login(world.staff)
    assert (
        staff.post(f"/console/messages/{written.pk}/reply/", {"reply-body": "x"}).status_code == 403
    )
    written.refresh_from_db()
    assert Message.objects.count() == 1 and written.status == "open"
    assert not written.replies.exists()


@pytest.mark.parametrize("text", ["坏\x00字", "\x00", "\u202e反向", " \t\n "])
def test_control_characters_are_refused_or_cleaned(world, desk, api, written, text):
    """A NUL is refused by PostgreSQL in a text column: never a 500, nothing written."""
    responses = [
        api(world.resident).post(
            "/messages",
            {"region": world.wenchang.code, "topic": "other", "body": text, "public": True},
        ),
        api(world.staff).post(f"/messages/{written.pk}/reply", {"body": text}),
        api(world.staff).post(f"/messages/{written.pk}/close", {"note": text}),
    ]
    page = _client(world.staff).post(f"/console/messages/{written.pk}/reply/", {"reply-body": text})
    responses.append(page)
    for response in responses:
        assert response.status_code in (200, 201, 302, 400), response.content[:300]
    for message in Message.objects.all():
        assert "\x00" not in message.body
        assert all("\x00" not in r.body for r in message.replies.all())


def test_the_towns_queue_filters_by_community(world, desk, written):
    other = services.write(
        actor=world.neighbour, region=world.jinyue, topic="other", body="金悦的事"
    )
    town = _client(desk.town_staff)
    page = town.get("/console/messages/").content.decode()
    assert 'name="region"' in page
    assert f'data-message="{written.pk}"' in page and f'data-message="{other.pk}"' in page
    page = town.get(f"/console/messages/?region={world.jinyue.code}").content.decode()
    assert f'data-message="{other.pk}"' in page and f'data-message="{written.pk}"' not in page
    # A region out of reach is an invalid choice: nothing listed, no 500.
    response = town.get(f"/console/messages/?region={world.wanmei.code}")
    assert response.status_code == 200
    assert f'data-message="{written.pk}"' not in response.content.decode()
    # The community's staff have one place only: no such filter.
    assert 'name="region"' not in _client(world.staff).get("/console/messages/").content.decode()


def test_numbers_typed_in_a_public_message_are_masked_on_the_board(world, desk, api):
    made = services.write(
        actor=world.resident,
        region=world.wenchang,
        topic="other",
        body="请回电 138-1234-5678，身份证 350524199001011234，门牌 12 号",
    )
    services.reply(actor=world.staff, message=made, body="请拨打 +86 13900001111 联系物业")
    board = api(None).get(f"/public/messages?region={world.wenchang.code}")
    page = _client().get(f"/messages/board/{world.wenchang.code}/")
    for text in (json.dumps(board.json(), ensure_ascii=False), page.content.decode()):
        assert "5678" in text and "138****5678" in text
        assert "138-1234-5678" not in text and "12345678" not in text
        assert "350524199001011234" not in text and "3505**********1234" in text
        assert "13900001111" not in text and "139****1111" in text
        assert "门牌 12 号" in text
    # The author and the staff read the number whole, to call back.
    assert "138-1234-5678" in api(world.staff).get(f"/messages/{made.pk}").json_body["body"]


def test_the_author_reads_why_staff_closed_it_at_the_top(world, desk, written):
    services.close(actor=world.staff, message=written, note="已与物业协调，垃圾桶已加装")
    page = _client(world.resident).get(f"/messages/{written.pk}/").content.decode()
    assert "data-closed-by-staff" in page
    head = page.split('id="answers"', 1)[0]
    assert "已与物业协调，垃圾桶已加装" in head
    # Withdrawn by the author: no such card.
    other = services.write(actor=world.resident, region=world.wenchang, topic="other", body="x")
    services.close(actor=world.resident, message=other)
    assert (
        "data-closed-by-staff"
        not in _client(world.resident).get(f"/messages/{other.pk}/").content.decode()
    )
