"""A resident objects to a published month from its page, and reads the answer there."""

from datetime import timedelta

from django.test import Client

from jifen.publicity import services
from jifen.publicity.models import Announcement, Objection, ObjectionStatus
from tests.publicity.conftest import Month


def _client(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_public_page_leads_residents_to_the_objection_form(
    last_month: Month, published: Announcement
):
    page = Client().get(f"/public/announcements/{published.pk}/")
    assert f"/public/announcements/{published.pk}/object/".encode() in page.content


def test_objecting_needs_a_login(last_month: Month, published: Announcement):
    response = Client().get(f"/public/announcements/{published.pk}/object/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_resident_objects_to_one_of_their_entries_and_reads_the_answer(
    last_month: Month, published: Announcement
):
    resident = last_month.resident
    client = _client(resident)
    url = f"/public/announcements/{published.pk}/object/"
    page = client.get(url)
    assert page.status_code == 200
    mine = [
        t for t in last_month.transfers if resident.pk in (t.debit.person_id, t.credit.person_id)
    ]
    assert mine and str(mine[0].pk).encode() in page.content  # their entries are offered
    response = client.post(url, {"transfer": mine[0].pk, "text": "我那天清扫了 3 小时"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.person, objection.transfer_id, objection.status) == (
        resident,
        mine[0].pk,
        ObjectionStatus.OPEN,
    )
    services.answer(actor=last_month.world.staff, objection=objection, text="已核实，下月补记")
    assert "已核实，下月补记" in client.get(url).content.decode()


def test_an_entry_of_someone_else_is_not_offered_and_is_refused(
    last_month: Month, published: Announcement
):
    resident = last_month.resident
    theirs = next(
        t
        for t in last_month.transfers
        if resident.pk not in (t.debit.person_id, t.credit.person_id)
    )
    response = _client(resident).post(
        f"/public/announcements/{published.pk}/object/", {"transfer": theirs.pk, "text": "x"}
    )
    assert response.status_code == 400
    assert not Objection.objects.exists()


def test_after_the_window_the_form_is_gone_and_a_post_is_refused(
    last_month: Month, published: Announcement
):
    Announcement.objects.filter(pk=published.pk).update(
        objections_until=published.published_at - timedelta(seconds=1)
    )
    client = _client(last_month.resident)
    url = f"/public/announcements/{published.pk}/object/"
    assert b'name="text"' not in client.get(url).content
    response = client.post(url, {"text": "太晚了"})
    assert response.status_code == 400
    assert not Objection.objects.exists()


def test_a_draft_cannot_be_objected_to(last_month: Month, drafted: Announcement):
    response = _client(last_month.resident).get(f"/public/announcements/{drafted.pk}/object/")
    assert response.status_code == 404
