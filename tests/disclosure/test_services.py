"""Publishing, correcting, the 月报's totals and who may write."""

from datetime import date

import pytest

from jifen.audit.models import AuditEvent
from jifen.disclosure import services
from jifen.disclosure.models import Attachment, Disclosure, Kind
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from tests.disclosure.conftest import LEASE_TABLE, PDF, png, sections, upload

pytestmark = pytest.mark.django_db


def test_staff_publish_an_item_with_its_table_in_fen_and_an_audit_row(world, media):
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="leases",
        title="土地租赁公告",
        body="东山片120亩公开招租",
        table=LEASE_TABLE,
        attachments=[upload("公告.pdf", PDF), upload("现场.png", png())],
    )
    item.refresh_from_db()
    assert item.is_current and item.version == 1 and item.series_id == item.pk
    assert item.thread_id == item.pk
    assert item.table["rows"][1][2] == 2_412_050
    assert item.table["columns"][2]["money"] is True
    kinds = sorted(a.content_type for a in item.attachments.all())
    assert kinds == ["application/pdf", "image/png"]
    audit = AuditEvent.objects.get(action="disclosure.publish")
    assert audit.actor == world.staff and audit.after["title"] == "土地租赁公告"


@pytest.mark.parametrize("who", ["resident", "reviewer", "other_staff", "inspector"])
def test_others_may_not_publish_and_nothing_is_written(world, village, who):
    actor = village.inspector if who == "inspector" else getattr(world, who)
    with pytest.raises(PermissionDenied):
        services.publish(actor=actor, region=world.wenchang, category="finance", title="x")
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="disclosure").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": "gossip"}, "category"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "a\u202eb"}, "title"),
        ({"period": "2026-13"}, "period"),
        ({"period": "1999"}, "period"),
        ({"table": {"columns": ["a"], "rows": [["1", "2"]]}}, "table"),
        ({"table": {"columns": [{"name": "钱", "money": True}], "rows": [[1.5]]}}, "table"),
        ({"table": {"columns": [{"name": "钱", "money": True}], "rows": [[10**15]]}}, "table"),
        ({"table": {"columns": [{"name": "钱", "money": True}], "rows": [[True]]}}, "table"),
        ({"table": "nope"}, "table"),
        ({"table": {"columns": [f"c{i}" for i in range(21)], "rows": []}}, "table"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(world, media, fields, field):
    values = {"category": "finance", "title": "财务公开", **fields}
    with pytest.raises(InvalidInput) as refused:
        services.publish(actor=world.staff, region=world.wenchang, **values)
    assert refused.value.field == field
    assert not Disclosure.objects.exists()


def test_a_bad_attachment_writes_nothing(world, media):
    for data in (b"<html>not a pdf</html>", b"%PDF-1.4 no end", b"\x89PNG\r\n\x1a\nbroken"):
        with pytest.raises(InvalidInput) as refused:
            services.publish(
                actor=world.staff,
                region=world.wenchang,
                category="other",
                title="附件",
                attachments=[upload("a.pdf", data)],
            )
        assert refused.value.code == "invalid_attachment"
    assert not Disclosure.objects.exists() and not Attachment.objects.exists()


def test_a_building_is_not_a_region_that_publishes(world):
    with pytest.raises(InvalidInput):
        services.publish(actor=world.staff, region=world.compound, category="other", title="x")


def test_a_correction_is_a_new_version_and_the_old_one_stays(world, notice):
    new = services.correct(
        actor=world.staff, item=notice, note="面积有误", body="东山片100亩公开招租。"
    )
    notice.refresh_from_db()
    assert not notice.is_current and notice.superseded_by == new
    assert notice.body == "公开招租。"  # never edited
    assert new.version == 2 and new.series_id == notice.pk and new.thread_id == notice.thread_id
    assert new.title == notice.title and new.table == notice.table
    assert new.correction_note == "面积有误"
    assert AuditEvent.objects.filter(
        action="disclosure.correct", after__replaces=notice.pk
    ).exists()
    with pytest.raises(Conflict) as refused:
        services.correct(actor=world.staff, item=notice, note="again")
    assert refused.value.code == "superseded"
    assert Disclosure.objects.count() == 2


def test_a_correction_carries_attachments_unless_dropped(world, media):
    item = services.publish(
        actor=world.staff,
        region=world.wenchang,
        category="projects",
        title="道路硬化",
        attachments=[upload("a.pdf", PDF), upload("b.png", png())],
    )
    keep, drop = item.attachments.all()
    new = services.correct(actor=world.staff, item=item, note="换图", drop_attachments=[drop.pk])
    assert [a.file.name for a in new.attachments.all()] == [keep.file.name]
    assert item.attachments.count() == 2


def test_an_inspector_may_not_correct(world, village, notice):
    with pytest.raises(PermissionDenied):
        services.correct(actor=village.inspector, item=notice, note="x")
    assert Disclosure.objects.count() == 1


def test_items_follow_each_other_in_one_thread(world, notice):
    bid = services.publish(
        actor=world.staff, region=world.wenchang, category="leases", title="竞标", follows=notice
    )
    corrected = services.correct(actor=world.staff, item=notice, note="更正")
    contract = services.publish(
        actor=world.staff, region=world.wenchang, category="contracts", title="合同", follows=bid
    )
    assert {bid.thread_id, contract.thread_id, corrected.thread_id} == {notice.pk}
    assert contract.follows_id == bid.pk


def test_one_may_not_link_to_another_villages_item(world, notice):
    with pytest.raises(InvalidInput):
        services.publish(
            actor=world.other_staff,
            region=world.wanmei,
            category="leases",
            title="x",
            follows=notice,
        )


def test_the_monthly_report_checks_its_totals_and_fulfils_the_month(world):
    item = services.publish_monthly_report(
        actor=world.staff, region=world.wenchang, month="2026-10", sections=sections(), matters="无"
    )
    assert item.kind == Kind.MONTHLY_REPORT and item.category == "finance"
    assert item.period == "2026-10"
    assert item.report["sections"]["income"]["total"] == 1_200_050
    with pytest.raises(Conflict):
        services.publish_monthly_report(
            actor=world.staff, region=world.wenchang, month="2026-10", sections=sections()
        )


def test_a_total_that_is_not_its_lines_sum_is_refused(world):
    bad = sections(expenses={"lines": [{"label": "工资", "amount": 100}], "total": 101})
    with pytest.raises(InvalidInput) as refused:
        services.publish_monthly_report(
            actor=world.staff, region=world.wenchang, month="2026-10", sections=bad
        )
    assert refused.value.code == "total_mismatch" and refused.value.field == "expenses"
    assert "1.01" in refused.value.render() and "1.00" in refused.value.render()
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"income": {"lines": [{"label": "x", "amount": "100"}], "total": 100}},
        {"income": {"lines": [{"label": "", "amount": 1}], "total": 1}},
        {"income": "nope"},
        {"salaries": {"lines": [], "total": 0}},
    ],
)
def test_a_bad_report_is_refused(world, bad):
    with pytest.raises(InvalidInput):
        services.publish_monthly_report(
            actor=world.staff, region=world.wenchang, month="2026-10", sections=sections(**bad)
        )
    assert not Disclosure.objects.exists()


def test_a_report_of_a_future_month_is_refused(world):
    with pytest.raises(InvalidInput):
        services.publish_monthly_report(
            actor=world.staff, region=world.wenchang, month="2099-01", sections=sections()
        )


def test_a_monthly_report_is_corrected_with_new_sections(world):
    item = services.publish_monthly_report(
        actor=world.staff, region=world.wenchang, month="2026-10", sections=sections()
    )
    fixed = sections(assets={"lines": [{"label": "办公楼", "amount": 500}], "total": 500})
    new = services.correct(actor=world.staff, item=item, note="补资产", sections=fixed, matters="")
    assert new.report["sections"]["assets"]["total"] == 500
    assert new.report["month"] == "2026-10" and new.period == "2026-10"


def test_views_are_counted_on_the_series(world, notice):
    services.count_view(notice)
    new = services.correct(actor=world.staff, item=notice, note="x")
    services.count_view(new)
    notice.refresh_from_db()
    assert notice.views == 2


def test_schedules_are_saved_once_per_category_and_audited(world, village):
    services.save_schedule(
        actor=world.staff, region=world.wenchang, category="finance", frequency="monthly"
    )
    row = services.save_schedule(
        actor=world.staff,
        region=world.wenchang,
        category="finance",
        frequency="quarterly",
        due_day=15,
        starts_on=date(2026, 1, 1),
    )
    assert row.frequency == "quarterly" and row.due_day == 15
    assert AuditEvent.objects.filter(action="disclosure.schedule.save").count() == 2
    for bad in ({"frequency": "weekly"}, {"due_day": 31}, {"due_day": True}, {"category": "x"}):
        with pytest.raises(InvalidInput):
            services.save_schedule(
                actor=world.staff,
                region=world.wenchang,
                **{"category": "assets", "frequency": "yearly", **bad},
            )
    with pytest.raises(PermissionDenied):
        services.save_schedule(
            actor=village.inspector, region=world.wenchang, category="assets", frequency="yearly"
        )
