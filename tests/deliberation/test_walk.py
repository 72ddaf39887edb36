"""Defects found walking 议事协商 as its users do, each held by a test: a party invited
after the meeting is called hears of it; a private message's words (and a phone number in
any source) never land in the public fields of a new matter; a resident who may not vote
is told why; a poll withdrawn while voting says so; the console shows the parties once,
its choices as fieldsets, no empty card, and names its buttons for what they do."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jifen.deliberation import services
from jifen.deliberation.models import Invitee, MeetingKind, Tier
from jifen.incidents import services as incidents
from jifen.messages import services as messages
from jifen.notices.models import Notice
from tests.api.conftest import assert_error
from tests.conftest import PASSWORD
from tests.deliberation.conftest import building_poll
from tests.incidents.conftest import grids  # noqa: F401 - the incidents' categories

pytestmark = pytest.mark.django_db


def _client(person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=person.phone, password=PASSWORD)
    return client


def _meeting(world, block, *, hours: float = 48):
    matter = services.create_matter(
        actor=world.staff,
        region=world.wenchang,
        tier=Tier.MAJOR,
        title="老旧小区加装电梯",
        organizations=[block.owners],
    )
    return services.call_meeting(
        actor=world.staff,
        matter=matter,
        kind=MeetingKind.HALL,
        at=timezone.now() + timedelta(hours=hours),
        place="社区议事厅",
        agenda="加装电梯方案",
    )


def test_a_party_invited_after_the_meeting_is_called_hears_of_it_once(world, block, api):
    matter = _meeting(world, block)
    assert Notice.objects.filter(person=block.owners_contact, kind="deliberation").count() == 1
    assert not Notice.objects.filter(person=block.property_contact).exists()
    staff = api(world.staff)
    path = f"/deliberations/{matter.pk}/invitees"
    body = {"organizations": [block.property_co.pk, block.owners.pk]}
    assert staff.post(path, body).status_code == 200
    told = Notice.objects.filter(person=block.property_contact, kind="deliberation")
    assert told.count() == 1
    assert "社区议事厅" in told.get().body
    # Named again: no second invitation, and the one invited first is not told again.
    assert staff.post(path, body).status_code == 200
    assert told.count() == 1
    assert Notice.objects.filter(person=block.owners_contact, kind="deliberation").count() == 1
    # An inspector names nobody.
    assert_error(api(block.inspector).post(path, body), 403, "forbidden")


def test_a_party_added_after_the_meeting_was_held_is_not_invited_to_it(world, block, api):
    matter = _meeting(world, block, hours=-2)
    services.invite(actor=world.staff, matter=matter, organizations=[block.property_co])
    assert Invitee.objects.filter(matter=matter, organization=block.property_co).exists()
    assert not Notice.objects.filter(person=block.property_contact).exists()


def test_a_private_message_is_not_copied_into_the_public_fields(world, block):
    topic = messages.ensure_topics(world.wenchang)[0].code
    private = messages.write(
        actor=world.resident,
        region=world.wenchang,
        topic=topic,
        body="我是王秀梅，电话13912345678，楼下烧烤太吵",
        public=False,
    )
    public = messages.write(
        actor=world.resident,
        region=world.wenchang,
        topic=topic,
        body="楼下烧烤太吵，有事请打13912345678",
        public=True,
    )
    client = _client(world.staff)
    url = reverse("deliberation:console_new")
    page = client.get(f"{url}?message={private.pk}").content.decode()
    assert "13912345678" not in page and "王秀梅" not in page
    assert "data-private-source" in page
    assert f'name="message" value="{private.pk}"' in page  # still linked to its source
    page = client.get(f"{url}?message={public.pk}").content.decode()
    assert "楼下烧烤太吵" in page and "139****5678" in page
    assert "13912345678" not in page and "data-private-source" not in page


def test_an_incidents_words_are_prefilled_with_phone_numbers_masked(world, block, grids):  # noqa: F811
    incident = incidents.report(
        actor=grids.worker,
        region=grids.east,
        category="HJWS",
        description="垃圾堆了三天，物业电话13800001111没人接",
    )
    client = _client(world.staff)
    page = client.get(reverse("deliberation:console_new") + f"?incident={incident.pk}")
    text = page.content.decode()
    assert page.status_code == 200
    assert "138****1111" in text and "13800001111" not in text
    assert f'name="incident" value="{incident.pk}"' in text
    made = client.post(
        reverse("deliberation:console_new"),
        {
            "region": grids.east.code,
            "tier": "simple",
            "title": "垃圾清运",
            "description": "",
            "incident": incident.pk,
        },
    )
    assert made.status_code == 302, made.content.decode()[:2000]


def test_a_resident_who_may_not_vote_is_told_why(world, block):
    matter = building_poll(world, block)
    page = _client(block.outsider).get(reverse("deliberation:detail", args=[matter.pk]))
    text = page.content.decode()
    assert "data-not-voter" in text and "data-choice" not in text
    assert block.building.name in text
    voter = _client(block.residents[0]).get(reverse("deliberation:detail", args=[matter.pk]))
    assert "data-not-voter" not in voter.content.decode()


def test_a_poll_withdrawn_while_voting_says_so_and_counts_nothing(world, block):
    matter = building_poll(world, block)
    services.vote(actor=block.residents[0], matter=matter, choice="agree")
    services.cancel(actor=world.staff, matter=matter, reason="与另一议题重复")
    page = Client().get(reverse("deliberation:public_detail", args=[matter.pk])).content.decode()
    assert "data-results-withdrawn" in page
    assert "data-results-hidden" not in page and "data-results " not in page
    assert "与另一议题重复" in page


def test_the_console_shows_parties_once_choices_in_fieldsets_and_plain_buttons(world, block):
    matter = _meeting(world, block)
    client = _client(world.staff)
    page = client.get(reverse("deliberation:console_detail", args=[matter.pk])).content.decode()
    assert page.count('class="parties"') == 1
    assert page.count("江滨花园业委会") >= 1
    urgent = services.create_matter(
        actor=world.staff, region=world.wenchang, tier=Tier.URGENT, title="暴雨夜地库停车"
    )
    page = client.get(reverse("deliberation:console_detail", args=[urgent.pk])).content.decode()
    assert "data-facts" not in page  # no empty card
    assert 'data-choices="organizations"' in page and "<legend>" in page
    assert ">Withdraw the matter</button>" in page
    assert ">Escalate to a meeting</button>" in page
    new = client.get(reverse("deliberation:console_new")).content.decode()
    assert 'data-choices="tier"' in new and 'data-choices="organizations"' in new


def test_a_poll_nobody_may_vote_in_is_not_opened(world, block, api):
    empty = services.create_matter(
        actor=world.staff, region=block.other_building, tier=Tier.SIMPLE, title="5栋装门禁"
    )
    block.outsider.household.region = block.building  # 5 栋 has nobody registered now
    block.outsider.household.save(update_fields=["region"])
    made = api(world.staff).post(
        f"/deliberations/{empty.pk}/poll",
        {"closes_at": (timezone.now() + timedelta(hours=5)).isoformat()},
    )
    error = assert_error(made, 400, "no_voters")
    assert error.get("field") == "region"
    empty.refresh_from_db()
    assert empty.status == "open" and empty.opens_at is None
    assert not Notice.objects.filter(kind="deliberation").exists()


def test_a_resident_finds_every_matter_of_their_community_from_their_page(world, block):
    page = _client(block.residents[0]).get(reverse("deliberation:mine")).content.decode()
    public = reverse("deliberation:public_list", args=[world.wenchang.code])
    assert f'href="{public}"' in page and "data-public-list" in page
    assert Client().get(public).status_code == 200


def _decided_with_action(world, block):
    matter = _meeting(world, block, hours=-1)
    services.record_meeting(actor=world.staff, matter=matter, minutes="同意加装")
    services.decide(actor=world.staff, matter=matter, decision="加装电梯")
    action = services.add_action(
        actor=world.staff,
        matter=matter,
        title="设计方案公示",
        due_on=timezone.localdate() + timedelta(days=20),
        owner_organization=block.property_co,
    )
    return matter, action


def test_an_actions_owner_reports_progress_from_their_phone_page(world, block):
    matter, action = _decided_with_action(world, block)
    owner = _client(block.property_contact)
    detail = reverse("deliberation:detail", args=[matter.pk])
    page = owner.get(detail).content.decode()
    url = reverse("deliberation:progress", args=[matter.pk, action.pk])
    assert f'action="{url}"' in page and "data-progress-form" in page
    done = owner.post(url, {"progress-percent": "40", "progress-note": "已出图"})
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.percent == 40 and action.updates.get().note == "已出图"
    # Anyone else is offered no form, and their post changes nothing.
    other = _client(block.residents[0])
    assert "data-progress-form" not in other.get(detail).content.decode()
    other.post(url, {"progress-percent": "100"})
    action.refresh_from_db()
    assert action.percent == 40
    # Garbage and ids out of range: no 500, nothing written.
    assert owner.post(url, {"progress-percent": "9" * 40}).status_code == 302
    big = reverse("deliberation:progress", args=[matter.pk, 2**63])
    assert owner.post(big, {"progress-percent": "1"}).status_code == 404
    assert owner.get(url).status_code == 405
    action.refresh_from_db()
    assert action.percent == 40 and action.updates.count() == 1


def test_the_public_pages_suit_the_big_screen_and_colour_the_result(world, block):
    matter = building_poll(world, block, hours=1)
    services.vote(actor=block.residents[0], matter=matter, choice="disagree")
    services.close_due(timezone.now() + timedelta(hours=2))
    client = Client()
    listed = client.get(reverse("deliberation:public_list", args=[world.wenchang.code]))
    assert 'class="resident big-screen"' in listed.content.decode()
    page = client.get(reverse("deliberation:public_detail", args=[matter.pk])).content.decode()
    assert '<progress class="against"' in page and 'data-disagree="1"' in page


def test_a_poll_past_its_time_is_not_offered_before_the_clock_counts_it(world, block, api):
    from jifen.deliberation import selectors

    matter = building_poll(world, block, hours=1)
    resident = block.residents[0]
    assert selectors.resident_todo(resident).count == 1
    Matter = type(matter)
    Matter.objects.filter(pk=matter.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert api(resident).get("/deliberations/open-for-me").json_body["items"] == []
    assert selectors.resident_todo(resident).count == 0
    page = _client(resident).get(reverse("deliberation:mine")).content.decode()
    assert f'data-matter="{matter.pk}" data-voted' not in page


def test_every_console_and_resident_form_answers_garbage_without_a_500(world, block):
    """Empty, 10,000 characters, -1, 2^63, dates in 1999 and 2200, a NUL: each step's
    form, the progress of an action out of range, the sources of a new matter."""
    from jifen.deliberation.models import Matter

    poll = building_poll(world, block)
    bad = []
    c = Client(raise_request_exception=False)
    c.force_login(world.staff)
    names = [
        "poll",
        "close",
        "meeting",
        "minutes",
        "escalate",
        "decide",
        "cancel",
        "complete",
        "actions",
    ]
    garbage = [
        "",
        "x" * 10000,
        "-1",
        str(2**63),
        "2200-01-01 00:00",
        "1999-01-01",
        "abc",
        "\x00",
        "9" * 400,
    ]
    fields = [
        "closes_at",
        "quorum_percent",
        "organizations",
        "note",
        "kind",
        "at",
        "place",
        "agenda",
        "minutes",
        "attended",
        "residents_present",
        "decision",
        "reason",
        "title",
        "owner_organization",
        "owner_phone",
        "due_on",
        "percent",
        "status",
    ]
    for name in names:
        prefix = {"actions": "action"}.get(name, name)
        for g in garbage:
            data = {f"{prefix}-{f}": g for f in fields}
            r = c.post(f"/console/deliberations/{poll.pk}/{name}/", data)
            if r.status_code >= 500:
                bad.append((name, g[:20], r.status_code))
    for url in [
        f"/console/deliberations/{poll.pk}/actions/{2**63}/progress/",
        f"/console/deliberations/{poll.pk}/actions/99999999999999999999999/progress/",
        f"/console/deliberations/{2**63}/",
        f"/deliberations/{2**63}/",
        f"/public/deliberations/{2**63}/",
        f"/deliberations/{2**63}/vote/",
        "/console/deliberations/new/?message=" + str(2**63),
        "/console/deliberations/new/?incident=-1&request=abc&message=99999999999",
        "/console/deliberations/?status=zz&tier=yy&page=999999999999999",
        "/public/" + "x" * 500 + "/deliberations/",
        "/public/x/deliberations/?page=-1",
    ]:
        for method in ("get", "post"):
            r = getattr(c, method)(url, {"choice": "agree"})
            if r.status_code >= 500:
                bad.append((url[:80], method, r.status_code))
    r = c.post(
        "/console/deliberations/new/",
        {
            "region": block.building.code,
            "tier": "simple",
            "title": "x",
            "incident": str(2**63),
            "message": "99999",
            "organizations": ["abc", str(2**63)],
        },
    )
    if r.status_code >= 500:
        bad.append(("new", r.status_code))
    r = c.post(
        "/console/deliberations/new/",
        {"region": block.building.code, "tier": "simple", "title": "x", "message": "99999"},
    )
    if r.status_code >= 500:
        bad.append(("new msg", r.status_code))
    r = c.post(
        f"/console/deliberations/{poll.pk}/poll/",
        {
            "poll-closes_at": "2026-12-10 10:00",
            "poll-quorum_percent": "50",
            "poll-organizations": ["abc"],
        },
    )
    if r.status_code >= 500:
        bad.append(("poll orgs", r.status_code))
    assert not bad
    poll.refresh_from_db()
    assert Matter.objects.count() == 1  # no source out of range made a matter


def test_a_party_named_twice_hears_once_at_each_step_in_the_readers_language(world, block, api):
    matter = services.create_matter(
        actor=world.staff,
        region=world.compound,
        tier=Tier.URGENT,
        title="暴雨排涝",
        organizations=[block.owners],
        people=[block.owners_contact],  # also the 业委会's contact
    )
    services.open_poll(
        actor=world.staff, matter=matter, closes_at=timezone.now() + timedelta(hours=3)
    )
    services.vote(actor=block.owners_contact, matter=matter, choice="agree")
    services.close_poll(actor=world.staff, matter=matter, note="各方已表决")
    services.decide(actor=world.staff, matter=matter, decision="开闸排涝")
    told = Notice.objects.filter(person=block.owners_contact, kind="deliberation")
    assert told.count() == 3  # poll open, poll closed, decided: once each
    # Kept as message ids, said in each reader's language when read.
    assert all(n.texts for n in told)
    english = api(block.owners_contact, language="en").get("/me/notices").json_body
    titles = sorted(item["title"] for item in english["items"])
    assert titles == ["Decided: 暴雨排涝", "Poll closed: 暴雨排涝", "Vote: 暴雨排涝"]


def test_every_role_reads_and_posts_the_pages_without_a_500(world, block):
    from jifen.people.models import Role, RoleGrant

    matter = building_poll(world, block)
    grid = block.residents[1]
    RoleGrant.objects.create(person=grid, role=Role.GRID, region=world.wenchang)
    people = [
        world.staff,
        world.other_staff,
        block.inspector,
        world.reviewer,
        world.merchant,
        world.kiosk,
        grid,
        block.outsider,
        world.stranger,
    ]
    pages = [
        reverse("deliberation:console_list"),
        reverse("deliberation:console_new"),
        reverse("deliberation:console_detail", args=[matter.pk]),
        reverse("deliberation:mine"),
        reverse("deliberation:detail", args=[matter.pk]),
    ]
    for person in people:
        client = Client(raise_request_exception=False)
        client.force_login(person)
        for url in pages:
            assert client.get(url).status_code in (200, 302, 403, 404), (person, url)
        for step in ("close", "decide", "cancel", "escalate"):
            url = reverse(f"deliberation:console_{step}", args=[matter.pk])
            answer = client.post(url, {f"{step}-reason": "x", f"{step}-decision": "x"})
            if person != world.staff:
                assert answer.status_code in (403, 404), (person, step)
    matter.refresh_from_db()
    assert matter.status == "decided"  # the staff closed and decided; nobody else moved it
    # Writes by anyone but the staff left no row in the audit log.
    from jifen.audit.models import AuditEvent

    actors = set(
        AuditEvent.objects.filter(action__startswith="deliberation.").values_list(
            "actor_id", flat=True
        )
    )
    assert actors == {world.staff.pk}


def test_a_voter_who_moves_away_before_the_close_still_counts_in_the_electorate(world, block):
    matter = building_poll(world, block, hours=1)
    mover = block.residents[0]
    services.vote(actor=mover, matter=matter, choice="agree")
    mover.household.region = block.other_building
    mover.household.save(update_fields=["region"])
    services.close_due(timezone.now() + timedelta(hours=2))
    matter.refresh_from_db()
    assert matter.turnout == 1 and matter.electorate == 3
    assert matter.turnout_percent <= 100


def test_a_withdrawn_meeting_or_poll_is_told_to_its_parties_and_voters_once(world, block):
    matter = _meeting(world, block)  # the 业委会's contact was invited
    services.cancel(actor=world.staff, matter=matter, reason="并入下月联席会议")
    told = Notice.objects.filter(person=block.owners_contact, kind="deliberation")
    assert told.count() == 2  # the invitation, then the withdrawal
    assert "并入下月联席会议" in told.order_by("-id").first().body
    poll = building_poll(world, block)
    services.vote(actor=block.residents[0], matter=poll, choice="agree")
    before = Notice.objects.filter(person=block.residents[1]).count()
    services.cancel(actor=world.staff, matter=poll, reason="重复")
    assert Notice.objects.filter(person=block.residents[0], body__contains="重复").count() == 1
    assert Notice.objects.filter(person=block.residents[1]).count() == before  # did not vote
