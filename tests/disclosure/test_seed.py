"""The demo's 村务公开: a lease thread, last month's 月报, one obligation overdue; made once."""

import pytest
from django.utils import timezone

from jifen.demo.seed_disclosure import seed_demo_disclosures
from jifen.disclosure import selectors
from jifen.disclosure.models import Disclosure, Kind
from jifen.lib.months import previous_month
from jifen.people import services as people
from jifen.people.models import Role
from jifen.regions.models import Region
from jifen.regions.services import add_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_regions(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    add_region(actor=None, code="350524", name="安溪县", level="county")
    for code, name, level, parent in (
        ("350524100", "凤城镇", "town", "350524"),
        ("350524106", "参内镇", "town", "350524"),
        ("350524100001", "文昌社区", "community", "350524100"),
        ("350524106001", "湾美社区", "community", "350524106"),
    ):
        add_region(actor=None, code=code, name=name, level=level, parent_code=parent)
    for phone, name, code in (
        ("13800000002", "陈文昌", "350524100001"),
        ("13800000007", "李湾美", "350524106001"),
    ):
        region = Region.objects.get(code=code)
        person = people.create_person_from_cli(
            name=name, phone=phone, password="x" * 12, community=region
        )
        people.grant_role(actor=None, person=person, role=Role.STAFF, region=region)


def test_the_demo_has_a_thread_a_report_and_one_overdue_obligation(demo_regions):
    seed_demo_disclosures()
    wanmei = Region.objects.get(code="350524106001")
    notice = Disclosure.objects.get(region=wanmei, category="leases", follows=None)
    thread = selectors.thread(notice)
    assert [d.category for d in thread] == ["leases", "leases", "contracts", "finance", "finance"]
    last = previous_month(timezone.localdate().replace(day=1))
    report = Disclosure.objects.get(kind=Kind.MONTHLY_REPORT)
    assert report.period == last.strftime("%Y-%m")
    missing = selectors.missing([wanmei], timezone.localdate())
    assert [(m.category, m.period) for m in missing] == [
        ("finance", previous_month(last).strftime("%Y-%m"))
    ]
    assert Disclosure.objects.filter(is_current=False).count() == 1
    count = Disclosure.objects.count()
    seed_demo_disclosures()
    assert Disclosure.objects.count() == count


def test_the_demo_welfare_list_shows_names_and_masked_id_numbers(demo_regions):
    seed_demo_disclosures()
    welfare = Disclosure.objects.get(category="welfare", is_current=True)
    rows = welfare.table["rows"]
    assert rows[0][:2] == ["蔡明华", "3505**********3019"]
    assert all("*" in row[1] for row in rows)
