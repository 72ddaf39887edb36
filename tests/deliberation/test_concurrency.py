"""Votes under real concurrency on PostgreSQL: the same resident tapping on two phones at
once, many residents at once, a vote racing the poll's close — one ballot each, never two,
and nothing counted after the close.

Each test commits for real (``transaction=True``) and runs threads released together by
a barrier, each with its own connection. The matter's row lock (``services._locked``:
``FOR UPDATE``) makes the window check and the write one step; the unique
``(matter, ballot)`` stands behind it.
"""

from collections import Counter

import pytest

from jifen.deliberation import services
from jifen.deliberation.models import Matter, Status, Vote
from jifen.lib.errors import Conflict
from jifen.people.models import Person
from tests.deliberation.conftest import building_poll, in_building
from tests.requests.test_concurrency import in_threads

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)


@pg
@transactional
def test_one_resident_voting_on_several_phones_at_once_holds_one_ballot(world, block):
    matter = building_poll(world, block)
    person = block.residents[0]
    choices = ["agree", "disagree", "abstain", "agree", "disagree", "agree"]
    for _round in range(3):
        results = in_threads(
            len(choices),
            lambda i: services.vote(
                actor=Person.objects.get(pk=person.pk), matter=matter.pk, choice=choices[i]
            ),
        )
        assert all(isinstance(r, Vote) for r in results), results
    ballots = Vote.objects.filter(matter=matter, voter=person)
    assert ballots.count() == 1
    assert ballots.get().changes == 3 * len(choices) - 1


@pg
@transactional
def test_many_residents_at_once_each_hold_one_ballot_and_all_are_counted(world, block):
    people = block.residents + [
        in_building(block.building, f"3栋{n}02", f"邻居{n}") for n in range(1, 6)
    ]
    matter = building_poll(world, block)
    # Each resident twice, at the same moment.
    ids = [p.pk for p in people] * 2
    results = in_threads(
        len(ids),
        lambda i: services.vote(
            actor=Person.objects.get(pk=ids[i]), matter=matter.pk, choice="agree"
        ),
    )
    assert all(isinstance(r, Vote) for r in results), results
    assert Vote.objects.filter(matter=matter).count() == len(people)
    services.close_poll(actor=world.staff, matter=matter)
    stored = Matter.objects.get(pk=matter.pk)
    assert (stored.agree, stored.electorate) == (len(people), len(people))


@pg
@transactional
def test_a_vote_racing_the_close_is_counted_or_refused_never_lost(world, block):
    voter = block.residents[1]
    for _round in range(4):
        matter = building_poll(world, block)

        def work(i: int, pk: int = matter.pk) -> object:
            if i == 0:
                return services.close_poll(actor=world.staff, matter=pk)
            return services.vote(actor=Person.objects.get(pk=voter.pk), matter=pk, choice="agree")

        results = in_threads(2, work)
        stored = Matter.objects.get(pk=matter.pk)
        assert stored.status == Status.COUNTED
        voted = Vote.objects.filter(matter=matter).count()
        if isinstance(results[1], Conflict):
            assert results[1].code == "poll_not_open" and voted == 0
        else:
            assert isinstance(results[1], Vote) and voted == 1
        # Whatever the order, the count holds exactly the ballots stored.
        assert stored.agree == voted
        assert Counter(type(r).__name__ for r in results)["Matter"] == 1
