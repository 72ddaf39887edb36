"""Under real concurrency on PostgreSQL: two units' contacts taking the lead of the same
project at once, many people taking the same need, a completion racing a cancel —
exactly one wins, the rest get 409, and nothing is half-written.

Each test commits for real (``transaction=True``) and runs threads released together by
a barrier, each with its own connection; the project's or need's row lock
(``services._locked``: ``FOR UPDATE``) makes the check and the write one step.
"""

from collections import Counter

import pytest

from jifen.claims.models import Claim
from jifen.lib.errors import Conflict
from jifen.people.models import Person
from jifen.projects import services
from jifen.projects.models import Event, Need, NeedEvent, Project, Status
from tests.projects.conftest import all_reported, make_need, published
from tests.requests.test_concurrency import in_threads

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)


def _codes(results: list, won: type) -> Counter:
    seen: Counter = Counter()
    for result in results:
        if isinstance(result, won):
            seen["won"] += 1
        elif isinstance(result, Conflict):
            seen[result.code] += 1
        else:
            seen[repr(result)] += 1
    return seen


@pg
@transactional
def test_two_units_taking_the_lead_at_once_one_wins(world, units):
    takers = [
        (units.clinic_contact.pk, units.clinic),
        (units.bank_contact.pk, units.bank),
    ] * 2
    for _round in range(3):
        project = published(world, units)
        results = in_threads(
            len(takers),
            lambda i, pk=project.pk: services.lead_project(
                actor=Person.objects.get(pk=takers[i][0]), project=pk, organization=takers[i][1]
            ),
        )
        assert _codes(results, Project) == Counter({"won": 1, "already_taken": 3}), results
        assert Event.objects.filter(project=project, step="lead").count() == 1


@pg
@transactional
def test_many_taking_one_need_one_wins(world, units):
    need = make_need(world)
    people = [units.party_member.pk] * 3
    results = in_threads(
        4,
        lambda i: (
            services.claim_need(actor=Person.objects.get(pk=people[i]), need=need.pk)
            if i < 3
            else services.claim_need(
                actor=Person.objects.get(pk=units.clinic_contact.pk),
                need=need.pk,
                organization=units.clinic,
            )
        ),
    )
    assert _codes(results, Need) == Counter({"won": 1, "already_taken": 3}), results
    assert NeedEvent.objects.filter(need=need, step="claim").count() == 1


@pg
@transactional
def test_completion_racing_a_cancel_leaves_one_outcome(world, units):
    for _round in range(3):
        project = all_reported(world, units)

        def work(i: int, pk: int = project.pk) -> object:
            if i == 0:
                return services.cancel_project(actor=world.staff, project=pk, reason="取消")
            return services.complete_project(actor=units.clinic_contact, project=pk)

        results = in_threads(2, work)
        stored = Project.objects.get(pk=project.pk)
        claims = Claim.objects.filter(source=services.CLAIM_SOURCE, source_id=project.pk)
        assert stored.status in (Status.CANCELLED, Status.COMPLETED), results
        assert claims.count() == (1 if stored.status == Status.COMPLETED else 0)
        assert sum(isinstance(r, Project) for r in results) == 1, results
