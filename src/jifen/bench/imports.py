"""``import_10k_rows_s``: a 10,000-row history file comes in, in under a minute.

One community of 2,000 volunteers (made in bulk, without accounts, as a roster import
leaves them) and two point items, one of which changed its points in 2024, so rows are
priced by the version in force on their dates. The file: 10,000 rows over 2021–2025,
written with openpyxl as staff would fill the template. A fresh process times, from the
file's bytes: the dry run, the import (every row checked, 10,000 entries written in one
transaction) and the reviewer's approval that posts 10,000 ``imported`` transfers.
``import_10k_rows_<backend>_s`` is the import and the approval (what staff wait for
after the dry run), on SQLite and on PostgreSQL; ``import_10k_rows_s`` the larger of
them. Then, untimed, ``jifen verify``'s checks run over the community.

``--quick``: 2,000 rows.
"""

import time
from pathlib import Path
from typing import Any

from jifen.bench import child
from jifen.bench.runner import Context, Result

ROWS = 10_000
VOLUNTEERS = 2_000


def make_file(rows: int, phones: list[str], path: str) -> None:
    """The history file: rows spread over people, dates and two items."""
    import random
    from datetime import date, timedelta
    from pathlib import Path

    from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes

    rng = random.Random(10_000)  # noqa: S311 - synthetic data
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = "导入"
    append_row(sheet, ["手机号", "服务日期", "积分项目", "数量", "积分", "备注"])
    start = date(2021, 1, 1)
    for n in range(rows):
        day = start + timedelta(days=rng.randrange(5 * 365 - 30))
        if n % 3:
            hours = rng.choice((1, 1.5, 2, 3))
            per = 10 if day < date(2024, 1, 1) else 15
            append_row(
                sheet,
                [phones[n % len(phones)], day.isoformat(), "HJ01", hours, int(hours * per), "台账"],
            )
        else:
            times = rng.choice((1, 2))
            phone = phones[n % len(phones)]
            append_row(sheet, [phone, day.isoformat(), "XC02", times, times * 5, ""])
    Path(path).write_bytes(workbook_bytes(book))


def prepare(rows: int, volunteers: int, path: str) -> dict[str, Any]:
    """(In a child.) The community, its people and items, the staff and reviewer, the file."""
    from datetime import date

    from django.contrib.auth.hashers import make_password

    from jifen.people import services as people
    from jifen.people.models import Person, Role
    from jifen.points.services import save_rule_item
    from jifen.regions.services import add_region

    add_region(actor=None, code="BI", name="导入县", level="county")
    add_region(actor=None, code="BI01", name="导入镇", level="town", parent_code="BI")
    community = add_region(
        actor=None, code="BI0101", name="导入社区", level="community", parent_code="BI01"
    )
    for code, name, unit, points, since in (
        ("HJ01", "环境整治", "hour", 10, date(2020, 1, 1)),
        ("HJ01", "环境整治", "hour", 15, date(2024, 1, 1)),
        ("XC02", "政策宣传", "time", 5, date(2020, 1, 1)),
    ):
        save_rule_item(
            actor=None,
            region=community,
            code=code,
            name=name,
            category="志愿服务",
            unit=unit,
            points=points,
            effective_from=since,
        )
    unusable = make_password(None)
    phones = [f"166{n:08d}" for n in range(volunteers)]
    Person.objects.bulk_create(
        (
            Person(
                name=f"志愿者{n}",
                phone=phone,
                community=community,
                volunteer_no=f"B{n:09d}",
                password=unusable,
            )
            for n, phone in enumerate(phones)
        ),
        batch_size=1000,
    )
    staff = people.create_person_from_cli(
        name="社工",
        phone="16599990001",
        password="bench-staff-001",  # noqa: S106 - a scratch database
        community=community,
    )
    people.grant_role(actor=None, person=staff, role=Role.STAFF, region=community)
    reviewer = people.create_person_from_cli(
        name="审核员",
        phone="16599990002",
        password="bench-review-01",  # noqa: S106 - a scratch database
        community=community,
    )
    people.grant_role(actor=None, person=reviewer, role=Role.REVIEWER, region=community)
    make_file(rows, phones, path)
    return {"staff": staff.pk, "reviewer": reviewer.pk, "community": community.pk}


def timed_import(path: str, staff: int, reviewer: int, community: int) -> dict[str, Any]:
    """(In a fresh child.) Dry run, import and approval of the file, timed; then verify."""
    from jifen.imports import services
    from jifen.people.models import Person
    from jifen.points.models import Transfer, TransferKind
    from jifen.points.verify import check_ledger
    from jifen.regions.models import Region

    data = Path(path).read_bytes()
    region = Region.objects.get(pk=community)
    staff_person = Person.objects.get(pk=staff)
    reviewer_person = Person.objects.get(pk=reviewer)
    t0 = time.perf_counter()
    dry = services.import_history(actor=staff_person, community=region, data=data)
    t1 = time.perf_counter()
    report = services.import_history(actor=staff_person, community=region, data=data, dry_run=False)
    t2 = time.perf_counter()
    assert report.batch is not None, report.errors[:3]  # noqa: S101
    services.approve_batch(actor=reviewer_person, batch=report.batch)
    if report.batch.approvals_needed > 1:  # pragma: no cover - every row is below 50
        raise RuntimeError("the bench file needs a second reviewer")
    t3 = time.perf_counter()
    posted = Transfer.objects.filter(region=region, kind=TransferKind.IMPORTED).count()
    violations = list(check_ledger(region))
    return {
        "dry_run_s": t1 - t0,
        "import_s": t2 - t1,
        "approve_s": t3 - t2,
        "rows": report.rows,
        "errors": len(dry.errors) + len(report.errors),
        "posted": posted,
        "violations": violations[:3],
    }


def _run(ctx: Context, url: str, backend: str, rows: int, folder: Path) -> Result:
    path = str(folder / f"import-{backend}.xlsx")
    try:
        who = child.run(
            url,
            "jifen.bench.imports:prepare",
            timeout=1800,
            rows=rows,
            volunteers=VOLUNTEERS,
            path=path,
        )
        got = child.run(url, "jifen.bench.imports:timed_import", timeout=1800, path=path, **who)
    finally:
        Path(path).unlink(missing_ok=True)
    seconds = got["import_s"] + got["approve_s"]
    verified = "verify clean" if not got["violations"] else f"VERIFY FAILED: {got['violations'][0]}"
    ctx.say(
        f"  {backend}: dry run {got['dry_run_s']:.1f} s, import {got['import_s']:.1f} s, "
        f"approval (posting) {got['approve_s']:.1f} s; {got['posted']:,} transfers; {verified}"
    )
    return Result(
        f"import_10k_rows_{backend}_s",
        seconds,
        "s",
        note=(
            f"{got['rows']:,} rows, {VOLUNTEERS:,} volunteers: import {got['import_s']:.1f} s + "
            f"approval {got['approve_s']:.1f} s (dry run {got['dry_run_s']:.1f} s); "
            f"{got['posted']:,} transfers, {got['errors']} row errors; {verified}"
        ),
    )


def run(ctx: Context) -> list[Result]:
    rows = ROWS // 5 if ctx.config.quick else ROWS
    folder = ctx.sqlite.directory
    results = [_run(ctx, ctx.sqlite_database("imports"), "sqlite", rows, folder)]
    if ctx.pg is not None:
        results.append(_run(ctx, ctx.pg_database("imports"), "pg", rows, folder))
    worst = max(results, key=lambda r: r.value or 0.0)
    size = f"{rows:,} rows" + (" (quick)" if ctx.config.quick else "")
    backends = ", ".join(f"{r.name.split('_')[3]} {r.value:.1f} s" for r in results)
    results.insert(
        0, Result("import_10k_rows_s", worst.value, "s", note=f"{size}, the slower of {backends}")
    )
    return results
