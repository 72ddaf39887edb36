"""The message pages: the resident's phone pages, the public board, the staff console
and the inspectors' read-only view; data and status codes, not words."""

import pytest
from django.test import Client

from jifen.messages import services
from jifen.messages.models import Message, Status

pytestmark = pytest.mark.django_db


def _client(person=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if person is not None:
        client.force_login(person)
    return client


def test_write_in_few_taps(world, desk):
    client = _client(world.resident)
    page = client.get("/messages/new/")
    assert page.status_code == 200
    assert b'name="topic"' in page.content and b'value="350524100001"' in page.content
    response = client.post(
        "/messages/new/",
        {"region": "350524100001", "topic": "sanitation", "body": "垃圾没清运", "public": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Message.objects.get()
    assert response["Location"] == f"/messages/{made.pk}/"
    assert made.public and made.region == world.wenchang
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert b"data-due" in detail.content
    mine = client.get("/messages/")
    assert f'data-message="{made.pk}"'.encode() in mine.content


def test_write_refusals_stay_on_the_form(world, desk):
    client = _client(world.resident)
    response = client.post(
        "/messages/new/", {"region": "350524100001", "topic": "sanitation", "body": ""}
    )
    assert response.status_code == 400
    response = client.post(
        "/messages/new/",
        {"region": "350524100001", "topic": "sanitation", "body": "字" * 5000, "public": "1"},
    )
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_no_home_community_shows_an_empty_state(world, desk):
    page = _client(desk.inspector).get("/messages/new/")
    assert page.status_code == 200
    assert b'id="message-form"' not in page.content


def test_rate_with_stars_and_not_resolved(world, desk, written):
    services.reply(actor=world.staff, message=written, body="已清运")
    client = _client(world.resident)
    page = client.get(f"/messages/{written.pk}/")
    assert b'id="rate-form"' in page.content and b'name="resolved"' in page.content
    response = client.post(
        f"/messages/{written.pk}/rate/", {"rating": "2", "resolved": "0", "note": "没清"}
    )
    assert response.status_code == 302
    written.refresh_from_db()
    assert written.status == Status.REOPENED
    services.reply(actor=world.staff, message=written, body="再清")
    page = client.get(f"/messages/{written.pk}/")
    # Said once: the choice is gone, only the stars stay.
    assert b'id="rate-form"' in page.content and b'name="resolved" value="1"' in page.content
    response = client.post(f"/messages/{written.pk}/rate/", {"rating": "2", "resolved": "0"})
    assert response.status_code == 409
    response = client.post(f"/messages/{written.pk}/rate/", {"rating": "9", "resolved": "1"})
    assert response.status_code == 400
    response = client.post(f"/messages/{written.pk}/rate/", {"rating": "4", "resolved": "1"})
    assert response.status_code == 302
    written.refresh_from_db()
    assert (written.status, written.rating) == (Status.CLOSED, 4)


def test_others_do_not_see_a_message(world, desk, written):
    for person in (world.neighbour, world.other_staff):
        assert _client(person).get(f"/messages/{written.pk}/").status_code == 404
    assert _client(world.neighbour).post(f"/messages/{written.pk}/rate/", {}).status_code == 404
    assert _client().get(f"/messages/{written.pk}/").status_code == 302  # to the login
    assert _client(world.resident).get("/messages/99999999999999999999/").status_code == 404


def test_public_board_without_login(world, desk, written):
    services.reply(actor=world.staff, message=written, body="已清运")
    services.write(
        actor=world.resident, region=world.wenchang, topic="other", body="私事", public=False
    )
    page = _client().get("/messages/board/350524100001/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "王*英" in text and "王淑英" not in text and world.resident.phone not in text
    assert "已清运" in text and "陈文昌" not in text
    assert "私事" not in text
    assert _client().get("/messages/board/350524100/").status_code == 200
    assert _client().get("/messages/board/nope/").status_code == 404


def test_staff_console(world, desk, written):
    client = _client(world.staff)
    page = client.get("/console/messages/")
    assert page.status_code == 200
    assert f'data-message="{written.pk}"'.encode() in page.content
    assert client.get("/console/messages/?status=bogus&topic=x").status_code == 200
    overdue = client.get("/console/messages/?overdue=on")
    assert b"data-late=" in overdue.content  # due 2026-10-09: long past
    detail = client.get(f"/console/messages/{written.pk}/")
    assert b'id="reply-form"' in detail.content
    response = client.post(f"/console/messages/{written.pk}/reply/", {"reply-body": "已清运"})
    assert response.status_code == 302
    written.refresh_from_db()
    assert written.status == Status.ANSWERED
    detail = client.get(f"/console/messages/{written.pk}/")
    assert b"data-answered-late" in detail.content
    response = client.post(f"/console/messages/{written.pk}/reply/", {"reply-body": ""})
    assert response.status_code == 400
    # Answered: the author rates it (or says it is not resolved); staff cannot close it.
    assert b'id="close"' not in detail.content
    response = client.post(f"/console/messages/{written.pk}/close/", {"close-note": "已办结"})
    assert response.status_code == 409
    written.refresh_from_db()
    assert written.status == Status.ANSWERED
    services.rate(actor=world.resident, message=written, rating=5)
    response = client.post(f"/console/messages/{written.pk}/reply/", {"reply-body": "x"})
    assert response.status_code == 409


def test_staff_of_another_region(world, desk, written):
    client = _client(world.other_staff)
    assert client.get(f"/console/messages/{written.pk}/").status_code == 404
    response = client.post(f"/console/messages/{written.pk}/reply/", {"reply-body": "x"})
    assert response.status_code == 404


def test_inspector_reads_the_console_without_forms(world, desk, written):
    client = _client(desk.inspector)
    page = client.get("/console/messages/")
    assert page.status_code == 200 and b"data-read-only" in page.content
    detail = client.get(f"/console/messages/{written.pk}/")
    assert detail.status_code == 200
    assert b'action="/console/messages/' not in detail.content
    assert b"textarea" not in detail.content
    response = client.post(f"/console/messages/{written.pk}/reply/", {"reply-body": "x"})
    assert response.status_code == 403
    written.refresh_from_db()
    assert written.status == Status.OPEN


def test_residents_have_no_console(world, desk, written):
    assert _client(world.resident).get("/console/messages/").status_code == 403


def test_turn_into_an_incident_from_the_console(world, desk, written, grids):
    client = _client(world.staff)
    detail = client.get(f"/console/messages/{written.pk}/")
    assert b'action="/console/messages/%d/incident/' % written.pk in detail.content
    response = client.post(
        f"/console/messages/{written.pk}/incident/", {"incident-category": "HJWS"}
    )
    assert response.status_code == 302
    written.refresh_from_db()
    assert written.incident is not None
    assert written.incident.community == world.wenchang
    # The incident's console page leads back to the message it came from.
    incident_page = client.get(f"/console/incidents/{written.incident_id}/")
    assert incident_page.status_code == 200
    assert f'data-message="{written.pk}"'.encode() in incident_page.content
