"""The inspectors' console pages: the summary, the messages behind a figure, the search,
the Excel files (no formula ever), and only GET."""

from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from jifen.messages import services
from jifen.people.models import Person
from tests.inspection.conftest import BASE

MARCH = "start=2026-03-01&end=2026-03-31"


def _client(person: Person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(person)
    return client


def test_the_summary_page(world, inspected):
    page = _client(inspected.inspector).get(
        f"/console/inspection/?region={world.town.code}&{MARCH}"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-total="5"' in html
    # Each number leads to the messages behind it.
    assert "/console/inspection/messages/?region=350524100&amp;start=2026-03-01" in html
    assert "figure=overdue" in html
    assert f'data-key="{world.wenchang.code}"' in html
    assert "inspection-incidents" in html


def test_the_summary_page_month_by_month(world, inspected):
    page = _client(inspected.inspector).get(
        f"/console/inspection/?region={world.town.code}&start=2026-03-01&end=2026-04-30&monthly=on"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-by="month"' in html and 'data-key="2026-04"' in html


@pytest.mark.parametrize("who", ["staff", "reviewer", "resident"])
def test_others_are_refused(world, inspected, who):
    client = _client(getattr(world, who))
    assert client.get("/console/inspection/").status_code == 403
    assert client.get("/console/inspection/messages/").status_code == 403
    assert client.get("/console/inspection/summary.xlsx").status_code == 403


def test_another_region_falls_back_to_the_inspectors_own(world, inspected):
    # A region not offered is not taken: the inspector's own is shown.
    page = _client(inspected.inspector).get(
        f"/console/inspection/?region={world.county.code}&{MARCH}"
    )
    assert page.status_code == 200
    assert 'data-total="5"' in page.content.decode()


@pytest.mark.parametrize(
    "query",
    ["start=1999-01-01", "end=2101-01-01", "start=x", "figure=nope", "month=2026-13", "q=%00"],
)
def test_bad_filters_never_500(world, inspected, query):
    client = _client(inspected.inspector)
    assert client.get(f"/console/inspection/?{query}").status_code in (200, 400)
    assert client.get(f"/console/inspection/messages/?{query}").status_code in (200, 400)


def test_the_messages_page_and_search(world, inspected):
    client = _client(inspected.inspector)
    page = client.get(
        f"/console/inspection/messages/?region={world.town.code}&{MARCH}&figure=overdue"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-message="{inspected.m3.pk}"' in html
    assert f'data-message="{inspected.m4.pk}"' in html
    assert f'data-message="{inspected.m1.pk}"' not in html
    assert f'href="/console/messages/{inspected.m4.pk}/"' in html
    found = client.get(f"/console/inspection/messages/?region={world.town.code}&{MARCH}&q=路灯")
    assert f'data-message="{inspected.m2.pk}"' in found.content.decode()
    assert f'data-message="{inspected.m5.pk}"' not in found.content.decode()


def test_the_inspector_reads_the_message_in_the_staff_console(world, inspected):
    page = _client(inspected.inspector).get(f"/console/messages/{inspected.m4.pk}/")
    assert page.status_code == 200


def test_no_writes_on_these_pages(world, inspected):
    client = _client(inspected.inspector)
    assert client.post("/console/inspection/").status_code == 405
    assert client.post("/console/inspection/messages/").status_code == 405


def _cells(content: bytes) -> list:
    book = load_workbook(BytesIO(content))
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


def test_exports_never_hold_a_formula(world, inspected):
    evil = services.write(
        actor=world.resident,
        region=world.wenchang,
        topic="other",
        body='=HYPERLINK("http://evil.example","点我")',
        now=BASE,
    )
    client = _client(inspected.inspector)
    drill = client.get(f"/console/inspection/messages.xlsx?region={world.town.code}&{MARCH}")
    assert drill.status_code == 200
    assert drill["Content-Type"].startswith("application/vnd.openxmlformats")
    cells = _cells(drill.content)
    typed = [c for c in cells if c.value == evil.body]
    assert typed and all(c.data_type == "s" for c in typed)
    assert not [c for c in cells if c.data_type == "f"]
    # Authors are masked in the file.
    assert not [c for c in cells if c.value == world.resident.name]
    summary = client.get(f"/console/inspection/summary.xlsx?region={world.town.code}&{MARCH}")
    assert summary.status_code == 200
    cells = _cells(summary.content)
    assert not [c for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert world.wenchang.name in values and 6 in values  # the town's six messages now
