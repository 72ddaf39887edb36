"""Scores under real concurrency on PostgreSQL: a judge changing a sheet while staff
publish — the change lands before the ranking is read (and counts) or is refused, never
saved behind a published result; two entrants at once get distinct codes.

Each test commits for real and runs threads released together (``in_threads``); the
contest's row lock, taken before the entry's in every write, orders them."""

import pytest

from jifen.contests import services
from jifen.contests.models import Contest, Entry, Phase, Result, Score, Stage
from jifen.lib.errors import Conflict
from jifen.people.models import Person
from tests.contests.conftest import make_cast, marks, score_final, to_final
from tests.requests.test_concurrency import in_threads

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)


@pg
@transactional
def test_a_sheet_changed_while_publishing_is_counted_or_refused_never_lost(world):
    cast = make_cast(world)
    team_entry, unit_entry = to_final(world, cast)
    score_final(cast, team_entry, unit_entry)
    judge = cast.judges[0]

    def work(i: int) -> object:
        if i == 0:
            return services.publish(actor=world.staff, contest=cast.contest.pk)
        return services.score(
            actor=Person.objects.get(pk=judge.pk),
            entry=unit_entry.pk,
            phase=Phase.ROADSHOW,
            values=marks(Contest.objects.get(pk=cast.contest.pk), 10),
        )

    results = in_threads(2, work)
    assert Contest.objects.get(pk=cast.contest.pk).stage == Stage.PUBLISHED
    sheet = Score.objects.get(entry=unit_entry, judge=judge, phase=Phase.ROADSHOW)
    if isinstance(results[1], Conflict):
        assert results[1].code == "phase_closed" and sheet.total == 8000
    else:
        assert sheet.total == 10000
    # The published roadshow mean is the mean of the sheets stored, whichever came first.
    sheets = list(
        Score.objects.filter(entry=unit_entry, phase=Phase.ROADSHOW).values_list("total", flat=True)
    )
    expected = (2 * sum(sheets) + len(sheets)) // (2 * len(sheets))
    assert Result.objects.get(entry=unit_entry).roadshow == expected


@pg
@transactional
def test_entrants_at_once_get_distinct_codes(world):
    cast = make_cast(world)
    services.open_contest(actor=world.staff, contest=cast.contest)

    def work(i: int) -> object:
        if i == 0:
            return services.submit_entry(
                actor=Person.objects.get(pk=world.resident.pk),
                contest=cast.contest.pk,
                team=cast.team,
                title="河道清洁",
                summary="清理",
            )
        return services.submit_entry(
            actor=Person.objects.get(pk=cast.unit_contact.pk),
            contest=cast.contest.pk,
            organization=cast.unit,
            title="长者助餐",
            summary="送餐",
        )

    results = in_threads(2, work)
    assert all(isinstance(r, Entry) for r in results), results
    assert sorted(Entry.objects.values_list("code", flat=True)) == ["P01", "P02"]
