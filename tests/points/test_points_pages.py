from io import BytesIO

from django.test import Client
from openpyxl import load_workbook

from jifen.points import services
from jifen.points.models import Adjustment, AdjustmentStatus, RuleVersion
from tests.conftest import PASSWORD


def login(person) -> Client:
    client = Client()
    assert client.login(phone=person.phone, password=PASSWORD)
    return client


def test_a_resident_sees_balance_and_what_each_entry_was_for(world, ledger):
    version = services.save_rule_item(
        actor=None,
        region=world.wenchang,
        code="clean",
        name="楼道清扫",
        category="环境卫生",
        unit="hour",
        points=10,
    )
    services.award_points(
        person=world.resident,
        amount=20,
        key="a1",
        actor=None,
        rule_version=version,
        memo="江滨花园楼道清扫 2 小时",
    )
    ledger.redeem(world.resident, 5)
    page = login(world.resident).get("/points/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "楼道清扫" in text and "江滨花园楼道清扫 2 小时" in text
    assert ">15<" in text.replace(" ", "")
    assert "+20" in text and "-5" in text


def test_an_empty_history_explains_how_to_earn(world):
    text = login(world.resident).get("/points/").content.decode()
    assert "积分" in text
    assert 'ul class="entries"' in text


def test_staff_add_a_rule_item_and_see_its_history(world):
    client = login(world.staff)
    response = client.post(
        "/console/rules/?community=350524100001",
        {
            "community": "350524100001",
            "code": "patrol",
            "name": "平安巡逻",
            "category": "平安巡逻",
            "unit": "hour",
            "points": "10",
        },
    )
    assert response.status_code == 302
    client.post(
        "/console/rules/",
        {
            "community": "350524100001",
            "code": "patrol",
            "name": "平安巡逻",
            "category": "平安巡逻",
            "unit": "hour",
            "points": "20",
            "note": "夜间巡逻难度大",
        },
    )
    assert list(RuleVersion.objects.values_list("points", flat=True).order_by("version")) == [
        10,
        20,
    ]
    text = client.get("/console/rules/?community=350524100001").content.decode()
    assert "夜间巡逻难度大" in text and "平安巡逻" in text


def test_a_meeting_item_is_refused_on_the_page(world):
    response = login(world.staff).post(
        "/console/rules/",
        {
            "community": "350524100001",
            "code": "meet",
            "name": "参加会议",
            "category": "会议",
            "unit": "time",
            "points": "5",
        },
    )
    assert response.status_code == 200
    assert not RuleVersion.objects.exists()


def test_residents_cannot_change_rules(world):
    response = login(world.resident).get("/console/rules/")
    assert response.status_code == 403


def test_statement_page_and_excel_export(world, ledger):
    ledger.award(world.resident, 30)
    ledger.redeem(world.resident, 10)
    client = login(world.staff)
    page = client.get(f"/console/people/{world.resident.pk}/statement/")
    assert page.status_code == 200
    export = client.get(f"/console/people/{world.resident.pk}/statement/?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(export.content)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert any(
        world.resident.name in (cell or "")
        for row in values
        for cell in row
        if isinstance(cell, str)
    )
    points = [row[4] for row in values if isinstance(row[4], int)]
    assert points == [30, -10]


def test_staff_of_another_community_cannot_open_the_statement(world, ledger):
    ledger.award(world.resident, 30)
    assert (
        login(world.other_staff).get(f"/console/people/{world.resident.pk}/statement/").status_code
        == 404
    )


def test_an_adjustment_asked_on_the_page_is_approved_by_another_staff_member(world):
    login(world.staff).post(
        f"/console/people/{world.resident.pk}/adjustments/",
        {"amount": "12", "reason": "纸质台账补录"},
    )
    adjustment = Adjustment.objects.get()
    assert adjustment.status == AdjustmentStatus.PENDING
    login(world.staff).post(f"/console/adjustments/{adjustment.pk}/", {"decision": "approve"})
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.PENDING  # the asker cannot approve
    login(world.town_admin).post(f"/console/adjustments/{adjustment.pk}/", {"decision": "approve"})
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.POSTED
    totals = login(world.staff).get("/console/points/?community=350524100001")
    assert totals.status_code == 200
    assert ">12<" in totals.content.decode().replace(" ", "")
