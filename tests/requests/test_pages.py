"""The request pages through Django's test client: asking (for oneself or as a family
proxy), 我的点单, one request's page for each role (404 for what one may not see, the
address only for those who may read it), the requester's and the helper's steps,
可接的单 and 我接的单, the wishes wall; bad input says why and changes nothing."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from jifen.claims.models import Claim, Source
from jifen.people.models import Organization, OrganizationMember, Person, Team, TeamMember
from jifen.requests import services
from jifen.requests.models import EnteredAs, Event, Kind, Photo, ServiceRequest, Status
from tests.browser.helpers import zh
from tests.conftest import make_person

ADDRESS = "江滨花园 3 栋 201"
# Jifen's own words, not Django's stock 这个字段是必填项。 (lib.formwords).
REQUIRED = zh("Please fill in this field.")
STOCK = ("这个字段是必填项", "选择一个有效的选项", "确保该值", "不在可用的选项中")


@pytest.fixture
def as_person():
    def login(person: Person, **kwargs) -> Client:
        client = Client(**kwargs)  # no Accept-Language: the deployment's language, Chinese
        client.force_login(person)
        return client

    return login


@pytest.fixture
def uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def jpeg(name: str = "need.jpg") -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(data, "JPEG")
    data.seek(0)
    data.name = name
    return data


def text(response) -> str:
    return response.content.decode()


def steps_of(request: ServiceRequest) -> list[str]:
    return list(Event.objects.filter(request=request).values_list("step", flat=True))


@pytest.fixture
def published(world, asked) -> ServiceRequest:
    return services.publish(actor=world.staff, request=asked)


@pytest.fixture
def taken(world, published, helper) -> ServiceRequest:
    return services.accept(actor=helper, request=published)


@pytest.fixture
def reported(world, taken, helper) -> ServiceRequest:
    return services.mark_done(actor=helper, request=taken, note="换了开关")


# --- Asking ---------------------------------------------------------------------------------


def test_the_form_offers_the_menu_by_group_and_a_sentence_sends_it(world, menu, as_person):
    client = as_person(world.resident)
    page = client.get("/requests/new/")
    assert page.status_code == 200
    html = text(page)
    assert '<optgroup label="生活帮扶">' in html and "家电维修" in html
    assert 'maxlength="100"' in html  # the counter under the sentence
    response = client.post("/requests/new/", {"category": "REPAIR", "title": "电饭煲坏了"})
    created = ServiceRequest.objects.get()
    assert response.status_code == 302 and response.url == f"/requests/{created.pk}/"
    assert (created.requester, created.entered_as, created.kind) == (
        world.resident,
        EnteredAs.SELF,
        Kind.REQUEST,
    )
    assert created.status == Status.SUBMITTED and created.points is None
    assert steps_of(created) == ["submit"]


def test_a_wish_is_a_wish_and_details_are_kept(world, menu, as_person, uploads):
    client = as_person(world.resident)
    starts = (timezone.localtime() + timedelta(days=1)).replace(second=0, microsecond=0)
    response = client.post(
        "/requests/wish/",
        {
            "category": "WISH",
            "title": "想要一副老花镜",
            "description": "看报纸看不清",
            "address": ADDRESS,
            "wanted_from": starts.strftime("%Y-%m-%dT%H:%M"),
            "wanted_until": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "photos": [jpeg()],
        },
    )
    assert response.status_code == 302
    wish = ServiceRequest.objects.get()
    assert wish.kind == Kind.WISH and wish.address == ADDRESS
    assert wish.wanted_from == starts and wish.photos.count() == 1


def test_a_family_proxy_asks_for_the_person_they_act_for(world, menu, daughter, as_person):
    client = as_person(daughter)
    page = client.get(f"/requests/new/?for={world.resident.pk}")
    assert page.status_code == 200 and world.resident.name in text(page)
    response = client.post(
        "/requests/new/",
        {"for": str(world.resident.pk), "category": "REPAIR", "title": "帮妈妈修电视"},
    )
    assert response.status_code == 302
    created = ServiceRequest.objects.get()
    assert created.requester == world.resident and created.entered_by == daughter
    assert created.entered_as == EnteredAs.PROXY
    # Both of them find it in 我的点单.
    for person in (daughter, world.resident):
        assert "帮妈妈修电视" in text(as_person(person).get("/requests/"))


def test_nobody_asks_for_a_person_they_do_not_act_for(world, menu, as_person):
    client = as_person(world.neighbour)
    assert client.get(f"/requests/new/?for={world.resident.pk}").status_code == 404
    response = client.post(
        "/requests/new/",
        {"for": str(world.resident.pk), "category": "REPAIR", "title": "冒名"},
    )
    assert response.status_code == 404
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"category": "REPAIR", "title": ""}, REQUIRED),
        ({"category": "NOPE", "title": "电饭煲坏了"}, None),
        ({"category": "REPAIR", "title": "x" * 101}, None),
        (
            {
                "category": "REPAIR",
                "title": "坏了",
                "wanted_from": "2030-01-02T10:00",
                "wanted_until": "2030-01-01T10:00",
            },
            None,
        ),
        ({"category": "REPAIR", "title": "坏了", "wanted_from": "not a time"}, None),
        ({"category": "REPAIR", "title": "坏了", "wanted_from": "1900-01-01T10:00"}, None),
    ],
)
def test_bad_input_says_why_and_changes_nothing(world, menu, as_person, data, field_error):
    response = as_person(world.resident).post("/requests/new/", data)
    assert response.status_code == 400
    html = text(response)
    assert 'class="error' in html
    if field_error:
        assert field_error in html
    assert not ServiceRequest.objects.exists()


def test_the_time_wanted_must_end_after_it_starts(world, menu, as_person):
    response = as_person(world.resident).post(
        "/requests/new/",
        {
            "category": "REPAIR",
            "title": "坏了",
            "wanted_from": "2030-01-02T10:00",
            "wanted_until": "2030-01-01T10:00",
        },
    )
    assert zh("The time wanted must end after it starts.") in text(response)


def test_five_photos_are_refused(world, menu, as_person, uploads):
    response = as_person(world.resident).post(
        "/requests/new/",
        {"category": "REPAIR", "title": "坏了", "photos": [jpeg(f"{n}.jpg") for n in range(5)]},
    )
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists() and not Photo.objects.exists()


def test_a_community_without_a_menu_says_so(world, as_person):
    page = as_person(world.resident).get("/requests/new/")
    assert page.status_code == 200
    assert '<form method="post"' not in text(page).split("</header>", 1)[1].split("<footer")[0]


# --- 我的点单 -----------------------------------------------------------------------------------


def test_my_requests_are_mine_and_those_i_act_for(world, menu, asked, daughter, as_person):
    services.submit_request(
        actor=world.neighbour, community=world.jinyue, category="REPAIR", title="别人的事"
    )
    mine = text(as_person(world.resident).get("/requests/"))
    assert "电饭煲坏了" in mine and "别人的事" not in mine
    assert "电饭煲坏了" in text(as_person(daughter).get("/requests/"))
    assert "电饭煲坏了" not in text(as_person(world.neighbour).get("/requests/"))


def test_the_to_confirm_filter_shows_only_those_done(world, reported, as_person, menu):
    services.submit_request(
        actor=world.resident, community=world.wenchang, category="REPAIR", title="另一件事"
    )
    client = as_person(world.resident)
    shown = text(client.get("/requests/?status=done"))
    assert "电饭煲坏了" in shown and "另一件事" not in shown
    assert "另一件事" in text(client.get("/requests/?status=bogus"))  # unknown: all


def test_the_list_pages_read_a_fixed_number_of_queries(world, menu, helper, as_person):
    def ask(n: int) -> None:
        for i in range(n):
            r = services.submit_request(
                actor=world.resident, community=world.wenchang, category="REPAIR", title=f"事{i}"
            )
            services.publish(actor=world.staff, request=r)

    ask(2)
    counts = []
    for person, url in ((world.resident, "/requests/"), (helper, "/requests/open/")):
        client = as_person(person)
        client.get(url)
        with CaptureQueriesContext(connection) as before:
            client.get(url)
        ask(5)
        with CaptureQueriesContext(connection) as after:
            client.get(url)
        counts.append((len(before), len(after)))
    for first, second in counts:
        assert second == first


# --- One request: who sees what ----------------------------------------------------------------


def test_who_may_see_a_request_and_its_address(world, published, helper, daughter, as_person):
    url = f"/requests/{published.pk}/"
    for person in (world.resident, daughter, world.staff):
        page = as_person(person).get(url)
        assert page.status_code == 200 and ADDRESS in text(page), person.name
    # An eligible volunteer sees the open request, not the address; nor the full name.
    page = as_person(helper).get(url)
    assert page.status_code == 200
    assert ADDRESS not in text(page) and world.resident.name not in text(page)
    assert f"/requests/{published.pk}/accept/" in text(page)
    # Neither a volunteer of another community, nor staff of another town.
    for person in (world.neighbour, world.stranger, world.other_staff):
        assert as_person(person).get(url).status_code == 404, person.name
    assert Client().get(url).status_code == 302  # log in first


def test_a_request_being_checked_is_not_shown_to_volunteers(world, asked, helper, as_person):
    assert as_person(helper).get(f"/requests/{asked.pk}/").status_code == 404


def test_no_id_answers_500(world, as_person):
    client = as_person(world.resident)
    for url in (
        "/requests/99999999999999999999999/",
        "/requests/0/",
        "/requests/photos/99999999999999999999999/",
    ):
        assert client.get(url).status_code == 404, url


def test_the_helper_reads_the_address_once_it_is_theirs(world, taken, helper, as_person):
    page = text(as_person(helper).get(f"/requests/{taken.pk}/"))
    assert ADDRESS in page and world.resident.name in page
    assert f"/requests/{taken.pk}/done/" in page and f"/requests/{taken.pk}/hand-back/" in page
    # The requester sees who helps, and the history.
    page = text(as_person(world.resident).get(f"/requests/{taken.pk}/"))
    assert helper.name in page and 'class="timeline"' in page


def test_photos_go_only_to_those_who_read_the_address(world, menu, helper, as_person, uploads):
    r = services.submit_request(
        actor=world.resident,
        community=world.wenchang,
        category="REPAIR",
        title="坏了",
        photos=[jpeg()],
    )
    services.publish(actor=world.staff, request=r)
    photo = r.photos.get()
    assert as_person(world.resident).get(f"/requests/photos/{photo.pk}/").status_code == 200
    assert as_person(world.staff).get(f"/requests/photos/{photo.pk}/").status_code == 200
    assert as_person(helper).get(f"/requests/photos/{photo.pk}/").status_code == 404
    assert as_person(world.stranger).get(f"/requests/photos/{photo.pk}/").status_code == 404


# --- The requester's steps -----------------------------------------------------------------------


def test_the_requester_cancels_before_anyone_has_it(world, published, as_person):
    response = as_person(world.resident).post(
        f"/requests/{published.pk}/cancel/", {"reason": "不需要了"}
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == Status.CANCELLED and published.reason == "不需要了"


def test_a_cancel_without_a_reason_or_after_it_is_taken_changes_nothing(world, taken, as_person):
    client = as_person(world.resident)
    response = client.post(f"/requests/{taken.pk}/cancel/", {"reason": ""})
    assert response.status_code == 400 and REQUIRED in text(response)
    response = client.post(f"/requests/{taken.pk}/cancel/", {"reason": "不需要了"})
    assert response.status_code == 400
    assert zh("A volunteer already has this request; ask the community to cancel it.") in text(
        response
    )
    taken.refresh_from_db()
    assert taken.status == Status.ASSIGNED


def test_only_the_requester_side_cancels(world, published, helper, as_person):
    response = as_person(helper).post(f"/requests/{published.pk}/cancel/", {"reason": "x"})
    assert response.status_code == 400
    published.refresh_from_db()
    assert published.status == Status.OPEN


def test_the_requester_confirms_with_stars_and_the_claim_waits_for_review(
    world, reported, helper, as_person
):
    page = text(as_person(world.resident).get(f"/requests/{reported.pk}/"))
    assert f"/requests/{reported.pk}/confirm/" in page and 'name="rating"' in page
    response = as_person(world.resident).post(
        f"/requests/{reported.pk}/confirm/", {"rating": "5", "comment": "谢谢小周"}
    )
    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.status == Status.COMPLETED and reported.rating == 5
    claim = Claim.objects.get()
    assert claim.person == helper and claim.source == Source.REQUEST


@pytest.mark.parametrize("rating", ["", "0", "6", "five", "3.5"])
def test_a_bad_rating_is_refused_and_changes_nothing(world, reported, as_person, rating):
    response = as_person(world.resident).post(
        f"/requests/{reported.pk}/confirm/", {"rating": rating}
    )
    assert response.status_code == 400 and 'class="error' in text(response)
    reported.refresh_from_db()
    assert reported.status == Status.DONE and not Claim.objects.exists()


def test_not_done_goes_back_to_the_helper_with_a_note(world, reported, daughter, as_person):
    client = as_person(daughter)  # the proxy may say so too
    response = client.post(f"/requests/{reported.pk}/dispute/", {"note": ""})
    assert response.status_code == 400 and REQUIRED in text(response)
    response = client.post(f"/requests/{reported.pk}/dispute/", {"note": "开关还是坏的"})
    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.status == Status.ASSIGNED
    event = Event.objects.filter(request=reported).last()
    assert (event.step, event.note, event.on_behalf_of) == (
        "dispute",
        "开关还是坏的",
        world.resident,
    )


def test_the_helper_may_not_confirm_their_own_work(world, reported, helper, as_person):
    response = as_person(helper).post(f"/requests/{reported.pk}/confirm/", {"rating": "5"})
    assert response.status_code == 400
    reported.refresh_from_db()
    assert reported.status == Status.DONE


# --- Volunteers ------------------------------------------------------------------------------


def test_the_open_list_shows_what_to_take_without_the_address(world, published, helper, as_person):
    page = as_person(helper).get("/requests/open/")
    html = text(page)
    assert page.status_code == 200
    assert "电饭煲坏了" in html and "家电维修" in html and world.wenchang.name in html
    assert str(published.points) in html
    assert ADDRESS not in html and world.resident.name not in html
    # Not on the requester's own list of things to take, nor another community's.
    assert "电饭煲坏了" not in text(as_person(world.resident).get("/requests/open/"))
    assert "电饭煲坏了" not in text(as_person(world.neighbour).get("/requests/open/"))


def test_the_first_to_take_it_has_it_the_second_hears_so_kindly(
    world, published, helper, as_person
):
    response = as_person(helper).post(
        f"/requests/{published.pk}/accept/", {"next": "/requests/open/"}
    )
    assert response.status_code == 302 and response.url == f"/requests/{published.pk}/"
    published.refresh_from_db()
    assert published.status == Status.ASSIGNED and published.assignee == helper
    other = make_person(world.wenchang, "郑晚到")
    client = as_person(other)
    response = client.post(f"/requests/{published.pk}/accept/", {"next": "/requests/open/"})
    assert response.status_code == 302 and response.url == "/requests/open/"
    followed = text(client.get(response.url))
    assert zh("Another volunteer has already taken this request.") in followed
    published.refresh_from_db()
    assert published.assignee == helper


def test_nobody_takes_what_they_may_not(world, published, as_person):
    # Another community's volunteer: not theirs to see (404), nothing changes.
    assert as_person(world.neighbour).post(f"/requests/{published.pk}/accept/").status_code == 404
    # The requester's own request.
    response = as_person(world.resident).post(f"/requests/{published.pk}/accept/")
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == Status.OPEN and published.assignee is None


def test_an_outside_next_is_not_followed(world, published, helper, as_person):
    other = make_person(world.wenchang, "郑晚到")
    services.accept(actor=helper, request=published)
    response = as_person(other).post(
        f"/requests/{published.pk}/accept/", {"next": "https://evil.example/"}
    )
    assert response.url == "/requests/open/"


def test_requests_i_took_show_the_deadline_the_address_and_overdue(world, taken, helper, as_person):
    html = text(as_person(helper).get("/requests/taken/"))
    assert "电饭煲坏了" in html and ADDRESS in html and taken.due_on.isoformat() in html
    assert "request-late" not in html
    ServiceRequest.objects.filter(pk=taken.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    assert "request-late" in text(as_person(helper).get("/requests/taken/"))
    assert "电饭煲坏了" not in text(as_person(helper).get("/requests/taken/?show=closed"))


def test_the_helper_reports_done_or_hands_it_back(world, taken, helper, as_person):
    client = as_person(helper)
    response = client.post(f"/requests/{taken.pk}/hand-back/", {"reason": ""})
    assert response.status_code == 400 and REQUIRED in text(response)
    taken.refresh_from_db()
    assert taken.status == Status.ASSIGNED
    response = client.post(f"/requests/{taken.pk}/done/", {"note": "换了开关"})
    assert response.status_code == 302
    taken.refresh_from_db()
    assert taken.status == Status.DONE


def test_hand_back_opens_it_again(world, taken, helper, as_person):
    response = as_person(helper).post(f"/requests/{taken.pk}/hand-back/", {"reason": "临时出差"})
    assert response.status_code == 302
    taken.refresh_from_db()
    assert taken.status == Status.OPEN and taken.assignee is None


def test_another_volunteer_cannot_report_it_done(world, taken, as_person):
    other = make_person(world.wenchang, "郑晚到")
    assert as_person(other).post(f"/requests/{taken.pk}/done/", {"note": ""}).status_code == 404
    taken.refresh_from_db()
    assert taken.status == Status.ASSIGNED


def test_a_team_leader_names_the_member_who_goes(world, asked, helper, as_person):
    leader = make_person(world.wenchang, "队长老林")
    team = Team.objects.create(region=world.wenchang, name="红马甲服务队", leader=leader)
    TeamMember.objects.create(team=team, person=helper, joined_on=timezone.localdate())
    services.dispatch(actor=world.staff, request=asked, team=team)
    client = as_person(leader)
    assert "电饭煲坏了" in text(client.get("/requests/taken/"))
    page = text(client.get(f"/requests/{asked.pk}/"))
    assert f"/requests/{asked.pk}/assign/" in page and helper.name in page
    outsider = make_person(world.wenchang, "外人")
    response = client.post(f"/requests/{asked.pk}/assign/", {"person": str(outsider.pk)})
    assert response.status_code == 400
    response = client.post(f"/requests/{asked.pk}/assign/", {"person": "abc"})
    assert response.status_code == 400
    response = client.post(f"/requests/{asked.pk}/assign/", {"person": str(helper.pk)})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.assignee == helper


def test_an_organisation_contact_names_a_member(world, asked, helper, as_person):
    org = Organization.objects.create(region=world.wenchang, name="县供电公司")
    contact = make_person(world.wenchang, "联络员")
    OrganizationMember.objects.create(organization=org, person=contact, is_contact=True)
    OrganizationMember.objects.create(organization=org, person=helper)
    services.dispatch(actor=world.staff, request=asked, organization=org)
    response = as_person(contact).post(f"/requests/{asked.pk}/assign/", {"person": str(helper.pk)})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.assignee == helper


# --- CSRF -----------------------------------------------------------------------------------


def test_every_step_needs_the_csrf_token(world, menu, published, helper, as_person):
    client = as_person(helper, enforce_csrf_checks=True)
    assert client.post(f"/requests/{published.pk}/accept/").status_code == 403
    resident = as_person(world.resident, enforce_csrf_checks=True)
    assert resident.post("/requests/new/", {"category": "REPAIR", "title": "x"}).status_code == 403
    assert resident.post(f"/requests/{published.pk}/cancel/", {"reason": "x"}).status_code == 403
    published.refresh_from_db()
    assert published.status == Status.OPEN and ServiceRequest.objects.count() == 1


def test_steps_are_posted_never_got(world, published, helper, as_person):
    assert as_person(helper).get(f"/requests/{published.pk}/accept/").status_code == 405
    published.refresh_from_db()
    assert published.status == Status.OPEN


# --- The wishes wall ---------------------------------------------------------------------------


@pytest.fixture
def wishes(world, menu, helper) -> dict[str, ServiceRequest]:
    def wish(title: str) -> ServiceRequest:
        made = services.submit_request(
            actor=world.resident,
            community=world.wenchang,
            category="WISH",
            kind=Kind.WISH,
            title=title,
            address=ADDRESS,
        )
        return services.publish(actor=world.staff, request=made)

    waiting, underway, fulfilled = (
        wish("想要一副老花镜"),
        wish("想学用智能手机"),
        wish("想有人陪下棋"),
    )
    services.accept(actor=helper, request=underway)
    services.accept(actor=helper, request=fulfilled)
    services.mark_done(actor=helper, request=fulfilled)
    services.confirm(actor=world.resident, request=fulfilled, rating=5)
    checked = services.submit_request(
        actor=world.resident,
        community=world.wenchang,
        category="WISH",
        kind=Kind.WISH,
        title="还在审核的心愿",
    )
    return {"waiting": waiting, "underway": underway, "fulfilled": fulfilled, "checked": checked}


def test_the_wall_shows_wishes_masked_without_address_to_anyone(world, wishes):
    page = Client().get(f"/wishes/{world.wenchang.code}/")
    assert page.status_code == 200
    html = text(page)
    for title in ("想要一副老花镜", "想学用智能手机", "想有人陪下棋"):
        assert title in html
    assert "还在审核的心愿" not in html
    assert "王*英" in html and world.resident.name not in html
    assert ADDRESS not in html and world.resident.phone not in html
    assert "/accept/" not in html  # nobody logged in: nothing to take


def test_an_unknown_wall_is_404(world):
    assert Client().get("/wishes/nope/").status_code == 404
    assert Client().get(f"/wishes/{world.town.code}/").status_code == 404


def test_a_volunteer_takes_a_wish_from_the_wall(world, wishes, as_person):
    volunteer = make_person(world.wenchang, "郑好心")
    client = as_person(volunteer)
    html = text(client.get(f"/wishes/{world.wenchang.code}/"))
    assert html.count("/accept/") == 1 and f"/requests/{wishes['waiting'].pk}/accept/" in html
    wall = f"/wishes/{world.wenchang.code}/"
    response = client.post(f"/requests/{wishes['waiting'].pk}/accept/", {"next": wall})
    assert response.status_code == 302 and response.url == f"/requests/{wishes['waiting'].pk}/"
    wishes["waiting"].refresh_from_db()
    assert wishes["waiting"].assignee == volunteer
    # Another community's volunteer sees the wall but no button.
    assert "/accept/" not in text(as_person(world.neighbour).get(wall))


def test_staff_are_sent_to_the_console_for_their_steps(world, published, helper, as_person):
    page = text(as_person(world.staff).get(f"/requests/{published.pk}/"))
    assert f'href="/console/requests/{published.pk}/"' in page
    assert f"/console/requests/{published.pk}/" not in text(
        as_person(helper).get(f"/requests/{published.pk}/")
    )


# --- Walk-through fixes: the forms ------------------------------------------------------------


def test_a_wish_offers_only_the_wish_line_already_chosen(world, menu, as_person):
    client = as_person(world.resident)
    page = client.get("/requests/wish/")
    form = page.context["form"]
    assert form.single == menu.wish and form["category"].value() == "WISH"
    assert "家电维修" not in text(page)
    # A wish is a sentence and the button.
    response = client.post("/requests/wish/", {"category": "WISH", "title": "想要一副老花镜"})
    assert response.status_code == 302
    assert ServiceRequest.objects.get().kind == Kind.WISH
    # The request form offers the services, not the wish line.
    choices = str(client.get("/requests/new/").context["form"].fields["category"].choices)
    assert "REPAIR" in choices and "WISH" not in choices
    refused = client.post("/requests/new/", {"category": "WISH", "title": "老花镜"})
    assert refused.status_code == 400 and ServiceRequest.objects.count() == 1


def test_the_proxy_chooses_for_whom_in_the_form_and_keeps_what_was_typed(
    world, menu, daughter, as_person
):
    client = as_person(daughter)
    page = client.get("/requests/wish/")
    html = text(page)
    assert "data-autosubmit" not in html and 'method="get"' not in html.split("<main", 1)[1]
    assert zh("Make the wish for") in html and zh("Ask for") not in html
    form_html = html.split('enctype="multipart/form-data"', 1)[1].split("</form>", 1)[0]
    assert '<select name="for"' in form_html
    assert zh("Ask for") in text(client.get("/requests/new/"))
    response = client.post(
        "/requests/new/",
        {"for": str(world.resident.pk), "category": "REPAIR", "title": "", "description": "门铃"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form["for"].value() == str(world.resident.pk)
    assert form["description"].value() == "门铃" and form["category"].value() == "REPAIR"
    assert REQUIRED in text(response)
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/requests/new/", {"category": "NOPE", "title": ""}),
        ("/requests/new/", {"category": "REPAIR", "title": "坏了", "wanted_from": "明天"}),
    ],
)
def test_the_request_form_speaks_jifens_words(world, menu, as_person, url, data):
    response = as_person(world.resident).post(url, data)
    assert response.status_code == 400
    html = text(response)
    assert not [stock for stock in STOCK if stock in html]
    assert (
        zh("Choose from the list.") in html
        or zh("Write the date and time as 2026-05-01 09:00.") in html
    )


def test_a_rating_out_of_range_speaks_jifens_words(world, reported, as_person):
    response = as_person(world.resident).post(f"/requests/{reported.pk}/confirm/", {"rating": "9"})
    assert response.status_code == 400
    assert zh("Choose from the list.") in text(response)
    assert not [stock for stock in STOCK if stock in text(response)]


def test_every_requests_form_field_has_jifens_words():
    from django import forms

    from jifen.lib import formwords
    from jifen.requests import forms as page_forms
    from jifen.requests import forms_console

    checked = 0
    for module in (page_forms, forms_console):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.Form) and value != forms.Form:
                for name, field in value.base_fields.items():
                    if field.required and name != "rating":
                        assert field.error_messages["required"] == formwords.REQUIRED
                    if isinstance(field, forms.ChoiceField):
                        assert field.error_messages["invalid_choice"] == formwords.INVALID_CHOICE, (
                            value,
                            name,
                        )
                    checked += 1
    assert checked >= 30


# --- Walk-through fixes: the request's page ---------------------------------------------------


def test_the_helper_reaches_the_resident_by_phone(world, menu, helper, daughter, as_person):
    made = services.submit_request(
        actor=daughter,
        person=world.resident,
        community=world.wenchang,
        category="REPAIR",
        title="门锁坏了",
    )
    services.publish(actor=world.staff, request=made)
    # A volunteer who may take it does not read the phones.
    assert "tel:" not in text(as_person(helper).get(f"/requests/{made.pk}/"))
    services.accept(actor=helper, request=made)
    for url in (f"/requests/{made.pk}/", "/requests/taken/"):
        html = text(as_person(helper).get(url))
        assert f'href="tel:{world.resident.phone}"' in html, url
        assert f'href="tel:{daughter.phone}"' in html, url
        assert zh("(family proxy)") in html
        assert zh("No address given: please phone the resident.") in html
    services.mark_done(actor=helper, request=made)
    services.confirm(actor=world.resident, request=made, rating=5)
    assert "tel:" not in text(as_person(helper).get(f"/requests/{made.pk}/"))


def test_the_progress_marks_a_stage_reached_only_once_it_is(world, taken, as_person):
    html = text(as_person(world.resident).get(f"/requests/{taken.pk}/"))
    progress = html.split('<ol class="progress"', 1)[1].split("</ol>", 1)[0]
    assert 'class="stage-later status-done"' in progress
    assert 'class="stage-now status-assigned"' in progress
    assert "stage-done status-done" not in progress and "stage-done stage-" not in progress


def test_labels_start_with_a_capital_in_english(world, reported, as_person):
    client = as_person(world.resident, HTTP_ACCEPT_LANGUAGE="en")
    html = text(client.get(f"/requests/{reported.pk}/"))
    import re

    badges = re.findall(r'<span class="badge request-done">([^<]+)<', html)
    labels = re.findall(r"<strong>([^<]+)</strong> · ", html)
    stages = re.findall(r'<li class="stage-[a-z]+ status-[a-z]+"[^>]*>([^<]+)<', html)
    assert badges and labels and stages
    for word in badges + labels + stages:
        assert word[0].isupper(), word


def test_a_wish_is_said_a_wish_and_staff_by_their_role(world, menu, as_person):
    wish = services.submit_request(
        actor=world.resident,
        community=world.wenchang,
        category="WISH",
        kind=Kind.WISH,
        title="想要一副老花镜",
    )
    html = text(as_person(world.resident).get(f"/requests/{wish.pk}/"))
    assert (
        zh(
            "The community is checking your wish. You will be told when it is on the wall or "
            "given to a volunteer."
        )
        in html
    )
    from django.utils import translation

    with translation.override("zh-hans"):
        made = translation.pgettext("request step", "wish made")
        staff = translation.gettext("community staff (%(name)s)") % {"name": world.staff.name}
    assert f"<strong>{made[0].upper()}{made[1:]}</strong>" in html
    services.publish(actor=world.staff, request=wish)
    for viewer in (world.resident, world.staff):
        html = text(as_person(viewer).get(f"/requests/{wish.pk}/"))
        assert staff in html


def test_the_resident_reads_who_reported_it_done(world, reported, helper, as_person):
    html = text(as_person(world.resident).get(f"/requests/{reported.pk}/"))
    words = zh(
        "%(name)s has reported it done. Please confirm and rate the help; the volunteer's "
        "points then go to the review group."
    ) % {"name": helper.name}
    assert words in html


def test_the_kiosk_shows_the_wishes_being_fulfilled(world, wishes):
    from django.template.loader import render_to_string

    from jifen.requests import selectors

    html = render_to_string(
        "requests/partials/kiosk_panel.html", selectors.wall_panel(world.wenchang)
    )
    underway = html.split('data-wishes="underway"', 1)[1].split("</section>", 1)[0]
    assert "想学用智能手机" in underway
    assert "想要一副老花镜" in html.split('data-wishes="waiting"', 1)[1].split("</section>", 1)[0]
    assert "想有人陪下棋" in html.split('data-wishes="fulfilled"', 1)[1]
