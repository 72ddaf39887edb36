"""Demo work for every to-do line the printed logins have, through the real services:
an appeal for 黄审核 to decide (a claim 郑复核 rejected), paper history 陈文昌 imported and
the review group has to approve, and an objection to the month before last that 陈文昌
answered for 蔡雅琴 (her objection to last month still waits for him). The other lines —
claims to review, filings, objections, pickups, an order ready and an activity tomorrow
for 蔡雅琴 — come with the claims, activities, shop and 公示 of the demo.

Each piece is made once: seeding again finds it and adds nothing.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from jifen.claims import services as claims
from jifen.claims.models import Appeal, Claim
from jifen.claims.services import points_for
from jifen.imports import services as imports
from jifen.imports.models import Batch, Kind
from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes
from jifen.people.models import Person
from jifen.points.models import RuleItem
from jifen.points.services import price
from jifen.publicity import services as publicity
from jifen.publicity.models import Announcement, Objection, Status
from jifen.regions.models import Region

WENCHANG = "350524100001"

# Pages of the 2023 paper ledger (纸质台账), typed in: volunteer index, date, item, hours/times.
PAPER = [
    (3, date(2023, 3, 12), "JC01", Decimal(2)),
    (3, date(2023, 4, 9), "BF01", Decimal("1.5")),
    (5, date(2023, 5, 21), "JC01", Decimal(3)),
    (6, date(2023, 6, 18), "TJ01", Decimal(1)),
    (9, date(2023, 9, 3), "BF01", Decimal(2)),
]


def _appeal(volunteers: list[Person]) -> None:
    """A claim 郑复核 rejected and its claimant contests: 黄审核 (who did not review it)
    decides the appeal."""
    wenchang = Region.objects.get(code=WENCHANG)
    if Appeal.objects.filter(claim__community=wenchang).exists():
        return
    second = Person.objects.get(phone="13800000004")
    claimant = volunteers[13]
    item = RuleItem.objects.get(region__code="350524", code="BF01")
    claim = claims.declare_service(
        actor=claimant,
        rule_item_id=item.pk,
        quantity=2,
        occurred_on=timezone.localdate() - timedelta(days=4),
        description="陪同5栋独居的林奶奶到县医院复诊，来回两小时",
    )
    claims.reject_claim(
        claim=claim, reviewer=second, reason="描述中没有写明陪同的是哪位老人，无法核实"
    )
    claims.appeal_claim(
        claim=Claim.objects.get(pk=claim.pk),
        actor=claimant,
        reason="陪同的是5栋502的林奶奶，社区网格员也知道，请再核实一下。",
    )


def _paper_history(volunteers: list[Person]) -> None:
    """Paper records of 2023 brought in by 陈文昌; they wait for the review group."""
    wenchang = Region.objects.get(code=WENCHANG)
    if Batch.objects.filter(community=wenchang, kind=Kind.HISTORY).exists():
        return
    items = {item.code: item for item in RuleItem.objects.filter(region__code="350524")}
    book = new_workbook()
    sheet = first_sheet(book)
    append_row(
        sheet,
        (imports.PHONE, imports.DATE, imports.ITEM, imports.QUANTITY, imports.POINTS, imports.NOTE),
    )
    for n, (index, on, code, quantity) in enumerate(PAPER, start=1):
        version = price(items[code], on)
        append_row(
            sheet,
            (
                volunteers[index].phone,
                on.isoformat(),
                code,
                int(quantity) if quantity == int(quantity) else float(quantity),
                points_for(version, quantity),
                f"2023年纸质台账第{n}页",
            ),
        )
    report = imports.import_history(
        actor=Person.objects.get(phone="13800000002"),
        community=wenchang,
        data=workbook_bytes(book),
        file_name="2023年纸质台账.xlsx",
        dry_run=False,
    )
    assert not report.errors, report.errors  # noqa: S101 - the demo's own rows


def _answered_objection() -> None:
    """蔡雅琴 objected to the month before last too, and 陈文昌 answered."""
    wenchang = Region.objects.get(code=WENCHANG)
    volunteer = Person.objects.get(phone="13900000001")
    earliest = (
        Announcement.objects.filter(community=wenchang, status=Status.PUBLISHED)
        .order_by("month")
        .first()
    )
    if (
        earliest is None
        or Objection.objects.filter(announcement=earliest, person=volunteer).exists()
    ):
        return
    if earliest.objections_until is None or earliest.objections_until < timezone.now():
        return  # its window closed: nothing to object to any more
    objection = publicity.object_to(
        actor=volunteer,
        announcement=earliest,
        text="公示上我的名字写成了“蔡雅芹”，请更正。",
    )
    publicity.answer(
        actor=Person.objects.get(phone="13800000002"),
        objection=objection,
        text="已核实：系统中的姓名是“蔡雅琴”，公示按系统打印，纸质公示栏的手写名单已改正。",
    )


def seed_demo_todo(volunteers: dict[str, list[Person]]) -> None:
    wenchang = volunteers[WENCHANG]
    _appeal(wenchang)
    _paper_history(wenchang)
    _answered_objection()
