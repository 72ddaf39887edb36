"""The templates staff download: for their community, the example row uses a real item code
and the points its terms give, a second sheet lists the items (积分项目) or the teams
(志愿服务队); no text in them ever runs as a formula."""

from datetime import date
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from jifen.imports import services
from jifen.imports.templates import PLACEHOLDER_CODE
from jifen.people.models import Team
from jifen.points.services import save_rule_item
from tests.conftest import World
from tests.imports.helpers import rule
from tests.imports.test_api import client_for

pytestmark = pytest.mark.django_db


def book(answer: Any) -> Any:
    assert answer.status_code == 200, answer.content[:300]
    return load_workbook(BytesIO(answer.content))


def rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def test_the_history_template_of_a_community_uses_its_own_item_and_lists_its_items(
    world: World,
) -> None:
    rule(world.wenchang, code="HJ01", points=10)
    save_rule_item(
        actor=None,
        region=world.wenchang,
        code="HJ01",
        name="环境整治",
        category="环境保护",
        unit="hour",
        points=15,
        effective_from=date(2025, 1, 1),
    )
    rule(world.county, code="ZY02", points=5, unit="time")  # the county's, served here too
    rule(world.wanmei, code="WM09")  # another community's: not listed
    answer = client_for(world.staff).get("/api/v1/imports/history/template")
    workbook = book(answer)
    assert workbook.sheetnames == ["导入", "积分项目"]
    header, example = rows(workbook["导入"])
    row = dict(zip(header, example, strict=True))
    assert row["积分项目"] == "HJ01" != "XF01"
    # 2 hours on 2023-05-01, under the terms then in force (10 an hour).
    assert (row["数量"], row["积分"]) == (2, 20)
    listed = rows(workbook["积分项目"])
    assert listed[0][:5] == ("积分项目", "名称", "类别", "计分方式", "分值")
    assert [(r[0], r[4], r[5]) for r in listed[1:]] == [
        ("HJ01", 10, "2020-01-01"),
        ("HJ01", 15, "2025-01-01"),
        ("ZY02", 5, "2020-01-01"),
    ]
    assert listed[3][3] == "每次"
    # The example row imports as it is but for its phone, which belongs to nobody.
    report = services.import_history(
        actor=world.staff, community=world.wenchang, data=answer.content
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "手机号")]


def test_a_community_without_items_or_an_admin_of_many_gets_a_marked_placeholder(
    world: World,
) -> None:
    empty = book(client_for(world.staff).get("/api/v1/imports/history/template"))
    assert rows(empty["导入"])[1][3] == PLACEHOLDER_CODE
    assert rows(empty["积分项目"]) == [
        ("积分项目", "名称", "类别", "计分方式", "分值", "起施行日期", "状态")
    ]
    rule(world.wenchang, code="HJ01")
    many = book(client_for(world.town_admin).get("/api/v1/imports/history/template"))
    assert many.sheetnames == ["导入"]
    assert rows(many["导入"])[1][3] == PLACEHOLDER_CODE
    chosen = client_for(world.town_admin).get(
        f"/api/v1/imports/history/template?community={world.wenchang.code}"
    )
    assert rows(book(chosen)["导入"])[1][3] == "HJ01"


def test_a_template_is_only_for_a_community_the_caller_imports_into(world: World) -> None:
    client = client_for(world.staff)
    other = client.get(f"/api/v1/imports/history/template?community={world.wanmei.code}")
    assert other.status_code == 403
    assert client.get("/api/v1/imports/people/template?community=999999").status_code == 404
    town = client_for(world.town_admin).get(
        f"/api/v1/imports/people/template?community={world.town.code}"
    )
    assert town.status_code == 400


def test_the_people_template_lists_the_communitys_teams_as_text_never_formulas(
    world: World,
) -> None:
    Team.objects.create(region=world.wenchang, name="巾帼志愿服务队", leader=world.resident)
    Team.objects.create(
        region=world.wenchang, name='=HYPERLINK("http://x.example","点我")', leader=world.resident
    )
    Team.objects.create(region=world.wanmei, name="湾美服务队", leader=world.stranger)
    answer = client_for(world.staff).get("/api/v1/imports/people/template")
    workbook = book(answer)
    assert workbook.sheetnames == ["导入", "志愿服务队"]
    teams = workbook["志愿服务队"]
    names = [r[0] for r in rows(teams)[1:]]
    assert sorted(names) == sorted(["巾帼志愿服务队", '=HYPERLINK("http://x.example","点我")'])
    assert all(cell.data_type == "s" for column in teams.iter_cols() for cell in column)
    header, example = rows(workbook["导入"])
    assert dict(zip(header, example, strict=True))["志愿服务队"] in names


def test_the_console_offers_one_template_per_community_to_someone_with_several(
    world: World,
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.town_admin)
    page = client.get("/console/imports/").content.decode()
    assert 'action="/console/imports/template/history/"' in page
    assert f'value="{world.wenchang.code}"' in page
    rule(world.jinyue, code="JY01")
    answer = client.get(f"/console/imports/template/history/?community={world.jinyue.code}")
    assert rows(book(answer)["导入"])[1][3] == "JY01"
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(world.staff)
    page = staff.get("/console/imports/").content.decode()
    assert 'href="/console/imports/template/history/"' in page
    denied = staff.get(f"/console/imports/template/history/?community={world.jinyue.code}")
    assert denied.status_code == 403
