"""巡察: an inspector over a town or a county reads every grid incident of their region —
the console's queue, one incident, the dashboard, both Excel files, ``GET /incidents`` and
``/incidents/stats`` — is offered no step, and every write they try, over the API or a
page, is refused (403) with nothing written."""

from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from jifen.audit.models import AuditEvent
from jifen.incidents import services
from jifen.incidents.models import Category, Event, Incident
from jifen.lib.models import CalendarDay
from jifen.people.models import Person, Role, RoleGrant
from tests.conftest import PASSWORD, make_person


@pytest.fixture(params=["town", "county"])
def inspector(request, world) -> Person:
    region = world.town if request.param == "town" else world.county
    person = make_person(world.wenchang, "巡察组长")
    RoleGrant.objects.create(person=person, role=Role.INSPECTOR, region=region)
    return person


@pytest.fixture
def standing(world, grids) -> dict[str, Incident]:
    """One incident at each status where some step could be taken."""
    made: dict[str, Incident] = {}
    for status in ("reported", "accepted", "assigned", "resolved", "closed"):
        incident = services.report(
            actor=world.resident, region=grids.east, category="HJWS", description="楼道堆放杂物"
        )
        if status != "reported":
            services.accept(actor=grids.worker, incident=incident)
        if status in ("assigned", "resolved", "closed"):
            services.assign(actor=grids.worker, incident=incident, organization=grids.property_co)
        if status in ("resolved", "closed"):
            services.resolve(actor=grids.contact, incident=incident, note="已清理")
        if status == "closed":
            services.verify(actor=world.resident, incident=incident, ok=True)
        made[status] = incident
    return made


def _browser(person: Person) -> Client:
    client = Client()
    assert client.login(phone=person.phone, password=PASSWORD)
    return client


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _written() -> tuple[int, int, int, int, int]:
    return (
        Incident.objects.count(),
        Event.objects.count(),
        Category.objects.count(),
        CalendarDay.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_api_reads_and_refuses_every_write(world, grids, inspector, standing, api):
    client = api(inspector)
    listed = client.get("/incidents")
    assert listed.status_code == 200
    assert {i["id"] for i in listed.json()["items"]} == {i.pk for i in standing.values()}
    stats = client.get(f"/incidents/stats?region={world.town.code}")
    assert stats.status_code == 200
    assert sum(stats.json()["by_status"].values()) == len(standing)
    for incident in standing.values():
        seen = client.get(f"/incidents/{incident.pk}")
        assert seen.status_code == 200
        # 巡察 reads who reported it (as staff do), and never a phone number.
        assert seen.json()["reporter_name"] == world.resident.name
        assert world.resident.phone not in seen.content.decode()
    bodies = {
        "accept": {},
        "assign": {"organization": grids.property_co.pk},
        "resolve": {"note": "已处理"},
        "verify": {"ok": True, "note": "好了"},
        "escalate": {"note": "需要上级协调"},
        "close": {"reason": "no_action", "note": "无需处理"},
        "reopen": {"note": "又出现了"},
        "rate": {"rating": 4},
    }
    before = _written()
    for incident in standing.values():
        for step, body in bodies.items():
            answer = client.post(f"/incidents/{incident.pk}/{step}", body)
            assert answer.status_code == 403, (incident.status, step, answer.json())
    assert _written() == before


def test_the_console_pages_read_and_offer_no_step(world, grids, inspector, standing):
    client = _browser(inspector)
    queue = client.get("/console/incidents/")
    assert queue.status_code == 200
    html = queue.content.decode()
    assert html.count("data-incident=") == len(standing)
    assert "/console/incidents/new/" not in html  # no 录入来电
    for incident in standing.values():
        page = client.get(f"/console/incidents/{incident.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "<form" not in _main(html), incident.status
        assert world.resident.phone not in html  # masked: the reporter's phone is staff's
        phone_page = client.get(f"/incidents/{incident.pk}/")
        assert phone_page.status_code == 200
        assert "<form" not in _main(phone_page.content.decode())
        assert "action-card" not in _main(phone_page.content.decode())
    dashboard = client.get(f"/console/incidents/dashboard/?region={world.wenchang.code}")
    assert dashboard.status_code == 200 and "东片网格" in dashboard.content.decode()
    for path in ("/console/incidents/export.xlsx", "/console/incidents/dashboard.xlsx"):
        sheet = client.get(path)
        assert sheet.status_code == 200, path
        assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    categories = client.get("/console/incidents/categories/")
    assert categories.status_code == 200
    assert "/console/incidents/categories/edit/" not in categories.content.decode()


def test_every_page_write_is_refused(world, grids, inspector, standing):
    client = _browser(inspector)
    reported, resolved, closed = standing["reported"], standing["resolved"], standing["closed"]
    accepted, assigned = standing["accepted"], standing["assigned"]
    posts = [
        (f"/console/incidents/{reported.pk}/accept/", {}),
        (
            f"/console/incidents/{accepted.pk}/assign/",
            {"assign-organization": grids.property_co.pk},
        ),
        (f"/console/incidents/{accepted.pk}/escalate/", {"escalate-note": "需要协调"}),
        (f"/console/incidents/{reported.pk}/close/", {"close-reason": "no_action"}),
        (f"/console/incidents/{resolved.pk}/verify/", {"verify-ok": "yes"}),
        (f"/console/incidents/{accepted.pk}/escalate/", {}),
        (
            "/console/incidents/new/",
            {"category": "HJWS", "place": grids.east.code, "description": "来电反映"},
        ),
        (
            "/console/incidents/categories/edit/",
            {"region": world.county.code, "code": "XJ", "name": "新类别", "tier": "grid"},
        ),
        ("/console/calendar/", {"day": "2027-01-04", "kind": "off"}),
        (f"/incidents/{reported.pk}/accept/", {}),
        (f"/incidents/{accepted.pk}/assign/", {"me": "1"}),
        (f"/incidents/{accepted.pk}/escalate/", {"note": "需要协调"}),
        (f"/incidents/{assigned.pk}/resolve/", {"note": "已处理"}),
        (f"/incidents/{resolved.pk}/verify/", {"fixed": "yes"}),
        (f"/incidents/{resolved.pk}/verify/", {}),  # not even a valid form: 403 first
        (f"/incidents/{closed.pk}/rate/", {"rating": "5"}),
        (f"/incidents/{closed.pk}/reopen/", {"note": "又出现了"}),
        ("/grid/report/", {"category": "HJWS", "place": grids.east.code, "description": "x"}),
    ]
    before = _written()
    with translation.override("en"):
        for path, data in posts:
            answer = client.post(path, data)
            assert answer.status_code == 403, (path, answer.status_code)
    assert _written() == before
    assert not CalendarDay.objects.filter(day=date(2027, 1, 4)).exists()
    # The intake page and the category editor are not even shown.
    assert client.get("/console/incidents/new/").status_code == 403
    assert client.get("/console/incidents/categories/edit/").status_code == 403
    assert client.get("/grid/report/").status_code == 403
