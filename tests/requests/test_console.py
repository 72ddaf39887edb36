"""The staff pages of service requests (派单台): who may open them, every step staff take
from a request's page, the menu, and the Excel file of the list."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from jifen.audit.models import AuditEvent
from jifen.people.models import Organization, Person, Team, TeamMember
from jifen.requests import services
from jifen.requests.models import STEP_LABELS, Event, MenuItem, ServiceRequest, Status
from tests.browser.helpers import zh
from tests.conftest import make_person


@pytest.fixture
def as_person():
    def login(person: Person) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return login


def detail(request: ServiceRequest, step: str = "") -> str:
    if step:
        return reverse(f"requests:console_{step}", args=[request.pk])
    return reverse("requests:console_detail", args=[request.pk])


LIST = "/console/requests/"


def steps_of(request: ServiceRequest) -> list[str]:
    return list(Event.objects.filter(request=request).values_list("step", flat=True))


# --- Who may open the pages -------------------------------------------------------------------


def test_the_names_other_pages_link_to(db):
    assert reverse("requests:console_list") == LIST
    assert reverse("requests:console_detail", args=[7]) == "/console/requests/7/"
    assert reverse("requests:console_menu") == "/console/requests/menu/"
    assert reverse("requests:console_stats") == "/console/requests/stats/"


def test_a_resident_is_refused_and_a_visitor_sent_to_log_in(world, menu, asked, as_person):
    assert as_person(world.resident).get(LIST).status_code == 403
    assert as_person(world.resident).get(detail(asked)).status_code == 403
    anonymous = Client().get(detail(asked))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    # A merchant holds the console but not requests.
    assert as_person(world.merchant).get(LIST).status_code == 403


def test_staff_of_another_community_find_nothing(world, menu, asked, as_person):
    client = as_person(world.other_staff)
    assert client.get(detail(asked)).status_code == 404
    answer = client.post(detail(asked, "publish"), {"publish-points": 10})
    assert answer.status_code == 404
    listed = client.get(LIST)
    assert listed.status_code == 200 and asked.title not in listed.content.decode()
    asked.refresh_from_db()
    assert asked.status == Status.SUBMITTED


def test_the_reviewer_reads_but_takes_no_step(world, menu, asked, as_person):
    client = as_person(world.reviewer)
    page = client.get(detail(asked))
    assert page.status_code == 200
    html = page.content.decode()
    # The address is for those who go or send someone, not the review group.
    assert asked.title in html and "江滨花园 3 栋 201" not in html
    assert "江滨花园 3 栋 201" in as_person(world.staff).get(detail(asked)).content.decode()
    assert "publish-points" not in html and "dispatch-person" not in html
    # Their phone is masked for a reviewer; staff read it whole.
    assert world.resident.phone not in html
    assert world.resident.phone[-4:] in html
    staff_page = as_person(world.staff).get(detail(asked)).content.decode()
    assert f'href="tel:{world.resident.phone}"' in staff_page  # a tap calls the resident
    refused = client.post(detail(asked, "publish"), {"publish-points": 10})
    assert refused.status_code == 403
    asked.refresh_from_db()
    assert asked.status == Status.SUBMITTED and asked.points is None


# --- The list ---------------------------------------------------------------------------------


def test_the_list_counts_each_status_and_puts_the_oldest_check_first(
    world, menu, asked, helper, as_person
):
    second = services.submit_request(
        actor=world.resident, community=world.wenchang, category="REPAIR", title="灯不亮"
    )
    ServiceRequest.objects.filter(pk=asked.pk).update(created_at=timezone.now() - timedelta(days=3))
    third = services.submit_request(
        actor=world.resident,
        community=world.wenchang,
        category="WISH",
        title="想要拐杖",
        kind="wish",
    )
    services.publish(actor=world.staff, request=third)
    client = as_person(world.staff)
    page = client.get(LIST, {"status": "submitted"})
    assert page.status_code == 200
    rows = [r.pk for r in page.context["page"]]
    assert rows == [asked.pk, second.pk]
    tabs = {value: n for value, _label, n in page.context["tabs"]}
    assert tabs[""] == 3 and tabs["submitted"] == 2 and tabs["open"] == 1
    wishes = client.get(LIST, {"kind": "wish"})
    assert [r.pk for r in wishes.context["page"]] == [third.pk]


def test_the_list_costs_the_same_queries_for_many_requests(world, menu, as_person):
    client = as_person(world.staff)
    for n in range(3):
        services.submit_request(
            actor=world.resident, community=world.wenchang, category="REPAIR", title=f"修{n}"
        )
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for n in range(12):
        services.submit_request(
            actor=world.resident, community=world.wenchang, category="REPAIR", title=f"再修{n}"
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(many) == len(few)


def test_overdue_requests_are_marked_with_the_working_days_late(
    world, menu, asked, helper, as_person
):
    services.dispatch(actor=world.staff, request=asked, person=helper)
    # Due last Monday two weeks ago: well behind whatever today is.
    ServiceRequest.objects.filter(pk=asked.pk).update(
        due_on=timezone.localdate() - timedelta(days=21)
    )
    client = as_person(world.staff)
    page = client.get(LIST, {"overdue": "on"})
    assert [r.pk for r in page.context["page"]] == [asked.pk]
    late = page.context["page"][0].late_days
    assert 10 <= late <= 16
    assert f'data-late="{late}"' in page.content.decode()
    assert list(client.get(LIST, {"overdue": "on", "status": "open"}).context["page"]) == []
    # The detail page says it, and offers to reassign.
    html = client.get(detail(asked)).content.decode()
    assert f'data-late="{late}"' in html and "dispatch-person" in html


def test_the_list_finds_a_helper_by_name_or_number(world, menu, asked, helper, as_person):
    services.dispatch(actor=world.staff, request=asked, person=helper)
    client = as_person(world.staff)
    for text in ("周志", helper.volunteer_no):
        assert [r.pk for r in client.get(LIST, {"assignee": text}).context["page"]] == [asked.pk]
    assert list(client.get(LIST, {"assignee": "无此人"}).context["page"]) == []


def test_bad_filters_and_pages_never_fail(world, menu, asked, as_person):
    client = as_person(world.staff)
    for query in (
        {"status": "nonsense"},
        {"kind": "x" * 500},
        {"community": "999"},
        {"page": "99999"},
        {"page": "-1"},
        {"category": "<script>"},
        {"assignee": "x" * 200},
    ):
        assert client.get(LIST, query).status_code == 200, query


def test_town_staff_choose_a_community(world, menu, asked, as_person):
    services.submit_request(
        actor=world.neighbour, community=world.jinyue, category="REPAIR", title="金悦的门"
    )
    client = as_person(world.town_admin)
    both = client.get(LIST)
    assert both.context["page"].paginator.count == 2
    one = client.get(LIST, {"community": world.jinyue.code})
    assert [r.title for r in one.context["page"]] == ["金悦的门"]


# --- The steps --------------------------------------------------------------------------------


def test_publish_with_points_within_the_menus_bound(world, menu, asked, as_person):
    client = as_person(world.staff)
    page = client.get(detail(asked))
    assert page.context["publish_form"]["points"].value() == 10
    too_many = client.post(detail(asked, "publish"), {"publish-points": 31})
    assert too_many.status_code == 400
    assert (
        zh("The points of %(item)s are at most %(max)s.") % {"item": "家电维修", "max": 30}
        in too_many.content.decode()
    )
    for bad in ("", "abc", "-3", "0"):
        answer = client.post(detail(asked, "publish"), {"publish-points": bad})
        assert answer.status_code == 400, bad
    asked.refresh_from_db()
    assert asked.status == Status.SUBMITTED and asked.points is None
    done = client.post(detail(asked, "publish"), {"publish-points": 25})
    assert done.status_code == 302 and done["Location"] == detail(asked)
    asked.refresh_from_db()
    assert asked.status == Status.OPEN and asked.points == 25
    assert AuditEvent.objects.filter(action="requests.publish").count() == 1
    # Twice is a conflict, said on the page, not a second step.
    again = client.post(detail(asked, "publish"), {"publish-points": 25})
    assert again.status_code == 409
    assert steps_of(asked) == ["submit", "publish"]


def test_reject_needs_a_reason(world, menu, asked, as_person):
    client = as_person(world.staff)
    assert client.post(detail(asked, "reject"), {"reject-reason": "  "}).status_code == 400
    assert client.post(detail(asked, "reject"), {"reject-reason": "x" * 201}).status_code == 400
    asked.refresh_from_db()
    assert asked.status == Status.SUBMITTED
    assert (
        client.post(detail(asked, "reject"), {"reject-reason": "不在服务范围"}).status_code == 302
    )
    asked.refresh_from_db()
    assert asked.status == Status.REJECTED and asked.reason == "不在服务范围"


def test_dispatch_to_a_person_by_number_or_name(world, menu, asked, helper, as_person):
    client = as_person(world.staff)
    make_person(world.wenchang, "周志强")  # two 周志…: the name alone is not enough
    ambiguous = client.post(detail(asked, "dispatch"), {"dispatch-person": "周志"})
    assert ambiguous.status_code == 400 and helper.volunteer_no in ambiguous.content.decode()
    nobody = client.post(detail(asked, "dispatch"), {"dispatch-person": "不存在的人"})
    assert nobody.status_code == 400
    stranger = client.post(
        detail(asked, "dispatch"), {"dispatch-person": world.stranger.volunteer_no}
    )
    assert stranger.status_code == 400  # not a volunteer of 文昌
    own = client.post(
        detail(asked, "dispatch"),
        {"dispatch-person": world.resident.volunteer_no, "dispatch-points": "17"},
    )
    # Nobody helps with their own request: said on the form, with what was typed.
    assert own.status_code == 400
    form = own.context["dispatch_form"]
    assert form.errors["person"] and form["points"].value() == "17"
    assert form["person"].value() == world.resident.volunteer_no
    assert zh("Not allowed") not in own.content.decode()
    neither = client.post(detail(asked, "dispatch"), {"dispatch-points": "10"})
    assert neither.status_code == 400
    asked.refresh_from_db()
    assert asked.status == Status.SUBMITTED and steps_of(asked) == ["submit"]
    done = client.post(
        detail(asked, "dispatch"), {"dispatch-person": "周志愿", "dispatch-points": "15"}
    )
    assert done.status_code == 302
    asked.refresh_from_db()
    assert asked.status == Status.ASSIGNED and asked.assignee == helper and asked.points == 15
    assert asked.due_on is not None


def test_dispatch_to_a_team_then_name_the_member(world, menu, asked, helper, as_person):
    leader = make_person(world.wenchang, "队长甲")
    team = Team.objects.create(region=world.wenchang, name="红马甲服务队", leader=leader)
    TeamMember.objects.create(team=team, person=helper, joined_on=timezone.localdate())
    other = Team.objects.create(
        region=world.wanmei, name="湾美队", leader=make_person(world.wanmei, "湾美队长")
    )
    client = as_person(world.staff)
    page = client.get(detail(asked))
    teams = dict(page.context["dispatch_form"].fields["team"].choices)
    assert str(team.pk) in teams and str(other.pk) not in teams
    wrong = client.post(detail(asked, "dispatch"), {"dispatch-team": str(other.pk)})
    assert wrong.status_code == 400
    both = client.post(
        detail(asked, "dispatch"),
        {"dispatch-team": str(team.pk), "dispatch-person": helper.volunteer_no},
    )
    assert both.status_code == 400
    assert (
        client.post(detail(asked, "dispatch"), {"dispatch-team": str(team.pk)}).status_code == 302
    )
    asked.refresh_from_db()
    assert asked.team == team and asked.assignee is None
    page = client.get(detail(asked))
    members = dict(page.context["member_form"].fields["person"].choices)
    assert str(helper.pk) in members and str(leader.pk) in members
    outsider = client.post(detail(asked, "assign_member"), {"member-person": str(world.staff.pk)})
    assert outsider.status_code == 400
    named = client.post(detail(asked, "assign_member"), {"member-person": str(helper.pk)})
    assert named.status_code == 302
    asked.refresh_from_db()
    assert asked.assignee == helper


def test_dispatch_to_an_organisation(world, menu, asked, as_person):
    unit = Organization.objects.create(region=world.wenchang, name="县供电公司")
    client = as_person(world.staff)
    answer = client.post(detail(asked, "dispatch"), {"dispatch-organization": str(unit.pk)})
    assert answer.status_code == 302
    asked.refresh_from_db()
    assert asked.organization == unit and asked.status == Status.ASSIGNED
    bad = client.post(detail(asked, "dispatch"), {"dispatch-organization": "abc"})
    assert bad.status_code == 400


def test_cancel_needs_a_reason_and_ends_it(world, menu, asked, helper, as_person):
    services.dispatch(actor=world.staff, request=asked, person=helper)
    client = as_person(world.staff)
    assert client.post(detail(asked, "cancel"), {}).status_code == 400
    assert (
        client.post(detail(asked, "cancel"), {"cancel-reason": "居民已自行解决"}).status_code == 302
    )
    asked.refresh_from_db()
    assert asked.status == Status.CANCELLED
    page = client.get(detail(asked)).content.decode()
    assert "cancel-reason" not in page and "居民已自行解决" in page
    assert client.post(detail(asked, "cancel"), {"cancel-reason": "再来"}).status_code == 409


def test_steps_answer_only_posts_and_unknown_requests_are_404(world, menu, asked, as_person):
    client = as_person(world.staff)
    assert client.get(detail(asked, "publish")).status_code == 405
    assert client.get("/console/requests/999999/").status_code == 404
    assert (
        client.post("/console/requests/999999/publish/", {"publish-points": 5}).status_code == 404
    )


def test_the_history_shows_every_step(world, menu, asked, helper, as_person):
    services.publish(actor=world.staff, request=asked, points=12)
    services.accept(actor=helper, request=asked)
    html = as_person(world.staff).get(detail(asked)).content.decode()
    with translation.override("zh-hans"):
        labels = [str(STEP_LABELS[step]) for step in ("submit", "publish", "accept")]
    for label in labels:
        assert f"<strong>{label}</strong>" in html


# --- The menu ---------------------------------------------------------------------------------


def test_the_menu_marks_a_community_override(world, menu, as_person):
    services.save_menu_item(
        actor=None,
        region=world.wenchang,
        code="REPAIR",
        name="家电维修（文昌）",
        group="生活帮扶",
        rule_item=menu.repair.rule_item,
        points=15,
        max_points=40,
    )
    client = as_person(world.staff)
    page = client.get("/console/requests/menu/", {"region": world.wenchang.code})
    rows = {r["item"].code: r for r in page.context["rows"]}
    assert rows["REPAIR"]["overrides"] and rows["REPAIR"]["item"].points == 15
    assert not rows["ESCORT"]["overrides"]
    assert zh("community override") in page.content.decode()
    county = as_person(world.county_admin).get(
        "/console/requests/menu/", {"region": world.county.code}
    )
    assert {r["item"].code: r["item"].points for r in county.context["rows"]}["REPAIR"] == 10
    # Another community's menu is not theirs to read.
    other = client.get("/console/requests/menu/", {"region": world.wanmei.code})
    assert other.status_code == 404


def test_staff_add_and_change_a_line_of_their_menu(world, menu, as_person):
    client = as_person(world.staff)
    url = "/console/requests/menu/edit/"
    form = {
        "region": world.wenchang.code,
        "code": "HAIRCUT",
        "name": "上门理发",
        "group": "生活帮扶",
        "description": "",
        "rule_item": str(menu.repair.rule_item_id),
        "points": "8",
        "max_points": "12",
        "eligibility": "anyone",
        "deadline_days": "5",
        "position": "0",
        "is_active": "on",
    }
    for bad in (
        {"points": "0"},
        {"max_points": "5"},
        {"deadline_days": "61"},
        {"code": "有空格 的"},
        {"rule_item": "999999"},
        {"eligibility": "everyone"},
        {"region": world.wanmei.code},
        {"name": ""},
    ):
        answer = client.post(url, {**form, **bad})
        assert answer.status_code in (400, 404), bad
    assert not MenuItem.objects.filter(code="HAIRCUT").exists()
    assert client.post(url, form).status_code == 302
    line = MenuItem.objects.get(code="HAIRCUT")
    assert line.region == world.wenchang and line.points == 8 and line.deadline_days == 5
    page = client.get(url, {"region": world.wenchang.code, "code": "HAIRCUT"})
    assert page.context["form"]["name"].value() == "上门理发"
    assert client.post(url, {**form, "points": "9", "is_active": ""}).status_code == 302
    line.refresh_from_db()
    assert line.points == 9 and not line.is_active
    assert AuditEvent.objects.filter(action="requests.menu.save").count() >= 2
    # The reviewer reads the menu but changes nothing.
    assert as_person(world.reviewer).get("/console/requests/menu/").status_code == 200
    assert as_person(world.reviewer).post(url, form).status_code == 403


# --- Excel ------------------------------------------------------------------------------------


def test_the_list_in_excel_keeps_a_formula_as_text_and_masks_names(world, menu, as_person):
    services.submit_request(
        actor=world.resident,
        community=world.wenchang,
        category="REPAIR",
        title='=HYPERLINK("http://evil.example","点我")',
    )
    answer = as_person(world.staff).get("/console/requests/export.xlsx")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(answer.content)).active
    row = [c for c in sheet[2]]
    title = next(c for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert title.value.startswith("=") and title.data_type == "s"
    assert "王*英" in [c.value for c in row] and "王淑英" not in [c.value for c in row]
    # Another community's staff get an empty file (headers only).
    theirs = as_person(world.other_staff).get("/console/requests/export.xlsx")
    assert load_workbook(BytesIO(theirs.content)).active.max_row == 1


def test_staff_reassign_an_overdue_request(world, menu, asked, helper, as_person):
    services.dispatch(actor=world.staff, request=asked, person=helper)
    ServiceRequest.objects.filter(pk=asked.pk).update(
        due_on=timezone.localdate() - timedelta(days=10)
    )
    other = make_person(world.wenchang, "吴热心")
    client = as_person(world.staff)
    answer = client.post(detail(asked, "dispatch"), {"dispatch-person": other.volunteer_no})
    assert answer.status_code == 302
    asked.refresh_from_db()
    assert asked.assignee == other and asked.due_on > timezone.localdate()
    assert steps_of(asked) == ["submit", "dispatch", "reassign"]
    assert list(client.get(LIST, {"overdue": "on"}).context["page"]) == []


# --- Walk-through fixes -----------------------------------------------------------------------


def test_naming_the_requester_from_the_group_is_refused_on_the_form(
    world, menu, asked, helper, as_person
):
    team = Team.objects.create(region=world.wenchang, name="红马甲服务队", leader=helper)
    TeamMember.objects.create(team=team, person=world.resident, joined_on=timezone.localdate())
    services.dispatch(actor=world.staff, request=asked, team=team)
    response = as_person(world.staff).post(
        detail(asked, "assign_member"), {"member-person": str(world.resident.pk)}
    )
    assert response.status_code == 400
    form = response.context["member_form"]
    assert form.errors["person"] and form["person"].value() == str(world.resident.pk)
    asked.refresh_from_db()
    assert asked.assignee is None


def test_the_menu_names_the_points_item_and_what_a_line_serves(world, menu, as_person):
    page = as_person(world.staff).get("/console/requests/menu/", {"region": world.wenchang.code})
    html = page.content.decode()
    assert "为民服务" in html  # the points item by its name, the code small beside it
    assert 'data-kind="wish"' in html and 'data-kind="request"' in html


def test_the_menu_form_speaks_jifens_words_and_saves_a_wish_line(world, menu, as_person):
    client = as_person(world.staff)
    url = "/console/requests/menu/edit/"
    form = {
        "region": world.wenchang.code,
        "code": "BOOKS",
        "name": "图书心愿",
        "group": "微心愿",
        "kind": "wish",
        "rule_item": str(menu.repair.rule_item_id),
        "points": "5",
        "eligibility": "anyone",
        "deadline_days": "5",
        "position": "-1",
        "is_active": "on",
    }
    refused = client.post(url, {**form, "eligibility": "everyone", "name": ""})
    html = refused.content.decode()
    assert refused.status_code == 400
    for stock in ("确保该值", "这个字段是必填项", "选择一个有效的选项"):
        assert stock not in html
    assert zh("Choose from the list.") in html and zh("Please fill in this field.") in html
    assert client.post(url, {**form, "position": "0"}).status_code == 302
    assert MenuItem.objects.get(code="BOOKS").kind == "wish"
