"""The activity pages through Django's test client: who may open what, what each step
does to the database, and the files they hand out (the calendar, the card PDF)."""

import re
from datetime import UTC, date, timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from jifen.activities import services, tokens
from jifen.activities.cards import card_code
from jifen.activities.models import Activity, Attendance, Method, Signup, SignupStatus, Status
from jifen.audit.models import AuditEvent
from jifen.people.models import Person
from jifen.points.models import RuleItem
from jifen.points.services import save_rule_item
from tests.conftest import World
from tests.pdfcheck import BUNDLED_FONT, chinese_drawn


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture
def item(world: World) -> RuleItem:
    return save_rule_item(
        actor=None,
        region=world.county,
        code="BASIC",
        name="环境整治",
        category="环境卫生",
        unit="hour",
        points=10,
        effective_from=date(2020, 1, 1),
    ).item


@pytest.fixture
def as_person():
    def login(person: Person) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return login


def make_activity(
    world: World,
    item: RuleItem,
    *,
    title: str = "江滨花园楼道清扫",
    region=None,
    starts_in: timedelta = timedelta(days=1),
    hours: int = 2,
    capacity: int = 10,
    publish: bool = True,
) -> Activity:
    starts = timezone.now() + starts_in
    ends = starts + timedelta(hours=hours)
    later = timezone.now() + timedelta(days=1)
    # Filed while still ahead (the service refuses a window already over), then moved.
    activity = services.create_activity(
        actor=world.county_admin,
        region=region or world.wenchang,
        title=title,
        rule_item_id=item.pk,
        starts_at=min(starts, later),
        ends_at=max(ends, later + timedelta(hours=1)),
        capacity=capacity,
        place="江滨花园3栋",
    )
    if publish:
        services.approve_activity(actor=world.county_admin, activity=activity)
    Activity.objects.filter(pk=activity.pk).update(starts_at=starts, ends_at=ends)
    return Activity.objects.get(pk=activity.pk)


def text(response) -> str:
    return response.content.decode()


def current_token(activity: Activity) -> str:
    return tokens.make(activity.pk, Activity.objects.get(pk=activity.pk).qr_secret)


# --- Residents ------------------------------------------------------------------------------


def test_visitors_are_sent_to_log_in_and_come_back_to_the_same_qr_url(world, item):
    activity = make_activity(world, item, starts_in=timedelta(minutes=-5))
    url = f"/activities/{activity.pk}/checkin/?t=123.abc"
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert "checkin/%3Ft%3D123.abc" in response["Location"]
    for path in ("/activities/", "/activities/mine/", "/activities/mine.ics", "/me/card.pdf"):
        assert Client().get(path).status_code == 302, path


def test_a_resident_finds_the_activities_of_their_community_and_town_only(world, item, as_person):
    mine = make_activity(world, item, title="文昌社区义诊")
    town_wide = make_activity(world, item, title="凤城镇河道清理", region=world.town)
    make_activity(world, item, title="湾美社区巡逻", region=world.wanmei)
    make_activity(world, item, title="还在草稿", publish=False)
    make_activity(world, item, title="已经结束", starts_in=timedelta(hours=-2), hours=1)
    page = text(as_person(world.resident).get("/activities/"))
    assert "文昌社区义诊" in page and "凤城镇河道清理" in page
    assert "湾美社区巡逻" not in page
    assert "还在草稿" not in page
    assert "已经结束" not in page
    # Soonest first (the town's was filed a moment later), with the points per hour.
    assert page.index(mine.title) < page.index(town_wide.title)
    assert re.search(r'class="rate">\s*' + re.escape(zh("%(n)s points per hour") % {"n": 10}), page)


def test_an_empty_list_says_so(world, as_person):
    page = text(as_person(world.resident).get("/activities/"))
    assert zh("No activities are open for sign-up right now. Please look again in a few days.") in (
        page
    )


def test_a_resident_of_another_town_cannot_open_or_join_the_activity(world, item, as_person):
    activity = make_activity(world, item)
    client = as_person(world.stranger)
    assert client.get(f"/activities/{activity.pk}/").status_code == 404
    assert client.post(f"/activities/{activity.pk}/signup/").status_code == 404
    assert not Signup.objects.exists()


def test_a_resident_signs_up_sees_it_under_my_activities_and_withdraws(world, item, as_person):
    activity = make_activity(world, item)
    client = as_person(world.resident)
    response = client.post(f"/activities/{activity.pk}/signup/")
    assert response.status_code == 302
    signup = Signup.objects.get(activity=activity, person=world.resident)
    assert signup.status == SignupStatus.CONFIRMED
    assert activity.title in text(client.get("/activities/mine/"))
    detail = text(client.get(f"/activities/{activity.pk}/"))
    assert 'data-confirm="' in detail  # withdrawing asks first
    client.post(f"/activities/{activity.pk}/withdraw/")
    signup.refresh_from_db()
    assert signup.status == SignupStatus.WITHDRAWN
    assert activity.title not in text(client.get("/activities/mine/"))


def test_my_activities_shows_hours_and_how_they_were_recorded(world, item, as_person):
    activity = make_activity(world, item, starts_in=timedelta(hours=-3), hours=2)
    services.record_attendance(
        actor=world.staff,
        activity=activity,
        person=world.resident,
        checkin_at=activity.starts_at,
        checkout_at=activity.ends_at,
        note="第1页第3行",
    )
    page = text(as_person(world.resident).get("/activities/mine/"))
    assert activity.title in page
    assert zh("Paper sheet") in page
    assert zh("verified on site") in page
    assert re.search(r'class="amount">\s*' + re.escape(zh("%(h)s h") % {"h": 2}), page)


def test_checking_in_and_out_by_the_qr_code(world, item, as_person):
    activity = make_activity(world, item, starts_in=timedelta(minutes=-10))
    client = as_person(world.resident)
    url = f"/activities/{activity.pk}/checkin/"
    token = current_token(activity)
    page = text(client.get(f"{url}?t={token}"))
    assert zh("Check in") in page and 'name="action" value="in"' in page

    response = client.post(url, {"t": token, "action": "in", "device": "abc123"})
    assert response.status_code == 302 and response["Location"] == url
    attendance = Attendance.objects.get(activity=activity, person=world.resident)
    assert attendance.method == Method.QR and attendance.device == "abc123"
    # Without a fresh scan there is no button: a second tap cannot check out at once.
    assert 'name="action"' not in text(client.get(url))
    # A fresh scan later shows the check-out button.
    page = text(client.get(f"{url}?t={current_token(activity)}"))
    assert 'name="action" value="out"' in page and zh("Check out") in page
    Attendance.objects.filter(pk=attendance.pk).update(
        checkin_at=timezone.now() - timedelta(minutes=5)
    )
    client.post(url, {"t": current_token(activity), "action": "out"})
    attendance.refresh_from_db()
    assert attendance.checkout_at is not None


def test_an_expired_code_is_explained_in_plain_words(world, item, as_person):
    activity = make_activity(world, item, starts_in=timedelta(minutes=-10))
    secret = Activity.objects.get(pk=activity.pk).qr_secret
    stale = tokens.make(activity.pk, secret, now=timezone.now().timestamp() - 300)
    response = as_person(world.resident).post(
        f"/activities/{activity.pk}/checkin/", {"t": stale, "action": "in"}
    )
    assert response.status_code == 409
    message = zh("This QR code has expired; please scan the code on the screen again.")
    assert message in text(response)
    assert not Attendance.objects.exists()


def test_the_calendar_file_follows_rfc_5545(world, item, as_person):
    long_title = "江滨花园、金悦花园、文昌花园三个小区的楼道清扫和垃圾分类宣传志愿服务活动"
    activity = make_activity(world, item, title=long_title)
    services.sign_up(actor=world.resident, activity=activity)
    other = make_activity(world, item, title="不报名的")
    response = as_person(world.resident).get("/activities/mine.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert body.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")  # every line ends in CRLF
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines), [len(line) for line in lines]
    unfolded = body.replace(b"\r\n ", b"").decode()
    assert f"UID:activity-{activity.pk}@testserver" in unfolded
    start = activity.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in unfolded
    assert f"SUMMARY:{long_title.replace('、', '、')}" in unfolded
    assert "LOCATION:江滨花园3栋" in unfolded
    assert other.title not in unfolded
    assert unfolded.count("BEGIN:VEVENT") == 1


def test_the_calendar_escapes_commas_and_semicolons():
    from jifen.lib import ical

    now = timezone.now()
    out = ical.calendar(
        [ical.Event("u1", now, now + timedelta(hours=1), "a, b; c\\d", "x\ny")],
        name="n",
        prodid="-//t//t//ZH",
        stamp=now,
    )
    assert "SUMMARY:a\\, b\\; c\\\\d\r\n" in out
    assert "LOCATION:x\\ny\r\n" in out


def test_my_card_is_a_pdf_with_an_embedded_chinese_font(world, as_person):
    response = as_person(world.resident).get("/me/card.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF")
    # The font bundled in the package, whatever the machine has installed.
    assert f"+{BUNDLED_FONT}".encode() in body
    assert b"/FontFile2" in body  # the TrueType glyphs are in the file, not left to the reader
    assert set(world.resident.name) <= chinese_drawn(body)
    # Rendered with poppler, and every other PDF: tests/test_pdfs.py.


def test_staff_print_a_residents_card_but_not_one_of_another_town(world, as_person):
    response = as_person(world.staff).get(f"/console/people/{world.resident.pk}/card.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert as_person(world.other_staff).get(
        f"/console/people/{world.resident.pk}/card.pdf"
    ).status_code in (403, 404)
    assert (
        as_person(world.neighbour).get(f"/console/people/{world.resident.pk}/card.pdf").status_code
        == 403
    )


# --- Staff ----------------------------------------------------------------------------------


def test_residents_are_kept_out_of_the_console_pages(world, item, as_person):
    activity = make_activity(world, item)
    client = as_person(world.resident)
    for path in (
        "/console/activities/",
        "/console/activities/new/",
        f"/console/activities/{activity.pk}/",
        f"/console/activities/{activity.pk}/attendance/",
        f"/console/activities/{activity.pk}/qr/",
        f"/console/activities/{activity.pk}/scan/",
        f"/console/activities/{activity.pk}/paper/",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/console/activities/{activity.pk}/close/").status_code == 403


def test_staff_of_another_town_do_not_find_the_activity(world, item, as_person):
    activity = make_activity(world, item)
    client = as_person(world.other_staff)
    assert activity.title not in text(client.get("/console/activities/"))
    for path in ("", "attendance/", "qr/", "scan/", "paper/"):
        assert client.get(f"/console/activities/{activity.pk}/{path}").status_code == 404, path
    assert (
        client.post(f"/console/activities/{activity.pk}/cancel/", {"reason": "x"}).status_code
        == 404
    )
    assert Activity.objects.get(pk=activity.pk).status == Status.PUBLISHED


def test_staff_file_an_activity_a_reviewer_approves_it(world, item, as_person):
    staff = as_person(world.staff)
    form = text(staff.get("/console/activities/new/"))
    assert 'type="datetime-local"' in form
    assert "环境整治" in form  # the county's item serves the community
    starts = timezone.localtime() + timedelta(days=2)
    response = staff.post(
        "/console/activities/new/",
        {
            "title": "敬老院探访",
            "community": world.wenchang.code,
            "rule_item": str(item.pk),
            "place": "凤城敬老院",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "8",
            "tags": "会聊天",
            "min_age": "16",
            "needs_insurance": "on",
        },
    )
    activity = Activity.objects.get(title="敬老院探访")
    assert response["Location"] == f"/console/activities/{activity.pk}/"
    assert activity.status == Status.DRAFT and activity.organiser == world.staff
    assert activity.needs_insurance and activity.min_age == 16
    assert timezone.localtime(activity.starts_at).strftime("%H:%M") == starts.strftime("%H:%M")

    page = text(staff.get(f"/console/activities/{activity.pk}/"))
    assert f"/console/activities/{activity.pk}/submit/" in page
    assert f"/console/activities/{activity.pk}/approve/" not in page  # staff do not approve
    staff.post(f"/console/activities/{activity.pk}/submit/")
    assert Activity.objects.get(pk=activity.pk).status == Status.SUBMITTED
    staff.post(f"/console/activities/{activity.pk}/approve/")  # refused by the service
    assert Activity.objects.get(pk=activity.pk).status == Status.SUBMITTED

    reviewer = as_person(world.reviewer)
    assert "敬老院探访" in text(reviewer.get("/console/activities/?status=submitted"))
    reviewer.post(f"/console/activities/{activity.pk}/approve/")
    assert Activity.objects.get(pk=activity.pk).status == Status.PUBLISHED


def test_a_refused_filing_shows_the_reason_on_the_form(world, item, as_person):
    past = timezone.localtime() - timedelta(days=1)
    response = as_person(world.staff).post(
        "/console/activities/new/",
        {
            "title": "过去的活动",
            "community": world.wenchang.code,
            "rule_item": str(item.pk),
            "place": "x",
            "starts_at": past.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (past + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "5",
        },
    )
    assert response.status_code == 200
    assert zh("This time window is already over.") in text(response)
    assert not Activity.objects.exists()


def test_the_item_list_follows_the_chosen_community(world, item, as_person):
    local = save_rule_item(
        actor=None,
        region=world.jinyue,
        code="JY",
        name="金悦专项",
        category="c",
        unit="time",
        points=5,
    )
    client = as_person(world.town_admin)
    assert "金悦专项" in text(
        client.get(f"/console/activities/items/?community={world.jinyue.code}")
    )
    page = text(client.get(f"/console/activities/items/?community={world.wenchang.code}"))
    assert "金悦专项" not in page and "环境整治" in page
    assert local.item.pk


def test_staff_sign_up_a_resident_by_phone_ending(world, item, as_person):
    activity = make_activity(world, item)
    as_person(world.staff).post(
        f"/console/activities/{activity.pk}/signups/", {"who": world.resident.phone[-4:]}
    )
    signup = Signup.objects.get(activity=activity, person=world.resident)
    assert signup.signed_up_by == world.staff


def test_closing_asks_first_and_says_how_many_are_still_there(world, item, as_person):
    activity = make_activity(world, item, starts_in=timedelta(minutes=-10))
    services.check_in(actor=world.staff, activity=activity, person=world.resident)
    page = text(as_person(world.staff).get(f"/console/activities/{activity.pk}/"))
    close_form = page[page.index(f"/console/activities/{activity.pk}/close/") - 400 :]
    assert "data-confirm=" in close_form.split("</form>")[0]
    assert re.search(r'data-confirm="[^"]*1[^"]*"', close_form.split("</form>")[0])


def test_a_paper_sheet_line_is_recorded_audited_and_shown_on_the_board(world, item, as_person):
    activity = make_activity(world, item, starts_in=timedelta(hours=-3), hours=2)
    client = as_person(world.staff)
    starts = timezone.localtime(activity.starts_at)
    response = client.post(
        f"/console/activities/{activity.pk}/paper/",
        {
            "who": world.resident.volunteer_no,
            "checkin_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "checkout_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "note": "第1页第3行",
        },
    )
    assert response.status_code == 302
    attendance = Attendance.objects.get(activity=activity, person=world.resident)
    assert attendance.method == Method.PAPER and attendance.recorded_by == world.staff
    assert AuditEvent.objects.filter(action="activity.attendance.paper").exists()
    board = client.get(f"/console/activities/{activity.pk}/attendance/", HTTP_HX_REQUEST="true")
    assert "<html" not in text(board)  # the htmx partial alone
    assert zh("Paper sheet") in text(board) and "第1页第3行" in text(board)


def test_an_unknown_person_on_the_paper_form_is_said_on_the_field(world, item, as_person):
    activity = make_activity(world, item, starts_in=timedelta(hours=-3), hours=2)
    starts = timezone.localtime(activity.starts_at)
    response = as_person(world.staff).post(
        f"/console/activities/{activity.pk}/paper/",
        {
            "who": "99999999",
            "checkin_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "checkout_at": (starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert zh("Nobody in your communities has this volunteer number or phone.") in text(response)


def test_the_organiser_scans_a_card(world, item, as_person):
    activity = make_activity(world, item, starts_in=timedelta(minutes=-10))
    client = as_person(world.staff)
    assert "BarcodeDetector" not in text(client.get(f"/console/activities/{activity.pk}/scan/"))
    response = client.post(
        f"/console/activities/{activity.pk}/scan/",
        {"code": card_code(world.resident), "mode": "in"},
        HTTP_HX_REQUEST="true",
    )
    assert world.resident.name in text(response)
    attendance = Attendance.objects.get(person=world.resident)
    assert attendance.method == Method.CARD and attendance.recorded_by == world.staff
    forged = client.post(
        f"/console/activities/{activity.pk}/scan/",
        {"code": f"JF1:{world.neighbour.volunteer_no}:000000000000", "mode": "in"},
    )
    assert zh("This is not a volunteer card of this platform.") in text(forged)
    assert Attendance.objects.count() == 1


def test_the_qr_screen_shows_an_absolute_url_that_checks_in(world, item, as_person):
    activity = make_activity(world, item, starts_in=timedelta(minutes=-10))
    client = as_person(world.staff)
    page = text(client.get(f"/console/activities/{activity.pk}/qr/"))
    assert "<svg" in page
    url = re.search(r'data-checkin-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert url.startswith(f"http://testserver/activities/{activity.pk}/checkin/?t=")
    token = url.split("?t=", 1)[1]
    assert tokens.check(activity.pk, Activity.objects.get(pk=activity.pk).qr_secret, token) == "ok"
    partial = client.get(f"/console/activities/{activity.pk}/qr/code/?t={token}")
    assert partial.status_code == 204  # same code: htmx keeps what it shows
    partial = client.get(f"/console/activities/{activity.pk}/qr/code/?t=old")
    assert partial.status_code == 200 and "<svg" in text(partial)


def test_the_qr_screen_stops_polling_once_the_activity_is_closed(world, item, as_person):
    activity = make_activity(world, item, starts_in=timedelta(minutes=-10))
    services.close_activity(actor=world.staff, activity=activity)
    response = as_person(world.staff).get(f"/console/activities/{activity.pk}/qr/code/?t=x")
    assert response.status_code == 286


def test_the_console_list_is_paged_and_keeps_its_queries_few(
    world, item, as_person, django_assert_max_num_queries
):
    for n in range(23):
        make_activity(world, item, title=f"活动{n:02d}")
    client = as_person(world.staff)
    with django_assert_max_num_queries(12):
        page = text(client.get("/console/activities/"))
    assert page.count("/console/activities/") >= 20
    assert "page=2" in page
    assert "活动00" in text(client.get("/console/activities/?page=2"))


def test_the_resident_list_keeps_its_queries_few(
    world, item, as_person, django_assert_max_num_queries
):
    for n in range(8):
        make_activity(world, item, title=f"活动{n:02d}")
    client = as_person(world.resident)
    with django_assert_max_num_queries(12):
        client.get("/activities/")
