"""The 公示 and ranking benchmarks' own machinery, at a tiny size: their registration and
targets, the county's generated year (a whole ledger, ranked as the ledger says), and the
announcement's month (sealed, and the seal holds)."""

from datetime import datetime

import pytest
from django.utils import timezone

from jifen.bench import publicity, runner
from jifen.points.models import Transfer
from jifen.points.verify import check_ledger
from jifen.publicity import rankings
from jifen.publicity.models import Announcement, Status
from jifen.regions.models import Region


def test_each_figure_selects_its_benchmark() -> None:
    benchmarks = runner._benchmarks()
    for name in ("county_ranking_5m_s", "county_group_by_5m_s", "county_ranking"):
        assert [b.key for b in runner.select(benchmarks, [name])] == ["county_ranking"]
    assert [b.key for b in runner.select(benchmarks, ["announcement_50k_s"])] == ["announcement"]
    names = runner.all_names()
    assert names.index("announcement_50k_s") < names.index("county_ranking_5m_s")


def test_the_targets_are_the_issues() -> None:
    results = {
        "announcement_50k_s": runner.Result("announcement_50k_s", 4.9, "s"),
        "county_ranking_5m_s": runner.Result("county_ranking_5m_s", 1.0, "s"),
    }
    runner.apply_targets(results)
    assert results["announcement_50k_s"].target == "< 5"
    assert results["announcement_50k_s"].met is True
    assert results["county_ranking_5m_s"].target == "< 1"
    assert results["county_ranking_5m_s"].met is False


@pytest.mark.pg
def test_a_generated_year_is_a_whole_ledger_and_ranks_as_the_ledger_says(db: None) -> None:
    from jifen.demo.seed_scale import seed_scale
    from jifen.points.ledger import system_account
    from jifen.points.models import AccountKind

    report = seed_scale(300, months=1, communities=3)
    county = Region.objects.get(code=report.county)
    for community in Region.objects.filter(path__startswith=county.path, level="community"):
        system_account(community, AccountKind.SHOP)
    now = timezone.now()
    year_start = datetime(now.year, 1, 1, tzinfo=timezone.get_current_timezone())
    before = Transfer.objects.filter(created_at__gte=year_start).count()
    publicity._generate_transfers(5_000, year_start, now, county.path)
    assert Transfer.objects.filter(created_at__gte=year_start).count() == before + 5_000
    made = Transfer.objects.filter(source_type="bench_county")
    assert set(made.values_list("kind", flat=True)) == {"award", "redemption", "adjustment"}
    assert not made.filter(created_at__lt=year_start).exists()
    assert not made.filter(created_at__gt=now).exists()
    assert list(check_ledger(county)) == []
    rankings.roll_up_ended()
    year = now.year
    top = rankings.year_top(county, year, 50)
    assert top and top == rankings.year_top(county, year, 50, rolled_up=False)
    assert rankings.scores(county, rankings.year_months(year)) == rankings.scores(
        county, rankings.year_months(year), rolled_up=False
    )


@pytest.mark.pg
def test_the_announcement_month_is_sealed_whole(db: None) -> None:
    info = publicity.prepare_announcement(volunteers=40, transfers=400)
    assert info["transfers"] == 400
    got = publicity.draft_and_publish(month=info["month"], reviewer=info["reviewer"])
    assert got["violations"] == []
    assert got["leaves"] == 400
    announcement = Announcement.objects.get(month=info["month"])
    assert announcement.status == Status.PUBLISHED
