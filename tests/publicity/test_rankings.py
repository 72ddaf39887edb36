"""Rankings: exactly the sums of the ledger, whichever months are rolled up.

Random ledgers over the last fourteen months (awards, bonuses, reversals, adjustments
both ways, redemptions, awards to an organisation, points a community's issuer gives a
resident of the next community) are summed by brute force over the transfers, and every
ranking — community, town, county; one month, the year to date, last year — must agree
with it before anything is rolled up, with some months of some communities rolled up,
and with everything ended rolled up.
"""

import random
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import count

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from jifen.lib.errors import InvalidInput
from jifen.lib.months import label, month_bounds, previous_month, this_month
from jifen.people.models import Organization, Person
from jifen.points.ledger import Posting, account_for, post, system_account
from jifen.points.models import Account, AccountKind, Transfer, TransferKind
from jifen.publicity import rankings
from jifen.publicity import selectors as figures
from jifen.publicity.models import MonthlyPoints, RolledUpMonth
from jifen.regions.models import Region
from tests.conftest import World, make_person

K, T = AccountKind, TransferKind
_keys = count()


def months_back(n: int) -> list[str]:
    """The current month and the n before it, oldest first."""
    first = this_month()
    found = [first]
    for _ in range(n):
        found.append(previous_month(found[-1]))
    return [label(m) for m in reversed(found)]


def from_january(first: str, last: str) -> list[str]:
    """Every month from January of ``first``'s year to ``last``."""
    found, year, number = [], int(first[:4]), 1
    while f"{year:04d}-{number:02d}" <= last:
        found.append(f"{year:04d}-{number:02d}")
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return found


def moment_in(month: str, rng: random.Random) -> datetime:
    """A random instant of the month, never later than now."""
    start, end = month_bounds(month)
    end = min(end, timezone.now() - timedelta(seconds=1))
    span = max(int((end - start).total_seconds()), 1)
    return start + timedelta(seconds=rng.randrange(span))


def give(debit: Account, credit: Account, amount: int, kind: str, when: datetime, **kw) -> Transfer:
    return post(
        Posting(
            debit=debit,
            credit=credit,
            amount=amount,
            kind=kind,
            key=f"rank-test:{next(_keys)}",
            created_at=when,
            **kw,
        )
    )


def random_ledger(world: World, seed: int, people_per_community: int = 6) -> list[Person]:
    """Random point movements of every kind over the last fourteen months."""
    rng = random.Random(seed)
    communities = [world.wenchang, world.jinyue, world.wanmei]
    people = []
    for community in communities:
        for n in range(people_per_community):
            person = make_person(community, f"{community.name[0]}志{n}愿")
            if n % 3 == 0:  # registered by staff, not yet agreed to publication
                person.consent_at = None
                person.save()
            people.append(person)
    people += [world.resident, world.neighbour, world.stranger]
    issuers = {c.pk: system_account(c, K.ISSUER) for c in communities}
    shops = {c.pk: system_account(c, K.SHOP) for c in communities}
    unit = Organization.objects.create(region=world.wenchang, name="文昌卫生院")
    unit_account = account_for(unit)
    months = months_back(13)
    for month in months:
        for _ in range(rng.randrange(8, 20)):
            person = rng.choice(people)
            home = person.community
            # Now and then a neighbouring community's issuer pays a resident of another.
            issuer = (
                issuers[rng.choice(communities).pk] if rng.random() < 0.15 else issuers[home.pk]
            )
            account = account_for(person)
            when = moment_in(month, rng)
            award = give(issuer, account, rng.choice((5, 10, 20, 25, 40)), T.AWARD, when)
            roll = rng.random()
            if roll < 0.15:  # the award reversed, in the same month or a later one
                later = rng.choice([m for m in months if m >= month])
                give(
                    account, issuer, award.amount, T.REVERSAL, moment_in(later, rng), reverses=award
                )
            elif roll < 0.3:
                give(account, issuer, rng.randrange(1, award.amount + 1), T.ADJUSTMENT, when)
            elif roll < 0.45:
                give(
                    account, shops[home.pk], rng.randrange(1, award.amount + 1), T.REDEMPTION, when
                )
            elif roll < 0.55:
                give(issuer, account, 10, T.BONUS, when, period=month)
        give(issuers[world.wenchang.pk], unit_account, 50, T.AWARD, moment_in(month, rng))
    return people


def brute_force(
    region: Region, months: list[str], transfers: list[Transfer] | None = None
) -> dict[int, int]:
    """Sum every transfer between a person and an issuer, one by one, in Python."""
    inside = set(
        Region.objects.filter(path__startswith=region.path, level="community").values_list(
            "pk", flat=True
        )
    )
    windows = [month_bounds(m) for m in months]
    totals: dict[int, int] = defaultdict(int)
    if transfers is None:
        transfers = list(Transfer.objects.select_related("debit", "credit"))
    for t in transfers:
        if t.region_id not in inside or not any(s <= t.created_at < e for s, e in windows):
            continue
        if t.debit.kind == K.ISSUER and t.credit.kind == K.PERSON:
            totals[t.credit.person_id] += t.amount
        elif t.debit.kind == K.PERSON and t.credit.kind == K.ISSUER:
            totals[t.debit.person_id] -= t.amount
    return {p: v for p, v in totals.items() if v}


def expected_top(
    region: Region, months: list[str], size: int, transfers: list[Transfer] | None = None
) -> list[tuple[int, int]]:
    scores = brute_force(region, months, transfers)
    ranked = sorted(((p, s) for p, s in scores.items() if s > 0), key=lambda x: (-x[1], x[0]))
    return ranked[:size]


def cases(world: World) -> list[tuple[Region, list[str]]]:
    months = months_back(13)
    year = rankings.year_months(timezone.localdate().year)
    last_year = rankings.year_months(timezone.localdate().year - 1)
    regions = [world.county, world.town, world.other_town, world.wenchang, world.jinyue]
    spans = [[m] for m in months] + [year, last_year, months]
    return [(region, span) for region in regions for span in spans]


def assert_all_exact(world: World) -> None:
    transfers = list(Transfer.objects.select_related("debit", "credit"))
    for region, months in cases(world):
        got = {p: v for p, v in rankings.scores(region, months).items() if v}
        assert got == brute_force(region, months, transfers), (region.code, months)
        top = rankings.top(region, months, size=7)
        expected = expected_top(region, months, 7, transfers)
        assert [(r.person_id, r.points) for r in top] == expected, (
            region.code,
            months,
        )
        assert [r.place for r in top] == list(range(1, len(top) + 1))


@pytest.mark.parametrize("seed", [1, 2])
def test_every_ranking_is_the_sum_of_the_ledger_however_much_is_rolled_up(
    world: World, seed: int
) -> None:
    random_ledger(world, seed)
    assert_all_exact(world)  # nothing rolled up: all from the ledger

    rng = random.Random(seed)
    ended = months_back(13)[:-1]
    for month in rng.sample(ended, 6):  # some months, for some communities
        rankings.roll_up(month, [rng.choice([world.wenchang, world.jinyue, world.wanmei]).pk])
    assert RolledUpMonth.objects.exists()
    assert_all_exact(world)

    partly = RolledUpMonth.objects.count()
    built = rankings.roll_up_ended()
    communities = Region.objects.filter(level="community").count()
    # Every community's every month from January of the ledger's first year.
    everything = from_january(ended[0], ended[-1])
    assert RolledUpMonth.objects.count() == communities * len(everything)
    assert built == communities * len(everything) - partly
    assert_all_exact(world)


def test_the_roll_up_holds_what_the_announcement_ranks(world: World) -> None:
    random_ledger(world, 3)
    month = months_back(1)[0]
    for community in (world.wenchang, world.jinyue, world.wanmei):
        live = [dict(r.public()) for r in rankings.month_top(community, month)]
        assert live == figures.month_ranking(community, month)
    rankings.roll_up_ended()
    for community in (world.wenchang, world.jinyue, world.wanmei):
        rolled = [dict(r.public()) for r in rankings.month_top(community, month)]
        assert rolled == figures.month_ranking(community, month)


def test_each_row_holds_its_month_and_its_year_so_far(world: World) -> None:
    random_ledger(world, 11)
    rankings.roll_up_ended()
    transfers = list(Transfer.objects.select_related("debit", "credit"))
    rows = list(MonthlyPoints.objects.all())
    assert rows
    for community in (world.wenchang, world.jinyue, world.wanmei):
        for month in months_back(13)[:-1]:
            here = {
                r.person_id: r for r in rows if r.community_id == community.pk and r.month == month
            }
            so_far = from_january(month, month)
            assert {p: r.points for p, r in here.items() if r.points} == brute_force(
                community, [month], transfers
            )
            assert {p: r.year_points for p, r in here.items() if r.year_points} == brute_force(
                community, so_far, transfers
            )
            # A row for everyone with points in the month or in the year so far; no other.
            assert all(r.points or r.year_points for r in here.values())


def test_rolling_up_twice_builds_nothing_more(world: World) -> None:
    random_ledger(world, 4)
    assert rankings.roll_up_ended() > 0
    rows = sorted(MonthlyPoints.objects.values_list("person", "community", "month", "points"))
    markers = RolledUpMonth.objects.count()
    assert rankings.roll_up_ended() == 0
    month = months_back(2)[0]
    assert rankings.roll_up(month) == 0
    assert (
        sorted(MonthlyPoints.objects.values_list("person", "community", "month", "points")) == rows
    )
    assert RolledUpMonth.objects.count() == markers


def test_the_current_month_is_never_rolled_up_whatever_the_date_asked(world: World) -> None:
    random_ledger(world, 5)
    current = label(this_month())
    next_year = timezone.localdate() + timedelta(days=400)
    rankings.roll_up_ended(next_year)
    assert rankings.roll_up(current) == 0
    assert not RolledUpMonth.objects.filter(month__gte=current).exists()
    assert RolledUpMonth.objects.filter(month=months_back(1)[0]).exists()


def test_a_tick_that_missed_months_catches_them_up(world: World) -> None:
    random_ledger(world, 6)
    months = months_back(13)
    # A tick ran as of four months ago, then none until today.
    as_of = datetime.fromisoformat(months[-4] + "-15").date()
    call_command("tick", "--as-of", as_of.isoformat())
    built = sorted(set(RolledUpMonth.objects.values_list("month", flat=True)))
    assert built == from_january(months[0], months[-5])
    call_command("tick")
    built = sorted(set(RolledUpMonth.objects.values_list("month", flat=True)))
    assert built == from_january(months[0], months[-2])
    assert_all_exact(world)


def test_ties_go_to_the_smaller_person_id(world: World) -> None:
    first = make_person(world.wenchang, "郑一")
    second = make_person(world.jinyue, "郑二")
    third = make_person(world.wenchang, "郑三")
    assert first.pk < second.pk < third.pk
    now = timezone.now() - timedelta(seconds=1)
    for person, amount in ((third, 30), (second, 30), (first, 30), (third, 1)):
        give(system_account(person.community, K.ISSUER), account_for(person), amount, T.AWARD, now)
    top = rankings.month_top(world.county, label(this_month()))
    assert [(r.person_id, r.points) for r in top] == [
        (third.pk, 31),
        (first.pk, 30),
        (second.pk, 30),
    ]


def test_names_are_public_names_only(world: World) -> None:
    people = random_ledger(world, 8)
    top = rankings.top(world.county, months_back(13), size=100)
    assert top
    by_id = {p.pk: p for p in Person.objects.filter(pk__in=[r.person_id for r in top])}
    for ranked in top:
        person = by_id[ranked.person_id]
        assert ranked.name == figures.public_name(
            person.name, person.has_consented, person.volunteer_no
        )
        assert person.name not in ranked.name
        assert set(ranked.public()) == {"place", "name", "volunteer_no", "points"}
    assert any(not by_id[r.person_id].has_consented for r in top)
    assert people


def test_a_ranking_is_of_a_county_a_town_or_a_community(world: World) -> None:
    with pytest.raises(InvalidInput):
        rankings.top(world.compound, months_back(0))


def test_a_town_ranks_only_what_its_communities_gave(world: World) -> None:
    now = timezone.now() - timedelta(seconds=1)
    here = make_person(world.jinyue, "金一")
    there = make_person(world.wanmei, "湾一")
    give(system_account(world.jinyue, K.ISSUER), account_for(here), 10, T.AWARD, now)
    give(system_account(world.wanmei, K.ISSUER), account_for(there), 20, T.AWARD, now)
    # 湾美's resident, paid by 文昌 (in the town) for service there: 5 in the town.
    give(system_account(world.wenchang, K.ISSUER), account_for(there), 5, T.AWARD, now)
    month = [label(this_month())]
    town = {r.person_id: r.points for r in rankings.top(world.town, month)}
    other = {r.person_id: r.points for r in rankings.top(world.other_town, month)}
    county = {r.person_id: r.points for r in rankings.top(world.county, month)}
    wenchang = {r.person_id: r.points for r in rankings.top(world.wenchang, month)}
    assert town == {here.pk: 10, there.pk: 5}
    assert other == {there.pk: 20}
    assert county == {here.pk: 10, there.pk: 25}
    assert wenchang == {there.pk: 5}


@pytest.mark.pg
def test_two_builds_of_the_same_month_at_once_count_each_community_once(
    transactional_db: None, world: World
) -> None:
    """Two ticks on two machines: each community's month is built by one of them."""
    import threading

    from django.db import connections

    random_ledger(world, 10)
    month = months_back(1)[0]
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def build() -> None:
        try:
            barrier.wait()
            results.append(rankings.roll_up(month))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    communities = Region.objects.filter(level="community").count()
    # Each community's every month of the year up to this one, built once between them.
    assert sum(results) == communities * int(month[5:])
    assert RolledUpMonth.objects.filter(month=month).count() == communities
    assert RolledUpMonth.objects.count() == communities * int(month[5:])
    assert_all_exact(world)
    assert connection.vendor == "postgresql"
