"""The pages: a resident votes with big buttons and changes the vote; the public page
needs no login; the console opens a matter prefilled from its source and takes steps
behind confirmations; an inspector reads it with no step offered."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jifen.deliberation import services
from jifen.deliberation.models import Matter, Status, Tier, Vote
from tests.conftest import PASSWORD
from tests.deliberation.conftest import building_poll

pytestmark = pytest.mark.django_db


def _client(person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=person.phone, password=PASSWORD)
    return client


def test_a_resident_sees_the_poll_votes_and_changes_the_vote(world, block):
    matter = building_poll(world, block)
    client = _client(block.residents[0])
    mine = client.get(reverse("deliberation:mine"))
    assert f'data-matter="{matter.pk}"' in mine.content.decode()
    page = client.get(reverse("deliberation:detail", args=[matter.pk]))
    html = page.content.decode()
    assert 'data-choice="agree"' in html and "data-results-hidden" in html
    client.post(reverse("deliberation:vote", args=[matter.pk]), {"choice": "agree"})
    client.post(reverse("deliberation:vote", args=[matter.pk]), {"choice": "abstain"})
    assert Vote.objects.get(matter=matter).choice == "abstain"
    html = client.get(reverse("deliberation:detail", args=[matter.pk])).content.decode()
    assert 'data-my-choice="abstain"' in html
    outsider = _client(block.outsider)
    outsider.post(reverse("deliberation:vote", args=[matter.pk]), {"choice": "agree"})
    assert Vote.objects.filter(matter=matter).count() == 1
    assert (
        'data-choice="agree"'
        not in outsider.get(reverse("deliberation:detail", args=[matter.pk])).content.decode()
    )


def test_the_public_page_needs_no_login_and_shows_the_result_after_the_close(world, block):
    matter = building_poll(world, block, hours=1)
    services.vote(actor=block.residents[0], matter=matter, choice="agree")
    anonymous = Client()
    page = anonymous.get(reverse("deliberation:public_detail", args=[matter.pk]))
    assert page.status_code == 200 and "data-results-hidden" in page.content.decode()
    Matter.objects.filter(pk=matter.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    html = anonymous.get(reverse("deliberation:public_detail", args=[matter.pk])).content.decode()
    assert 'data-agree="1"' in html and 'data-electorate="3"' in html
    listed = anonymous.get(reverse("deliberation:public_list", args=[world.wenchang.code]))
    assert f'data-matter="{matter.pk}"' in listed.content.decode()
    assert anonymous.get("/public/deliberations/99999999999999999999/").status_code == 404


def test_the_console_prefills_from_an_incident_id_and_takes_steps(world, block):
    client = _client(world.staff)
    page = client.get(reverse("deliberation:console_new") + "?incident=999&message=abc")
    assert page.status_code == 200
    created = client.post(
        reverse("deliberation:console_new"),
        {"region": block.building.code, "tier": Tier.SIMPLE, "title": "楼道灯", "description": ""},
    )
    matter = Matter.objects.get()
    assert created.status_code == 302
    detail = client.get(reverse("deliberation:console_detail", args=[matter.pk])).content.decode()
    assert (
        "data-confirm" in detail
        and reverse("deliberation:console_poll", args=[matter.pk]) in detail
    )
    closes = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("deliberation:console_poll", args=[matter.pk]),
        {"poll-closes_at": closes, "poll-quorum_percent": "50"},
    )
    matter.refresh_from_db()
    assert matter.status == Status.VOTING
    refused = client.post(
        reverse("deliberation:console_decide", args=[matter.pk]), {"decide-decision": "装"}
    )
    assert refused.status_code == 409
    client.post(reverse("deliberation:console_close", args=[matter.pk]), {"close-note": "提前"})
    client.post(reverse("deliberation:console_decide", args=[matter.pk]), {"decide-decision": "装"})
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    client.post(
        reverse("deliberation:console_action", args=[matter.pk]),
        {
            "action-title": "采购声控灯",
            "action-owner_organization": str(block.property_co.pk),
            "action-due_on": due,
        },
    )
    action = matter.actions.get()
    client.post(
        reverse("deliberation:console_progress", args=[matter.pk, action.pk]),
        {"progress-percent": "100", "progress-note": "已安装"},
    )
    matter.refresh_from_db()
    assert matter.status == Status.DONE
    public = Client().get(reverse("deliberation:public_detail", args=[matter.pk])).content.decode()
    assert 'data-percent="100"' in public and "data-decision" in public


def test_an_inspector_reads_the_console_with_no_step_and_cannot_post(world, block):
    matter = building_poll(world, block)
    client = _client(block.inspector)
    assert client.get(reverse("deliberation:console_list")).status_code == 200
    page = client.get(reverse("deliberation:console_detail", args=[matter.pk]))
    assert page.status_code == 200 and "data-no-step" in page.content.decode()
    refused = client.post(
        reverse("deliberation:console_close", args=[matter.pk]), {"close-note": ""}
    )
    assert refused.status_code == 403
    matter.refresh_from_db()
    assert matter.status == Status.VOTING
    assert client.get(reverse("deliberation:console_new")).status_code == 403
    assert (
        _client(world.other_staff)
        .get(reverse("deliberation:console_detail", args=[matter.pk]))
        .status_code
        == 404
    )
