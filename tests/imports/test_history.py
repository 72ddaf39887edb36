"""Paper history: the dry run, errors at their row and column, all or nothing, the same
file twice, points as the item's version in force on the date gave them, approval."""

from datetime import date, timedelta

import pytest
from django.utils import timezone, translation

from jifen.imports import services
from jifen.imports.models import Batch, BatchStatus, Entry
from jifen.lib.errors import Conflict, PermissionDenied
from jifen.people import authz
from jifen.people.models import Role, RoleGrant
from jifen.points.models import CommunityPolicy, ImportApproval, Transfer, TransferKind
from jifen.points.selectors import balance_of
from jifen.points.services import price, save_rule_item
from jifen.points.verify import check_ledger
from tests.conftest import World, make_person
from tests.imports.helpers import HISTORY, rule, xlsx


def history(world: World, rows: list[list[object]]) -> bytes:
    return xlsx(HISTORY, rows)


def good_rows(world: World) -> list[list[object]]:
    phone = world.resident.phone
    return [
        [phone, "2023-05-01", "XF01", 2, 20, "纸质台账"],
        [phone, date(2023, 6, 1), "XF01", 1.5, 15, ""],
    ]


def run(world: World, data: bytes, dry_run: bool = True, actor=None) -> services.Report:
    return services.import_history(
        actor=actor or world.staff, community=world.wenchang, data=data, dry_run=dry_run
    )


def test_a_dry_run_says_what_it_would_create_and_writes_nothing(world: World) -> None:
    rule(world.wenchang)
    report = run(world, history(world, good_rows(world)))
    assert (report.rows, report.created, report.to_create, report.errors) == (2, 0, 2, [])
    assert [line.action for line in report.lines] == ["create", "create"]
    assert report.points == 35
    assert not Batch.objects.exists() and not Entry.objects.exists()


def test_every_error_names_its_spreadsheet_row_and_column(world: World) -> None:
    rule(world.wenchang)
    rows = good_rows(world) + [
        [world.resident.phone, "2023/05/01", "XF01", 1, 10, ""],  # row 4: date
        ["13999999999", "2023-05-01", "XF01", 1, 10, ""],  # row 5: nobody
        [world.resident.phone, "2023-05-01", "NOPE", 1, 10, ""],  # row 6: item
        [world.resident.phone, "2023-05-01", "XF01", 1.2, 12, ""],  # row 7: half hours
        [world.resident.phone, "2023-05-01", "XF01", 1, 11, ""],  # row 8: points
        [world.stranger.phone, "2023-05-01", "XF01", 1, 10, ""],  # row 9: other community
    ]
    report = run(world, history(world, rows), dry_run=False)
    found = [(e.row, e.column) for e in report.errors]
    assert found == [
        (4, "服务日期"),
        (5, "手机号"),
        (6, "积分项目"),
        (7, "数量"),
        (8, "积分"),
        (9, "手机号"),
    ]
    assert report.errors[4].letter == "E"
    assert "10" in report.errors[4].message and "11" in report.errors[4].message
    # Not a dry run, but a row has an error: nothing at all is written.
    assert report.created == 0
    assert not Batch.objects.exists() and not Entry.objects.exists()


def test_headers_are_matched_by_name_in_any_order(world: World) -> None:
    rule(world.wenchang)
    headers = ("备注", "积分", "数量", "积分项目", "服务日期", "志愿者编号")
    data = xlsx(headers, [["", 10, 1, "XF01", "2023-01-05", world.resident.volunteer_no]])
    report = run(world, data)
    assert report.errors == [] and report.to_create == 1


def test_points_are_those_of_the_version_in_force_on_the_service_date(world: World) -> None:
    item = rule(world.wenchang, points=10)
    save_rule_item(
        actor=None,
        region=world.wenchang,
        code="XF01",
        name="环境整治",
        category="环境保护",
        unit="hour",
        points=20,
        effective_from=date(2024, 1, 1),
    )
    assert price(item, date(2023, 12, 31)).points == 10
    assert price(item, date(2024, 1, 1)).points == 20
    phone = world.resident.phone
    ok = run(
        world,
        history(
            world,
            [[phone, "2023-12-31", "XF01", 1, 10, ""], [phone, "2024-01-01", "XF01", 1, 20, ""]],
        ),
    )
    assert ok.errors == []
    wrong = run(world, history(world, [[phone, "2024-01-01", "XF01", 1, 10, ""]]))
    assert [(e.row, e.column) for e in wrong.errors] == [(2, "积分")]
    # Before the first version: the first version prices it (as claims are priced).
    early = run(world, history(world, [[phone, "2019-03-01", "XF01", 2, 20, ""]]))
    assert early.errors == []


def test_a_wrong_row_before_the_first_version_is_told_which_terms_price_it(
    world: World,
) -> None:
    rule(world.wenchang, points=10)  # from 2020-01-01
    phone = world.resident.phone
    with translation.override("en"):
        wrong = run(world, history(world, [[phone, "2019-03-01", "XF01", 2, 30, ""]]))
        in_force = run(world, history(world, [[phone, "2021-03-01", "XF01", 2, 30, ""]]))
    [error] = wrong.errors
    # Nothing was "in force" on 2019-03-01: the first version prices it, and says so.
    assert "2019-03-01 is worth" not in error.message
    assert error.message == (
        "环境整治 had no terms yet on 2019-03-01, so its first version (from 2020-01-01) "
        "prices it: 10 points per hour; 2 gives 20 points, the file says 30."
    )
    [error] = in_force.errors
    assert error.message.startswith("环境整治 on 2021-03-01 is worth 10 points")


def test_a_future_date_is_refused(world: World) -> None:
    rule(world.wenchang)
    tomorrow = timezone.localdate() + timedelta(days=1)
    report = run(world, history(world, [[world.resident.phone, tomorrow, "XF01", 1, 10, ""]]))
    assert [(e.row, e.column) for e in report.errors] == [(2, "服务日期")]


def test_the_same_file_twice_creates_nothing_the_second_time(world: World) -> None:
    rule(world.wenchang)
    rows = good_rows(world) + [good_rows(world)[0]]  # the same service twice on paper
    data = history(world, rows)
    first = run(world, data, dry_run=False)
    assert first.created == 3 and first.batch is not None
    again = run(world, data, dry_run=False)
    assert (again.created, again.skipped, again.errors) == (0, 3, [])
    assert Entry.objects.count() == 3 and Batch.objects.count() == 1
    # A file with one more row brings in only that row.
    more = run(
        world,
        history(world, [*rows, [world.resident.phone, "2023-07-01", "XF01", 1, 10, ""]]),
        dry_run=False,
    )
    assert (more.created, more.skipped) == (1, 3)


def approve_all(world: World, batch: Batch, *reviewers) -> Batch:
    for reviewer in reviewers:
        batch = services.approve_batch(actor=reviewer, batch=batch)
    return batch


def test_approved_history_enters_the_ledger_as_imported_transfers_with_service_dates(
    world: World,
) -> None:
    rule(world.wenchang)
    report = run(world, history(world, good_rows(world)), dry_run=False)
    batch = report.batch
    assert batch is not None and batch.status == BatchStatus.PENDING
    assert batch.approvals_needed == 1  # every row below the cross-check threshold
    assert not Transfer.objects.filter(kind=TransferKind.IMPORTED).exists()
    batch = approve_all(world, batch, world.reviewer)
    assert batch.status == BatchStatus.POSTED
    transfers = Transfer.objects.filter(kind=TransferKind.IMPORTED).order_by("service_date")
    assert [(t.amount, t.service_date) for t in transfers] == [
        (20, date(2023, 5, 1)),
        (15, date(2023, 6, 1)),
    ]
    assert all(t.rule_version is not None for t in transfers)
    assert balance_of(world.resident).balance == 35
    assert balance_of(world.resident).earned == 35
    assert list(check_ledger()) == []
    assert Entry.objects.filter(transfer__isnull=True).count() == 0


def test_the_importer_cannot_approve_and_a_large_row_needs_two_reviewers(world: World) -> None:
    rule(world.wenchang)
    report = run(
        world,
        history(world, [[world.resident.phone, "2023-05-01", "XF01", 6, 60, ""]]),
        dry_run=False,
    )
    batch = report.batch
    assert batch is not None and batch.approvals_needed == 2
    # Staff may not approve at all; staff who also sit in the review group may not approve
    # what they imported themselves.
    with pytest.raises(PermissionDenied):
        services.approve_batch(actor=world.staff, batch=batch)
    RoleGrant.objects.create(person=world.staff, role=Role.REVIEWER, region=world.wenchang)
    authz.forget_grants(world.staff)
    with pytest.raises(Conflict) as own:
        services.approve_batch(actor=world.staff, batch=batch)
    assert own.value.code == "self_review"
    second = make_person(world.wenchang, "郑复核")
    RoleGrant.objects.create(person=second, role=Role.REVIEWER, region=world.wenchang)
    batch = services.approve_batch(actor=world.reviewer, batch=batch)
    assert batch.status == BatchStatus.PENDING
    with pytest.raises(Conflict) as twice:
        services.approve_batch(actor=world.reviewer, batch=batch)
    assert twice.value.code == "already_reviewed"
    batch = services.approve_batch(actor=second, batch=batch)
    assert batch.status == BatchStatus.POSTED
    assert balance_of(world.resident).balance == 60


def test_in_the_admins_mode_an_administrator_other_than_the_importer_posts(world: World) -> None:
    rule(world.wenchang)
    CommunityPolicy.objects.create(region=world.wenchang, import_approval=ImportApproval.ADMINS)
    batch = run(
        world, history(world, good_rows(world)), dry_run=False, actor=world.town_admin
    ).batch
    assert batch is not None and batch.approval == ImportApproval.ADMINS
    with pytest.raises(PermissionDenied):
        services.approve_batch(actor=world.reviewer, batch=batch)
    with pytest.raises(Conflict) as own:
        services.approve_batch(actor=world.town_admin, batch=batch)
    assert own.value.code == "self_review"
    batch = services.approve_batch(actor=world.county_admin, batch=batch)
    assert batch.status == BatchStatus.POSTED
    assert balance_of(world.resident).balance == 35


def test_a_rejected_import_posts_nothing_and_the_corrected_file_can_come_in(world: World) -> None:
    rule(world.wenchang)
    data = history(world, good_rows(world))
    batch = run(world, data, dry_run=False).batch
    assert batch is not None
    services.reject_batch(actor=world.reviewer, batch=batch, reason="第二行日期不对")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REJECTED
    with pytest.raises(Conflict):
        services.approve_batch(actor=world.reviewer, batch=batch)
    assert not Transfer.objects.filter(kind=TransferKind.IMPORTED).exists()
    again = run(world, data, dry_run=False)
    assert again.created == 2


def test_only_staff_of_the_community_import(world: World) -> None:
    rule(world.wenchang)
    data = history(world, good_rows(world))
    for outsider in (world.other_staff, world.reviewer, world.resident, world.merchant):
        with pytest.raises(PermissionDenied):
            run(world, data, actor=outsider)
    with pytest.raises(PermissionDenied):
        services.import_history(actor=world.staff, community=world.jinyue, data=data, dry_run=True)
    # A town administrator may.
    assert run(world, data, actor=world.town_admin).to_create == 2


def test_a_reviewer_of_another_community_cannot_approve(world: World) -> None:
    rule(world.wenchang)
    batch = run(world, history(world, good_rows(world)), dry_run=False).batch
    assert batch is not None
    other = make_person(world.wanmei, "何审核")
    RoleGrant.objects.create(person=other, role=Role.REVIEWER, region=world.wanmei)
    with pytest.raises(PermissionDenied):
        services.approve_batch(actor=other, batch=batch)
