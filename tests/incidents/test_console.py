"""The staff pages of grid incidents (事件处置台): the queue and its Excel file, one
incident's steps, 录入来电, the categories and the dashboard."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from jifen.incidents import services
from jifen.incidents.models import Category, CloseReason, Event, Incident, Source, Status, Tier
from jifen.people.models import Person
from tests.browser.helpers import zh, zh_n
from tests.conftest import make_person

LIST = "/console/incidents/"


@pytest.fixture
def as_person():
    def login(person: Person) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return login


@pytest.fixture
def reported(world, grids) -> Incident:
    return services.report(
        actor=grids.worker,
        region=grids.east,
        category="HJWS",
        description='=HYPERLINK("http://x") 垃圾桶满溢',
        address="文昌路 8 号",
    )


def url(incident: Incident, step: str = "") -> str:
    name = f"incidents:console_{step}" if step else "incidents:console_detail"
    return reverse(name, args=[incident.pk])


def steps_of(incident: Incident) -> list[str]:
    return list(
        Event.objects.filter(incident=incident).order_by("id").values_list("step", flat=True)
    )


def test_the_names_other_pages_link_to(db):
    assert reverse("incidents:console_list") == LIST
    assert reverse("incidents:console_detail", args=[3]) == "/console/incidents/3/"
    assert reverse("incidents:console_dashboard") == "/console/incidents/dashboard/"
    assert reverse("incidents:console_categories") == "/console/incidents/categories/"


def test_a_resident_is_refused_and_another_town_sees_nothing(world, grids, reported, as_person):
    assert as_person(world.resident).get(LIST).status_code == 403
    assert as_person(world.other_staff).get(url(reported)).status_code == 404
    page = as_person(world.other_staff).get(LIST)
    assert page.status_code == 200 and f'data-incident="{reported.pk}"' not in page.content.decode()


def test_the_queue_in_a_fixed_number_of_queries(world, grids, reported, as_person):
    client = as_person(world.staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, {"status": "open"}).status_code == 200
        return len(queries)

    before = count()
    for n in range(6):
        item = services.report(
            actor=grids.worker,
            region=grids.west if n % 2 else grids.east,
            category="HJWS",
            description=f"第{n}处",
        )
        services.accept(actor=world.staff, incident=item)
        services.assign(actor=world.staff, incident=item, organization=grids.property_co)
    assert count() == before


def test_overdue_oldest_first_with_working_days_over(world, grids, as_person):
    items = []
    for n in range(2):
        item = services.report(
            actor=grids.worker, region=grids.east, category="HJWS", description=f"第{n}处"
        )
        services.accept(actor=grids.worker, incident=item)
        items.append(item)
    from datetime import datetime

    from django.utils import timezone

    zone = timezone.get_current_timezone()
    Incident.objects.filter(pk=items[0].pk).update(due_at=datetime(2026, 3, 2, 23, tzinfo=zone))
    Incident.objects.filter(pk=items[1].pk).update(due_at=datetime(2026, 2, 2, 23, tzinfo=zone))
    page = as_person(world.staff).get(LIST, {"status": "overdue"}).content.decode()
    assert page.index(f'data-incident="{items[1].pk}"') < page.index(
        f'data-incident="{items[0].pk}"'
    )
    assert "data-late=" in page


def test_every_step_from_the_page(world, grids, reported, as_person):
    client = as_person(world.staff)
    assert client.get(url(reported)).status_code == 200
    assert client.post(url(reported, "accept")).status_code == 302
    response = client.post(url(reported, "assign"), {"assign-person": grids.worker.volunteer_no})
    assert response.status_code == 302
    reported.refresh_from_db()
    assert reported.status == Status.ASSIGNED and reported.assignee == grids.worker
    services.resolve(actor=grids.worker, incident=reported, note="已清运")
    # Not fixed needs a note: refused on the form, nothing written.
    refused = client.post(url(reported, "verify"), {"verify-ok": "no", "verify-note": ""})
    assert refused.status_code == 400
    reported.refresh_from_db()
    assert reported.status == Status.RESOLVED
    assert client.post(url(reported, "verify"), {"verify-ok": "yes"}).status_code == 302
    reported.refresh_from_db()
    assert reported.status == Status.CLOSED and reported.closed_on_time is True
    assert steps_of(reported) == ["report", "accept", "assign", "resolve", "verify_ok"]


def test_assign_to_the_property_company_and_escalate(world, grids, reported, as_person):
    client = as_person(world.staff)
    services.accept(actor=grids.worker, incident=reported)
    client.post(url(reported, "assign"), {"assign-organization": str(grids.property_co.pk)})
    reported.refresh_from_db()
    assert reported.organization == grids.property_co
    assert (
        client.post(url(reported, "escalate"), {"escalate-note": "需社区协调"}).status_code == 302
    )
    reported.refresh_from_db()
    assert reported.tier == Tier.COMMUNITY and reported.status == Status.ACCEPTED


def test_a_name_matching_several_is_listed_back(world, grids, reported, as_person):
    make_person(world.wenchang, "王大明")
    make_person(world.wenchang, "王小明")
    services.accept(actor=grids.worker, incident=reported)
    page = as_person(world.staff).post(url(reported, "assign"), {"assign-person": "明"})
    assert page.status_code == 400 and "王大明" in page.content.decode()


def test_close_as_a_duplicate_names_the_other(world, grids, reported, as_person):
    other = services.report(
        actor=grids.worker, region=grids.east, category="HJWS", description="同一处垃圾"
    )
    client = as_person(world.staff)
    missing = client.post(url(other, "close"), {"close-reason": "duplicate"})
    assert missing.status_code == 400
    done = client.post(
        url(other, "close"), {"close-reason": "duplicate", "close-duplicate_of": str(reported.pk)}
    )
    assert done.status_code == 302
    other.refresh_from_db()
    assert other.status == Status.CLOSED and other.duplicate_of == reported
    assert other.close_reason == "duplicate"
    # A grid worker may not close without a fix: the button is not there, the service says no.
    third = services.report(
        actor=grids.worker, region=grids.east, category="HJWS", description="又一处"
    )
    assert (
        as_person(grids.worker).post(url(third, "close"), {"close-reason": "no_action"}).status_code
        == 403
    )


def test_a_phone_call_is_reported_as_staff(world, grids, as_person):
    client = as_person(world.staff)
    response = client.post(
        reverse("incidents:console_intake"),
        {
            "place": grids.west.code,
            "category": "HJWS",
            "description": "来电：楼道堆放杂物",
        },
    )
    assert response.status_code == 302
    item = Incident.objects.get()
    assert item.source == Source.STAFF and item.reporter == world.staff
    assert item.region == grids.west
    bad = client.post(
        reverse("incidents:console_intake"),
        {
            "place": grids.west.code,
            "category": "NOPE",
            "description": "x",
        },
    )
    assert bad.status_code == 400


def test_the_excel_file_keeps_formulas_as_text(world, grids, reported, as_person):
    response = as_person(world.staff).get(reverse("incidents:console_export"))
    sheet = load_workbook(
        BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    values = [c.value for c in sheet[2]]
    description = next(v for v in values if isinstance(v, str) and "HYPERLINK" in v)
    cell = next(c for c in sheet[2] if c.value == description)
    assert cell.data_type == "s"


def test_categories_county_list_and_a_community_override(world, grids, as_person):
    client = as_person(world.staff)
    page = client.get(reverse("incidents:console_categories"), {"region": world.wenchang.code})
    assert page.status_code == 200 and "环境卫生" in page.content.decode()
    saved = client.post(
        reverse("incidents:console_category_edit") + f"?region={world.wenchang.code}",
        {
            "region": world.wenchang.code,
            "code": "HJWS",
            "name": "环境卫生（文昌）",
            "tier": "community",
            "deadline_days": "2",
            "deadline_hours": "0",
            "report_item": str(grids.report_item.pk),
            "close_item": "",
            "position": "0",
            "is_active": "on",
            "default_organization": str(grids.property_co.pk),
        },
    )
    assert saved.status_code == 302
    own = Category.objects.get(region=world.wenchang, code="HJWS")
    assert own.deadline_days == 2 and own.default_organization == grids.property_co
    assert own.report_item == grids.report_item
    page = client.get(reverse("incidents:console_categories"), {"region": world.wenchang.code})
    assert "data-override" in page.content.decode()
    # The county's own stays for the others; 文昌's staff may not change the county's.
    assert Category.objects.get(region=world.county, code="HJWS").deadline_days == 3
    refused = client.post(
        reverse("incidents:console_category_edit"),
        {
            "region": world.county.code,
            "code": "HJWS",
            "name": "x",
            "tier": "grid",
            "deadline_days": "1",
            "deadline_hours": "0",
            "position": "0",
        },
    )
    assert refused.status_code in (400, 404)


def test_the_dashboard_and_its_excel_file(world, grids, reported, as_person):
    services.accept(actor=grids.worker, incident=reported)
    for person in (world.staff, world.reviewer, world.county_admin):
        page = as_person(person).get(reverse("incidents:console_dashboard"))
        assert page.status_code == 200
    page = as_person(world.staff).get(
        reverse("incidents:console_dashboard"), {"region": world.wenchang.code}
    )
    html = page.content.decode()
    assert 'data-by="area"' in html and "东片网格" in html
    county = as_person(world.county_admin).get(
        reverse("incidents:console_dashboard"), {"region": world.county.code}
    )
    assert "凤城镇" in county.content.decode()
    export = as_person(world.county_admin).get(
        reverse("incidents:console_dashboard_export"), {"region": world.county.code}
    )
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert any(row[0] == "凤城镇" for row in rows)
    heads = next(row for row in rows if "已超期" in row)
    assert "未结案" in heads and "查看" not in heads  # a count of open ones, not the verb
    bad = as_person(world.staff).get(
        reverse("incidents:console_dashboard"), {"start": "2026-05-01", "end": "2026-01-01"}
    )
    assert bad.status_code == 200


def test_a_refused_accept_is_said_at_the_top_never_a_500(world, grids, reported, as_person):
    client = as_person(world.staff)
    assert client.post(url(reported, "accept")).status_code == 302
    again = client.post(url(reported, "accept"))  # taken on already: the service refuses
    assert again.status_code == 409
    assert "data-refused" in again.content.decode()
    assert steps_of(reported) == ["report", "accept"]


def test_a_volunteer_number_of_another_community_is_not_found(world, grids, reported, as_person):
    """录入 by number looks only in the incident's community and those who work over it."""
    outsider = make_person(world.jinyue, "金岳人")
    client = as_person(world.staff)
    services.accept(actor=grids.worker, incident=reported)
    page = client.post(url(reported, "assign"), {"assign-person": outsider.volunteer_no})
    assert page.status_code == 400
    reported.refresh_from_db()
    assert reported.assignee is None and reported.status == Status.ACCEPTED
    # The grid worker of the grid is found by number.
    done = client.post(url(reported, "assign"), {"assign-person": grids.worker.volunteer_no})
    assert done.status_code == 302


def test_the_accept_hint_says_only_the_deadline_that_applies(world, grids, reported, as_person):
    html = as_person(world.staff).get(url(reported)).content.decode()
    days = grids.clean.deadline_days
    assert (
        zh_n(
            "The deadline starts now: %(n)s working day.",
            "The deadline starts now: %(n)s working days.",
            days,
        )
        % {"n": days}
        in html
    )
    assert "urgent" not in html and "紧急类别" not in html


def test_a_bad_filter_lists_nothing_and_keeps_the_good_ones(world, grids, reported, as_person):
    page = as_person(world.staff).get(
        LIST, {"status": "reported", "region": world.jinyue.code + "X"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and f'data-incident="{reported.pk}"' not in html
    assert 'value="reported" selected' in html  # the status filter stays


def test_a_grid_worker_reads_the_categories_of_their_community(world, grids, as_person):
    page = as_person(grids.worker).get(reverse("incidents:console_categories"))
    assert page.status_code == 200 and "环境卫生" in page.content.decode()


def test_the_console_forms_speak_jifens_words(world, grids, reported, as_person):
    client = as_person(world.staff)
    pages = [
        client.post(reverse("incidents:console_intake"), {"category": "NOPE"}),
        client.post(url(reported, "close"), {"close-reason": "nope"}),
        client.get(LIST, {"status": "nope"}),
        client.get(reverse("incidents:console_dashboard"), {"start": "not a date"}),
    ]
    for page in pages:
        html = page.content.decode()
        assert "这个字段是必填项" not in html and "选择一个有效的选项" not in html
        assert "输入一个有效的日期" not in html
    assert zh("Please fill in this field.") in pages[0].content.decode()
    assert zh("Choose from the list.") in pages[1].content.decode()


def test_the_page_offers_only_the_steps_the_viewer_may_take(world, grids, reported, as_person):
    """The resolver is not offered the check of their own fix; community staff are not
    offered closing what the town holds; the 物业 serving here is preselected."""
    clean = grids.clean
    clean.default_organization = grids.property_co
    clean.save()
    services.accept(actor=world.staff, incident=reported)
    staff = as_person(world.staff)
    page = staff.get(url(reported)).content.decode()
    assert f'<option value="{grids.property_co.pk}" selected>' in page
    services.assign(actor=world.staff, incident=reported, person=world.staff)
    services.resolve(actor=world.staff, incident=reported, note="已清运")
    page = staff.get(url(reported)).content.decode()
    assert reverse("incidents:console_verify", args=[reported.pk]) not in page
    other = as_person(grids.worker)  # the grid's worker checks the staff's fix
    page = other.get(reverse("incidents:detail", args=[reported.pk])).content.decode()
    assert reverse("incidents:verify", args=[reported.pk]) in page
    services.verify(actor=grids.worker, incident=reported, ok=False, note="还有一袋")
    services.escalate(actor=world.staff, incident=reported, note="需要社区协调")  # grid → community
    page = staff.get(url(reported)).content.decode()
    assert reverse("incidents:console_close", args=[reported.pk]) in page
    services.escalate(actor=world.staff, incident=reported, note="需要镇里协调")  # → town
    page = staff.get(url(reported)).content.decode()
    assert reverse("incidents:console_close", args=[reported.pk]) not in page


def test_the_excel_file_says_how_each_was_closed(world, grids, reported, as_person):
    """A closing without a fix is there with its reason (and the duplicate's number), so
    the file read alone does not count it among the unfixed or the fixed."""
    other = services.report(
        actor=world.resident, region=grids.east, category="HJWS", description="同一处垃圾"
    )
    services.close(
        actor=world.staff,
        incident=other,
        reason=CloseReason.DUPLICATE,
        duplicate_of=reported,
    )
    response = as_person(world.staff).get(reverse("incidents:console_export"))
    sheet = load_workbook(
        BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    headers = [c.value for c in sheet[1]]
    column = headers.index(_zh("incident export", "How it was closed"))
    rows = {r[0]: r[column] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[other.pk] == f"{zh('a duplicate of another report')} #{reported.pk}"
    assert rows[reported.pk] in (None, "")


def test_the_assign_form_names_a_person_not_a_resident(world, grids, reported, as_person):
    services.accept(actor=grids.worker, incident=reported)
    html = as_person(world.staff).get(f"/console/incidents/{reported.pk}/").content.decode()
    phone = as_person(grids.worker).get(f"/incidents/{reported.pk}/").content.decode()
    assert f'for="id_assign-person">{_zh("incident assign", "To a person")}' in html
    # The tier the incident is at, labelled as on the phone's page (not 经办人, a person).
    assert f"<dt>{_zh('incident', 'Handled by')}</dt><dd>东片网格 ({zh('grid')})" in html
    # Assigning from the phone asks first, as the console does.
    assert f'action="/incidents/{reported.pk}/assign/" novalidate data-confirm=' in phone


def _zh(context: str, text: str) -> str:
    with translation.override("zh-hans"):
        return translation.pgettext(context, text)


def test_the_dashboard_shows_the_period_it_counts_in_its_fields(world, grids, as_person):
    html = as_person(world.staff).get(reverse("incidents:console_dashboard")).content.decode()
    today = timezone.localdate()
    start = min(date(today.year, 1, 1), today - timedelta(days=29))
    assert f'name="start" value="{start.isoformat()}"' in html
    assert f'name="end" value="{today.isoformat()}"' in html
