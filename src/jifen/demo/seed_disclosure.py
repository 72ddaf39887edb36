"""Demo 村务公开, through the real services: 湾美社区 publishes a land lease as one thread
(the notice, two bids, the contract, two rent receipts), last month's 村级月报, a welfare
list, an asset inventory and a decision; its calendar asks for finance monthly and assets
yearly, and the month before last has no report, so one obligation shows overdue.
文昌社区 has a project notice with a correction (the old version stays, superseded).

Made once: seeding again finds 湾美's items and adds nothing.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import TypeVar
from unittest import mock

from django.utils import timezone

from jifen.disclosure import services
from jifen.disclosure.models import Disclosure
from jifen.lib.months import previous_month
from jifen.people.models import Person
from jifen.regions.models import Region

WANMEI, WENCHANG = "350524106001", "350524100001"
STAFF_WANMEI, STAFF_WENCHANG = "13800000007", "13800000002"

PLOTS = {
    "columns": [
        {"name": "地块", "money": False},
        {"name": "面积（亩）", "money": False},
        {"name": "底价（元/年）", "money": True},
    ],
    "rows": [["东山片", "120", 3_600_000], ["溪边片", "80", 2_412_050]],
}


T = TypeVar("T")


@contextmanager
def _days_ago(days: int) -> Iterator[None]:
    """Run a publication as if ``days`` ago, to spread the demo over the past weeks.

    The clock is set back while the service runs, so the seal covers the time the page
    shows and the checkpoint's entry names the month of publication. Changing
    ``published_at`` after publishing would break the seal: ``jifen verify --against``
    and anyone rehashing ``/public/disclosures/{id}/sealed`` would see every demo item as
    rewritten behind Jifen's back."""
    when = timezone.now() - timedelta(days=days)
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def _published(days: int, publish: Callable[..., T], **fields: object) -> T:
    with _days_ago(days):
        return publish(**fields)


def seed_demo_disclosures() -> None:
    wanmei = Region.objects.get(code=WANMEI)
    if Disclosure.objects.filter(region=wanmei).exists():
        return
    wenchang = Region.objects.get(code=WENCHANG)
    staff = Person.objects.get(phone=STAFF_WANMEI)
    staff_wc = Person.objects.get(phone=STAFF_WENCHANG)
    today = timezone.localdate()
    last = previous_month(today.replace(day=1))
    before = previous_month(last)

    def publish(days: int, **fields: object) -> Disclosure:
        return _published(days, services.publish, actor=staff, region=wanmei, **fields)

    # The land lease, one thread from the notice to the receipts (莲坂村's 1,000 亩).
    notice = publish(
        40,
        category="leases",
        title="东山片、溪边片土地公开招租公告",
        body="经村民代表会议表决通过，东山片、溪边片共200亩集体土地公开招租，租期10年。"
        "报名截止后公开竞价，价高者得。",
        table=PLOTS,
    )
    bids = publish(
        30,
        category="leases",
        title="土地招租竞价结果公示",
        body="共3家报名，竞价结果如下，公示期5天。",
        table={
            "columns": [
                {"name": "竞价人", "money": False},
                {"name": "地块", "money": False},
                {"name": "报价（元/年）", "money": True},
            ],
            "rows": [
                ["湾美果蔬专业合作社", "东山片", 3_850_000],
                ["某农业公司", "东山片", 3_700_000],
                ["湾美果蔬专业合作社", "溪边片", 2_500_000],
            ],
        },
        follows=notice,
    )
    contract = publish(
        20,
        category="contracts",
        title="东山片、溪边片土地租赁合同",
        body="与湾美果蔬专业合作社签订租赁合同，租期十年，租金每年一月缴纳。",
        table={
            "columns": [
                {"name": "地块", "money": False},
                {"name": "年租金（元）", "money": True},
            ],
            "rows": [["东山片", 3_850_000], ["溪边片", 2_500_000]],
        },
        follows=bids,
    )
    receipt = publish(
        10,
        category="finance",
        title="土地租金收款公示（第一笔）",
        body="已收东山片首年租金。",
        table={
            "columns": [{"name": "款项", "money": False}, {"name": "金额（元）", "money": True}],
            "rows": [["东山片首年租金", 3_850_000]],
        },
        follows=contract,
    )
    publish(
        3,
        category="finance",
        title="土地租金收款公示（第二笔）",
        body="已收溪边片首年租金。",
        table={
            "columns": [{"name": "款项", "money": False}, {"name": "金额（元）", "money": True}],
            "rows": [["溪边片首年租金", 2_500_000]],
        },
        follows=receipt,
    )

    # Last month's 村级月报 (the month before has none: overdue on the calendar).
    _published(
        2,
        services.publish_monthly_report,
        actor=staff,
        region=wanmei,
        month=last.strftime("%Y-%m"),
        title=f"湾美社区{last.year}年{last.month}月村级财务月报",
        sections={
            "income": {
                "lines": [
                    {"label": "土地租金", "amount": 6_350_000},
                    {"label": "上级转移支付", "amount": 1_200_000},
                ],
                "total": 7_550_000,
            },
            "expenses": {
                "lines": [
                    {"label": "村道修缮", "amount": 1_800_000},
                    {"label": "办公经费", "amount": 235_080},
                ],
                "total": 2_035_080,
            },
            "assets": {
                "lines": [{"label": "村部办公楼", "amount": 180_000_000}],
                "total": 180_000_000,
            },
            "resources": {
                "lines": [{"label": "集体土地租金（200亩）", "amount": 6_350_000}],
                "total": 6_350_000,
            },
            "debts": {"lines": [{"label": "应收未收租金", "amount": 0}], "total": 0},
            "distribution": {"lines": [], "total": 0},
        },
        matters="东山片、溪边片土地公开招租完成，合同已签订。",
    )

    publish(
        15,
        category="welfare",
        title="本年度临时救助名单公示",
        body="经评议，以下家庭获临时救助，公示期7天，如有异议请向村务监督委员会反映。",
        # Published with names, as a 公示 is; the ID numbers are masked on publication
        # (disclosure.privacy), so the demo shows what a resident will see.
        table={
            "columns": [
                {"name": "户主", "money": False},
                {"name": "身份证号", "money": False},
                {"name": "事由", "money": False},
                {"name": "金额（元）", "money": True},
            ],
            "rows": [
                ["蔡明华", "350524196803123019", "重病", 300_000],
                ["林芳", "350524197509084025", "火灾", 200_000],
            ],
        },
    )
    publish(
        25,
        category="assets",
        title=f"{today.year - 1}年度集体资产清查结果",
        body="集体资产账实相符。",
        period=str(today.year - 1),
    )
    publish(
        6,
        category="decisions",
        title="关于村道修缮工程的决议",
        body="村民代表会议表决通过村道修缮工程，预算1.8万元。",
        decided_on=today - timedelta(days=8),
    )
    services.save_schedule(
        actor=None,
        region=wanmei,
        category="finance",
        frequency="monthly",
        due_day=10,
        starts_on=before,
        note="财务每月公开",
    )
    services.save_schedule(
        actor=None,
        region=wanmei,
        category="assets",
        frequency="yearly",
        due_day=28,
        starts_on=date(today.year - 1, 1, 1),
        note="资产每年公开，变动时随时公开",
    )

    # 文昌: a project notice, corrected once.
    project = _published(
        12,
        services.publish,
        actor=staff_wc,
        region=wenchang,
        category="projects",
        title="江滨花园加装电梯项目公示",
        body="项目预算45万元。",
        table={
            "columns": [{"name": "项目", "money": False}, {"name": "预算（元）", "money": True}],
            "rows": [["加装电梯", 45_000_000]],
        },
    )
    services.correct(
        actor=staff_wc,
        item=project,
        note="预算金额更正",
        body="项目预算42万元。",
        table={
            "columns": [{"name": "项目", "money": False}, {"name": "预算（元）", "money": True}],
            "rows": [["加装电梯", 42_000_000]],
        },
    )
