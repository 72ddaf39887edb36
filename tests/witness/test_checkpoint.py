"""The checkpoint document: every witnessed seal of a county's (and a town's) log in
order, chained; the public file and its 404s; the gaps; the badge and the paper line."""

import hashlib
import json
import time
from datetime import date

import pytest
from django.template import Context, Template
from django.test import Client

from jifen.publicity.models import Announcement
from jifen.regions.services import add_region
from jifen.witness import document, selectors, services
from jifen.witness.models import Entry, Kind, Log
from tests.conftest import World
from tests.publicity.conftest import Month, Months

pytestmark = pytest.mark.django_db


def _seal(n: int) -> str:
    return f"{n:064x}"


def test_a_published_month_is_witnessed_by_its_county_and_its_town(
    published: Announcement, last_month: Month
):
    world = last_month.world
    assert selectors.witnessed(world.wenchang, Kind.MONTH, last_month.month)
    assert selectors.witnessed(world.wenchang, Kind.MONTH, last_month.month, seal=published.seal)
    assert not selectors.witnessed(world.wenchang, Kind.MONTH, last_month.month, seal=_seal(1))
    assert not selectors.witnessed(world.jinyue, Kind.MONTH, last_month.month)
    for region in (world.county, world.town):
        doc = selectors.checkpoint(region)
        assert doc["size"] == 1 and len(doc["entries"]) == 1
        entry = doc["entries"][0]
        assert entry["community"] == world.wenchang.code
        assert (entry["kind"], entry["period"], entry["seal"]) == (
            "month",
            last_month.month,
            published.seal,
        )
        document.check_chain(doc["entries"], doc["size"], doc["head"])
    # The other town keeps a log of its own, which this month is not in.
    assert selectors.checkpoint(world.other_town)["size"] == 0


def test_the_chain_rule_is_the_documented_one(world: World):
    services.witness(
        community=world.wenchang,
        kind="month",
        period="2026-10",
        seal=_seal(7),
        root=_seal(8),
        count=3,
    )
    doc = selectors.checkpoint(world.county)
    line = "\t".join([world.wenchang.code, "month", "2026-10", "", "3", _seal(8), _seal(7)])
    expected = hashlib.sha256(f"jifen-checkpoint-v1\n\n{line}".encode()).hexdigest()
    assert doc["head"] == doc["entries"][0]["chain"] == expected


def test_a_line_that_would_break_the_chain_is_refused(world: World):
    for bad in ({"period": "2026-10\tx"}, {"subject": "1\n2"}, {"count": -1}, {"kind": "nope"}):
        args = {
            "community": world.wenchang,
            "kind": "month",
            "period": "2026-10",
            "seal": _seal(1),
            "root": _seal(2),
            "count": 1,
            **bad,
        }
        with pytest.raises(ValueError):
            services.witness(**args)
    assert not Entry.objects.exists()


def test_the_public_file_for_a_county_and_a_town_and_404s(
    published: Announcement, last_month: Month, api
):
    world = last_month.world
    for code in (world.county.code, world.town.code):
        response = api().get(f"/public/checkpoints/{code}")
        assert response.status_code == 200
        body = response.json_body
        assert set(body) >= {"version", "region", "size", "head", "generated_at", "entries", "gaps"}
        assert body["region"] == code and body["size"] == 1
        assert set(body["entries"][0]) == set(selectors.ENTRY_FIELDS)
    for code in (world.wenchang.code, "nowhere", "9" * 300):
        response = api().get(f"/public/checkpoints/{code}")
        assert response.status_code == 404
        assert response.json_body["error"]["code"] == "unknown_region"


def test_gaps_name_a_skipped_month_and_an_overdue_one(
    world: World, months: Months, book, last_month: Month
):
    # 金悦 had transfers last month (last_month.elsewhere) and none published: overdue
    # once its due days pass; 文昌 sealed a month three months ago, had transfers the
    # month before last, then published last month without it (witnessed straight in, as
    # a tick would not): skipped. Its transfers four months ago, before its first sealed
    # month, were never sealed: unsealed (publication allows a chain to start anywhere).
    from jifen.lib.months import label, previous_month
    from tests.publicity.conftest import at

    def earlier(month: str) -> str:
        year, number = (int(part) for part in month.split("-"))
        return label(previous_month(date(year, number, 1)))

    three = earlier(months.before)
    four = earlier(three)
    book.award(world.resident, 5, at(months.before, 10))
    book.award(world.resident, 5, at(four, 10))
    for n, period in enumerate((three, last_month.month)):
        services.witness(
            community=world.wenchang,
            kind="month",
            period=period,
            seal=_seal(1 + n),
            root=_seal(3 + n),
            count=6,
        )
    gaps = selectors.gaps(world.county, today=selectors._month_after(months.this))
    assert {"community": world.wenchang.code, "month": months.before, "reason": "skipped"} in gaps
    assert {"community": world.wenchang.code, "month": four, "reason": "unsealed"} in gaps
    assert not [g for g in gaps if g["month"] == three]
    assert {"community": world.jinyue.code, "month": last_month.month, "reason": "overdue"} in gaps
    # 文昌's last month is sealed: no gap; the month under way is never a gap.
    assert not [
        g
        for g in gaps
        if g["month"] in (last_month.month,) and g["community"] == world.wenchang.code
    ]
    early = selectors.gaps(world.county, today=selectors._month_after(last_month.month))
    assert not [g for g in early if g["reason"] == "overdue"]
    # A town's document lists only its own communities.
    assert {g["community"] for g in selectors.gaps(world.other_town) or []} <= {world.wanmei.code}


def test_without_a_source_of_months_the_gaps_are_not_guessed(world: World, monkeypatch):
    monkeypatch.setattr(selectors, "_activity", [])
    assert selectors.checkpoint(world.county)["gaps"] is None


def test_ten_thousand_entries_answer_fast_and_are_cached_by_size(world: World):
    log = Log.objects.create(region=world.county)
    head, rows = "", []
    for i in range(10_000):
        entry = {
            "community": world.wenchang.code,
            "kind": "disclosure",
            "period": "2026-10",
            "subject": str(i),
            "count": 0,
            "root": _seal(i),
            "seal": _seal(i + 1),
        }
        head = document.chain(head, document.line(entry))
        rows.append(
            Entry(
                log=log,
                index=i,
                community=world.wenchang,
                kind="disclosure",
                period="2026-10",
                subject=str(i),
                count=0,
                root=_seal(i),
                seal=_seal(i + 1),
                chain=head,
                witnessed_at="2026-11-01T00:00:00Z",
            )
        )
    Entry.objects.bulk_create(rows, batch_size=2000)
    Log.objects.filter(pk=log.pk).update(size=10_000, head=head)
    client = Client()
    started = time.perf_counter()
    first = client.get(f"/api/v1/public/checkpoints/{world.county.code}")
    cold = time.perf_counter() - started
    started = time.perf_counter()
    second = client.get(f"/api/v1/public/checkpoints/{world.county.code}")
    warm = time.perf_counter() - started
    assert first.status_code == second.status_code == 200
    body = json.loads(second.content)
    assert body["size"] == 10_000 and body["head"] == head
    document.check_chain(body["entries"], body["size"], body["head"])
    print(f"10,000 entries: cold {cold * 1000:.0f} ms, cached {warm * 1000:.0f} ms")
    assert cold < 5 and warm < 2


def test_the_badge_shows_the_short_hash_and_renders_nothing_without_a_log(
    world: World, published: Announcement
):
    template = Template("{% load witness_tags %}{% checkpoint_badge community %}")
    html = template.render(Context({"community": world.wenchang}))
    head = Log.objects.get(region=world.county).head
    assert f"{head[:4]} {head[4:8]}" in html
    assert "<svg" in html and "/public/checkpoints/350524/" in html
    assert 'data-size="1"' in html
    assert "<script>" not in html
    assert template.render(Context({"community": None})).strip() == ""
    lonely = add_region(actor=None, code="999", name="无县", level="county")
    assert template.render(Context({"community": lonely})).strip() == ""


def test_the_paper_line(world: World, published: Announcement):
    line = selectors.checkpoint_line(world.wenchang, "https://jifen.example/")
    assert line is not None
    text, url = line
    head = Log.objects.get(region=world.county).head
    assert f"{head[:4]} {head[4:8]}" in text and world.county.code in text
    assert url == "https://jifen.example/public/checkpoints/350524/"
    assert selectors.checkpoint_line(None) is None
    # 湾美 is under the same county: the same county checkpoint is printed for it.
    assert selectors.checkpoint_line(world.wanmei, "https://jifen.example") == line
    lonely = add_region(actor=None, code="999", name="无县", level="county")
    assert selectors.checkpoint_line(lonely) is None
