"""The incident pages through Django's test client: a grid worker's 我的网格 and 上报, the
duplicates asked for before sending, the offline queue's resend (one incident per
client_key), one incident's page for each role (404 for what one may not see, photos
behind the same check), the handler's and the reporter's steps, a resident's 我要反映 and
我的反映; bad input says why in Chinese and changes nothing."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from jifen.incidents import services
from jifen.incidents.models import Event, Incident, Photo, Status, Tier
from jifen.lib import workdays
from jifen.people.models import Person
from tests.browser.helpers import zh, zh_n
from tests.conftest import make_person

# Jifen's own words on every incidents form, never Django's stock ones.
REQUIRED = zh("Please fill in this field.")
INVALID_CHOICE = zh("Choose from the list.")
STOCK = ("这个字段是必填项", "选择一个有效的选项")


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


def jpeg(name: str = "place.jpg") -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), (40, 160, 40)).save(data, "JPEG")
    data.seek(0)
    data.name = name
    return data


def text(response) -> str:
    return response.content.decode()


def steps_of(incident: Incident) -> list[str]:
    return list(
        Event.objects.filter(incident=incident).order_by("id").values_list("step", flat=True)
    )


def form(grids, **changes) -> dict:
    data = {
        "category": "HJWS",
        "description": "垃圾桶满溢，三天没人清运",
        "place": grids.east.code,
        "address": "文昌路 8 号门口",
        "lat": "",
        "lng": "",
        "client_key": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def reported(world, grids) -> Incident:
    return services.report(
        actor=world.resident,
        region=grids.east,
        category="HJWS",
        description="路灯不亮，晚上很黑",
        address="江滨花园 3 栋旁",
        lat="24.987600",
        lng="118.123400",
    )


# --- 上报 ----------------------------------------------------------------------------------


def test_a_grid_worker_reports_in_their_grid_with_a_photo(world, grids, as_person, uploads):
    client = as_person(grids.worker)
    page = client.get("/grid/report/")
    assert page.status_code == 200
    html = text(page)
    assert "环境卫生" in html and "安全隐患" in html
    assert grids.east.code in html and grids.west.code not in html  # only their grid
    assert 'name="client_key"' in html and "incidents/report.js" in html
    response = client.post("/grid/report/", {**form(grids), "photos": [jpeg()]})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == f"/incidents/{incident.pk}/"
    assert (incident.reporter, incident.source, incident.status) == (
        grids.worker,
        "grid",
        Status.REPORTED,
    )
    assert incident.region == grids.east and incident.address == "文昌路 8 号门口"
    assert incident.photos.count() == 1 and steps_of(incident) == ["report"]
    detail = client.get(response.url)
    assert detail.status_code == 200 and "垃圾桶满溢" in text(detail)
    assert f"/incidents/photos/{incident.photos.get().pk}/" in text(detail)


def test_the_map_point_from_the_phone_is_kept(world, grids, as_person):
    as_person(grids.worker).post("/grid/report/", form(grids, lat="24.98761", lng="118.12342"))
    incident = Incident.objects.get()
    assert (str(incident.lat), str(incident.lng)) == ("24.987610", "118.123420")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"description": ""}, REQUIRED),
        ({"category": ""}, REQUIRED),
        ({"category": "NOPE"}, INVALID_CHOICE),
        ({"place": "350524100001G2"}, INVALID_CHOICE),  # the other worker's grid
        ({"place": "350524106001"}, INVALID_CHOICE),  # another town's community
        ({"description": "x" * 1001}, None),
        ({"lat": "91", "lng": "0"}, None),
        ({"lat": "abc", "lng": "1"}, None),
    ],
)
def test_bad_input_says_why_and_changes_nothing(world, grids, as_person, changes, error):
    response = as_person(grids.worker).post("/grid/report/", form(grids, **changes))
    assert response.status_code == 400
    html = text(response)
    assert 'class="error' in html
    if error:
        assert error in html
    assert not any(stock in html for stock in STOCK)
    assert not Incident.objects.exists()


def test_a_hazard_needs_a_photo_from_a_grid_worker(world, grids, as_person):
    response = as_person(grids.worker).post("/grid/report/", form(grids, category="AQYH"))
    assert response.status_code == 400
    assert zh("%(category)s needs a photo of the place.") % {"category": "安全隐患"} in text(
        response
    )
    assert not Incident.objects.exists()


def test_five_photos_are_refused(world, grids, as_person, uploads):
    response = as_person(grids.worker).post(
        "/grid/report/", {**form(grids), "photos": [jpeg(f"{n}.jpg") for n in range(5)]}
    )
    assert response.status_code == 400
    assert not Incident.objects.exists() and not Photo.objects.exists()


def test_a_resend_with_the_same_client_key_creates_nothing(world, grids, as_person):
    client = as_person(grids.worker)
    key = "3f1c2b9e-4d5a-4c7b-9a0e-1b2c3d4e5f60"
    first = client.post("/grid/report/", form(grids, client_key=key))
    again = client.post("/grid/report/", form(grids, client_key=key, description="再发一次"))
    queued = client.post(
        "/grid/report/", form(grids, client_key=key), headers={"X-Jifen-Offline": "1"}
    )
    incident = Incident.objects.get()
    assert first.url == again.url == f"/incidents/{incident.pk}/"
    assert queued.status_code == 200
    assert queued.json() == {
        "ok": True,
        "id": incident.pk,
        "url": f"/incidents/{incident.pk}/",
        "status": "reported",
    }
    assert incident.description == "垃圾桶满溢，三天没人清运" and steps_of(incident) == ["report"]


def test_the_offline_queue_hears_what_is_wrong_in_json(world, grids, as_person):
    response = as_person(grids.worker).post(
        "/grid/report/",
        form(grids, description="", client_key="k-1"),
        headers={"X-Jifen-Offline": "1"},
    )
    assert response.status_code == 400
    assert response.json() == {"ok": False, "errors": [REQUIRED]}
    assert not Incident.objects.exists()


def test_a_report_without_the_csrf_token_is_refused(world, grids, as_person):
    client = as_person(grids.worker, enforce_csrf_checks=True)
    assert client.post("/grid/report/", form(grids)).status_code == 403
    assert not Incident.objects.exists()


def test_the_grid_pages_are_for_grid_workers_and_staff(world, grids, as_person):
    for path in ("/grid/", "/grid/report/"):
        assert as_person(world.resident).get(path).status_code == 403
        assert as_person(world.staff).get(path).status_code == 200
    assert Client().get("/grid/").status_code == 302  # to the login page


# --- Possible duplicates --------------------------------------------------------------------


def test_open_incidents_nearby_of_the_same_kind_are_suggested(world, grids, reported, as_person):
    client = as_person(grids.worker)
    near = client.get(
        "/incidents/duplicates/",
        {"category": "HJWS", "place": grids.east.code, "lat": "24.98770", "lng": "118.12345"},
    )
    assert near.status_code == 200 and "路灯不亮" in text(near)
    assert f"/incidents/{reported.pk}/" in text(near)  # the grid worker may open it
    # 200 m away, another category, or with no point at another place: nothing.
    far = client.get(
        "/incidents/duplicates/",
        {"category": "HJWS", "place": grids.east.code, "lat": "24.98940", "lng": "118.12340"},
    )
    assert "路灯不亮" not in text(far)
    other = client.get("/incidents/duplicates/", {"category": "AQYH", "place": grids.east.code})
    assert "路灯不亮" not in text(other)
    same_place = client.get(
        "/incidents/duplicates/", {"category": "HJWS", "place": grids.east.code}
    )
    assert "路灯不亮" in text(same_place)


def test_duplicates_are_only_asked_for_at_ones_own_places(world, grids, reported, as_person):
    outsider = as_person(world.stranger)  # lives in 湾美, another town
    page = outsider.get("/incidents/duplicates/", {"category": "HJWS", "place": grids.east.code})
    assert page.status_code == 200 and "路灯不亮" not in text(page)
    bad = outsider.get("/incidents/duplicates/", {"category": "HJWS", "place": "x", "lat": "nan"})
    assert bad.status_code == 200


# --- 我的网格 ---------------------------------------------------------------------------------


def test_my_grid_shows_what_waits_and_how_late(world, grids, reported, as_person):
    client = as_person(grids.worker)
    page = client.get("/grid/")
    assert page.status_code == 200 and "路灯不亮" in text(page)
    services.accept(actor=grids.worker, incident=reported)
    Incident.objects.filter(pk=reported.pk).update(due_at=timezone.now() - timedelta(days=20))
    late = text(client.get("/grid/?show=overdue"))
    assert "路灯不亮" in late and "incident-late" in late
    days = workdays.working_days_between(
        timezone.localdate() - timedelta(days=20), timezone.localdate()
    )
    assert days > 0
    assert (
        zh_n("Overdue by %(n)s working day", "Overdue by %(n)s working days", days) % {"n": days}
        in late
    )
    assert "路灯不亮" not in text(client.get("/grid/?show=reported"))
    # The other grid's worker sees none of it.
    assert "路灯不亮" not in text(as_person(grids.other_worker).get("/grid/?show=overdue"))


def test_the_phone_and_the_console_agree_on_days_late(world, grids, reported, as_person):
    """Past due by minutes counts as 1 working day late on both (was 0 on the phone)."""
    services.accept(actor=grids.worker, incident=reported)
    Incident.objects.filter(pk=reported.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    one = zh_n("Overdue by %(n)s working day", "Overdue by %(n)s working days", 1) % {"n": 1}
    assert one in text(as_person(grids.worker).get(f"/incidents/{reported.pk}/"))
    console = text(as_person(world.staff).get(f"/console/incidents/{reported.pk}/"))
    assert 'data-late="1"' in console


def test_my_grid_reads_the_same_few_times_for_one_incident_or_twenty(world, grids, as_person):
    def report(n: int) -> None:
        for i in range(n):
            incident = services.report(
                actor=world.resident, region=grids.east, category="HJWS", description=f"第{i}件"
            )
            services.accept(actor=grids.worker, incident=incident)
            services.assign(actor=grids.worker, incident=incident, organization=grids.property_co)
        Incident.objects.update(due_at=timezone.now() - timedelta(days=9))

    client = as_person(grids.worker)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/grid/?show=running").status_code == 200
        return len(queries)

    report(1)
    one = count()
    report(19)
    assert count() == one


def test_a_bad_tab_or_page_still_answers(world, grids, as_person):
    client = as_person(grids.worker)
    assert client.get("/grid/?show=nope&page=99999999999999999999").status_code == 200


# --- One incident and its steps ---------------------------------------------------------------


def test_an_incident_is_seen_only_by_those_allowed(world, grids, reported, as_person):
    assert as_person(world.resident).get(f"/incidents/{reported.pk}/").status_code == 200
    assert as_person(grids.worker).get(f"/incidents/{reported.pk}/").status_code == 200
    assert as_person(world.staff).get(f"/incidents/{reported.pk}/").status_code == 200
    for outsider in (world.stranger, world.neighbour, grids.other_worker, grids.contact):
        assert as_person(outsider).get(f"/incidents/{reported.pk}/").status_code == 404
    assert as_person(world.resident).get("/incidents/99999999999999999999/").status_code == 404


def test_the_whole_loop_through_the_pages(world, grids, reported, as_person, uploads):
    worker, contact, resident = (
        as_person(grids.worker),
        as_person(grids.contact),
        as_person(world.resident),
    )
    page = text(worker.get(f"/incidents/{reported.pk}/"))
    assert f"/incidents/{reported.pk}/accept/" in page
    assert f"/incidents/{reported.pk}/accept/" not in text(
        resident.get(f"/incidents/{reported.pk}/")
    )
    assert worker.post(f"/incidents/{reported.pk}/accept/").status_code == 302
    response = worker.post(
        f"/incidents/{reported.pk}/assign/", {"organization": str(grids.property_co.pk)}
    )
    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.status == Status.ASSIGNED and reported.organization == grids.property_co
    # The property company's contact finds it in 我处置的 and resolves it with a photo.
    assert "路灯不亮" in text(contact.get("/incidents/handling/"))
    response = contact.post(
        f"/incidents/{reported.pk}/resolve/", {"note": "换了灯泡", "photos": [jpeg("fix.jpg")]}
    )
    assert response.status_code == 302
    fix = Photo.objects.get(event__step="resolve")
    # The reporter sees the fix's photo; an outsider does not.
    assert resident.get(f"/incidents/photos/{fix.pk}/").status_code == 200
    assert as_person(world.stranger).get(f"/incidents/photos/{fix.pk}/").status_code == 404
    assert "换了灯泡" in text(resident.get(f"/incidents/{reported.pk}/"))
    assert resident.post(f"/incidents/{reported.pk}/verify/", {"fixed": "yes"}).status_code == 302
    assert resident.post(f"/incidents/{reported.pk}/rate/", {"rating": "5"}).status_code == 302
    again = resident.post(f"/incidents/{reported.pk}/rate/", {"rating": "1"})
    assert again.status_code == 409 and zh("You have rated it already.") in text(again)
    reported.refresh_from_db()
    assert (reported.status, reported.rating) == (Status.CLOSED, 5)
    assert steps_of(reported) == ["report", "accept", "assign", "resolve", "verify_ok", "rate"]


def test_not_fixed_needs_words_and_goes_back(world, grids, reported, as_person):
    services.accept(actor=grids.worker, incident=reported)
    services.assign(actor=grids.worker, incident=reported, organization=grids.property_co)
    services.resolve(actor=grids.contact, incident=reported, note="换了灯泡")
    resident = as_person(world.resident)
    silent = resident.post(f"/incidents/{reported.pk}/verify/", {"fixed": "no", "note": ""})
    assert silent.status_code == 400
    assert zh("Say what is not fixed yet.") in text(silent)
    reported.refresh_from_db()
    assert reported.status == Status.RESOLVED
    resident.post(f"/incidents/{reported.pk}/verify/", {"fixed": "no", "note": "还是不亮"})
    reported.refresh_from_db()
    assert reported.status == Status.ASSIGNED


def test_assigning_by_volunteer_number_name_or_oneself(world, grids, reported, as_person):
    services.accept(actor=grids.worker, incident=reported)
    client = as_person(grids.worker)
    url = f"/incidents/{reported.pk}/assign/"
    unknown = client.post(url, {"person": "无此人"})
    assert unknown.status_code == 400
    assert zh("No one of %(community)s has this volunteer number or name.") % {
        "community": "文昌社区"
    } in text(unknown)
    both = client.post(url, {"person": "王淑英", "organization": str(grids.property_co.pk)})
    assert both.status_code == 400
    stranger = client.post(url, {"person": world.stranger.volunteer_no})  # lives in 湾美
    assert stranger.status_code == 400
    reported.refresh_from_db()
    assert reported.status == Status.ACCEPTED and reported.assignee is None
    assert client.post(url, {"person": world.resident.volunteer_no}).status_code == 302
    reported.refresh_from_db()
    assert reported.assignee == world.resident
    assert client.post(url, {"person": grids.worker.name}).status_code == 302
    reported.refresh_from_db()
    assert reported.assignee == grids.worker
    assert client.post(url, {"me": "1"}).status_code == 302


def test_only_the_handler_resolves_and_a_wrong_step_is_refused(world, grids, reported, as_person):
    early = as_person(grids.worker).post(f"/incidents/{reported.pk}/resolve/", {"note": "好了"})
    assert early.status_code in (403, 409)  # the refusal's own status, never a 500
    services.accept(actor=grids.worker, incident=reported)
    services.assign(actor=grids.worker, incident=reported, organization=grids.property_co)
    resident = as_person(world.resident).post(f"/incidents/{reported.pk}/resolve/", {"note": "x"})
    assert resident.status_code == 403
    accept_again = as_person(grids.worker).post(f"/incidents/{reported.pk}/accept/")
    assert accept_again.status_code == 409  # the page again, the refusal at the top
    assert 'class="error banner" role="alert"' in text(accept_again)
    reported.refresh_from_db()
    assert reported.status == Status.ASSIGNED
    assert steps_of(reported) == ["report", "accept", "assign"]


def test_i_handle_it_myself_refused_shows_the_page_again(world, grids, reported, as_person):
    """我自己处置 is a button without a form: a refusal is said at the top (was a 500)."""
    worker = as_person(grids.worker)
    refused = worker.post(f"/incidents/{reported.pk}/assign/", {"me": "1"})  # not accepted yet
    assert refused.status_code == 409
    assert 'class="error banner" role="alert"' in text(refused)
    assert steps_of(reported) == ["report"]
    stranger = as_person(world.resident).post(f"/incidents/{reported.pk}/assign/", {"me": "1"})
    assert stranger.status_code == 403
    services.accept(actor=grids.worker, incident=reported)
    assert worker.post(f"/incidents/{reported.pk}/assign/", {"me": "1"}).status_code == 302
    reported.refresh_from_db()
    assert reported.assignee == grids.worker


def test_a_resident_may_not_take_the_handlers_steps(world, grids, reported, as_person):
    client = as_person(world.resident)
    assert client.post(f"/incidents/{reported.pk}/accept/").status_code == 403
    assert client.post(f"/incidents/{reported.pk}/escalate/", {"note": "太慢"}).status_code == 403
    reported.refresh_from_db()
    assert reported.status == Status.REPORTED and steps_of(reported) == ["report"]


def test_escalating_moves_it_to_the_community(world, grids, reported, as_person):
    services.accept(actor=grids.worker, incident=reported)
    client = as_person(grids.worker)
    assert client.post(f"/incidents/{reported.pk}/escalate/", {"note": ""}).status_code == 400
    ok = client.post(f"/incidents/{reported.pk}/escalate/", {"note": "需要社区协调电力公司"})
    assert ok.status_code == 302
    reported.refresh_from_db()
    assert reported.tier == Tier.COMMUNITY and reported.handling_region == world.wenchang


def test_steps_are_posted_never_got(world, grids, reported, as_person):
    client = as_person(grids.worker)
    for step in ("accept", "assign", "resolve", "verify", "rate", "reopen", "escalate"):
        assert client.get(f"/incidents/{reported.pk}/{step}/").status_code == 405
    reported.refresh_from_db()
    assert reported.status == Status.REPORTED


# --- 我要反映 and 我的反映 -----------------------------------------------------------------------


def test_a_resident_reports_at_their_community_or_a_grid_of_it(world, grids, as_person):
    client = as_person(world.resident)
    page = text(client.get("/incidents/new/"))
    assert world.wenchang.code in page and grids.east.code in page and grids.west.code in page
    response = client.post(
        "/incidents/new/", form(grids, place=world.wenchang.code, category="HJWS")
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.source == "resident" and incident.region == world.wenchang
    assert incident.tier == Tier.COMMUNITY  # the community has no grid at its own level
    mine = text(client.get("/incidents/"))
    assert "垃圾桶满溢" in mine
    assert "垃圾桶满溢" not in text(as_person(world.neighbour).get("/incidents/"))
    # Another community's place is refused.
    refused = client.post("/incidents/new/", form(grids, place=world.jinyue.code))
    assert refused.status_code == 400 and INVALID_CHOICE in text(refused)
    assert Incident.objects.count() == 1


def test_a_resident_without_a_community_is_told(world, as_person):
    lonely = make_person(None, "赵无籍")
    page = as_person(lonely).get("/incidents/new/")
    assert page.status_code == 200 and 'name="description"' not in text(page)


def test_the_reporter_reopens_within_30_days_only(world, grids, reported, as_person):
    services.accept(actor=grids.worker, incident=reported)
    services.assign(actor=grids.worker, incident=reported, person=grids.worker)
    services.resolve(actor=grids.worker, incident=reported, note="修好了")
    services.verify(actor=world.resident, incident=reported, ok=True)
    client = as_person(world.resident)
    assert f"/incidents/{reported.pk}/reopen/" in text(client.get(f"/incidents/{reported.pk}/"))
    Incident.objects.filter(pk=reported.pk).update(closed_at=timezone.now() - timedelta(days=31))
    page = text(client.get(f"/incidents/{reported.pk}/"))
    assert f"/incidents/{reported.pk}/reopen/" not in page
    late = client.post(f"/incidents/{reported.pk}/reopen/", {"note": "又坏了"})
    assert late.status_code == 409
    reported.refresh_from_db()
    assert reported.status == Status.CLOSED
    Incident.objects.filter(pk=reported.pk).update(closed_at=timezone.now() - timedelta(days=2))
    assert client.post(f"/incidents/{reported.pk}/reopen/", {"note": "又坏了"}).status_code == 302
    reported.refresh_from_db()
    assert reported.status == Status.REOPENED


def test_a_step_without_the_csrf_token_is_refused(world, grids, reported, as_person):
    client = as_person(grids.worker, enforce_csrf_checks=True)
    assert client.post(f"/incidents/{reported.pk}/accept/").status_code == 403
    reported.refresh_from_db()
    assert reported.status == Status.REPORTED


def test_a_photo_that_does_not_exist_is_not_found(world, grids, as_person):
    client = as_person(grids.worker)
    assert client.get("/incidents/photos/123/").status_code == 404
    assert client.get("/incidents/photos/99999999999999999999/").status_code == 404


def test_i_handle_it_myself_is_not_offered_to_whoever_has_it(world, grids, as_person):
    incident = services.report(
        actor=world.resident, region=grids.east, category="HJWS", description="花坛倒塌"
    )
    services.accept(actor=grids.worker, incident=incident)
    client = as_person(grids.worker)
    assert 'class="assign-me"' in client.get(f"/incidents/{incident.pk}/").content.decode()
    services.assign(actor=grids.worker, incident=incident, person=grids.worker)
    page = client.get(f"/incidents/{incident.pk}/").content.decode()
    # Theirs already: they may give it to someone else, not take it again.
    assert 'id="assign"' in page and 'class="assign-me"' not in page
