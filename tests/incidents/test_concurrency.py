"""Incident steps under real concurrency (ARCHITECTURE.md invariant 9): two handlers
accepting at once, two people verifying at once, a phone resending its offline report
while the first is still on the way — each time one step is recorded, the others hear
409 ``invalid_transition`` (or get the same report back), and the grid worker's points
are made once.

On PostgreSQL, like tests/requests: each test commits for real (``transaction=True``)
and runs threads released together by a barrier, each with its own connection. The
incident's row lock (``services._locked``: ``FOR UPDATE``) makes the check of its status
and the write one step.
"""

from collections import Counter

import pytest

from jifen.claims.models import Claim, Source
from jifen.incidents import services
from jifen.incidents.models import Event, Incident, Status
from jifen.lib.errors import Conflict, NotFound
from jifen.people.models import Person
from tests.requests.test_concurrency import in_threads

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)


def outcome(results: list) -> Counter:
    seen: Counter = Counter()
    for result in results:
        if isinstance(result, Incident):
            seen["taken"] += 1
        elif isinstance(result, Conflict):
            seen[result.code] += 1
        else:
            raise AssertionError(f"unexpected: {result!r}")
    return seen


def reported(grids, n: int) -> Incident:
    return services.report(
        actor=grids.worker, region=grids.east, category="HJWS", description=f"第{n}件：垃圾堆积"
    )


@pg
@transactional
def test_two_accepting_at_once_record_one_acceptance_and_one_claim(world, grids):
    # Neither is the reporter: a grid worker accepting their own report earns nothing.
    ids = [world.staff.pk, world.town_admin.pk]
    for round_ in range(8):
        incident = reported(grids, round_)
        results = in_threads(
            2,
            lambda i, pk=incident.pk: services.accept(
                actor=Person.objects.get(pk=ids[i]), incident=pk
            ),
        )
        assert outcome(results) == Counter({"taken": 1, "invalid_transition": 1}), results
        stored = Incident.objects.get(pk=incident.pk)
        assert stored.status == Status.ACCEPTED and stored.report_claim_id is not None
        assert Event.objects.filter(incident=incident, step="accept").count() == 1
    assert Claim.objects.filter(source=Source.INCIDENT).count() == 8


@pg
@transactional
def test_two_verifying_at_once_close_it_once(world, grids):
    # Neither checker resolved it (four eyes) and the reporter's report was accepted by
    # staff, so each incident makes both claims.
    ids = [world.staff.pk, world.town_admin.pk, world.staff.pk]
    for round_ in range(8):
        incident = reported(grids, round_)
        services.accept(actor=world.staff, incident=incident)
        services.assign(actor=grids.worker, incident=incident, person=grids.worker)
        services.resolve(actor=grids.worker, incident=incident, note="清理完毕")
        results = in_threads(
            3,
            lambda i, pk=incident.pk: services.verify(
                actor=Person.objects.get(pk=ids[i]), incident=pk, ok=True
            ),
        )
        assert outcome(results) == Counter({"taken": 1, "invalid_transition": 2}), results
        stored = Incident.objects.get(pk=incident.pk)
        assert stored.status == Status.CLOSED and stored.close_claim_id is not None
        assert Event.objects.filter(incident=incident, step="verify_ok").count() == 1
    # one report claim and one close claim per incident
    assert Claim.objects.filter(source=Source.INCIDENT).count() == 16


@pg
@transactional
def test_a_fixed_and_a_not_fixed_verdict_at_once_let_one_win(world, grids):
    for round_ in range(8):
        incident = reported(grids, round_)
        services.accept(actor=grids.worker, incident=incident)
        services.assign(actor=grids.worker, incident=incident, organization=grids.property_co)
        services.resolve(actor=grids.contact, incident=incident, note="修好了")

        def work(i: int, pk: int = incident.pk) -> object:
            actor = Person.objects.get(pk=[grids.worker.pk, world.staff.pk][i])
            if i == 0:
                return services.verify(actor=actor, incident=pk, ok=True)
            return services.verify(actor=actor, incident=pk, ok=False, note="还没好")

        results = in_threads(2, work)
        assert outcome(results) == Counter({"taken": 1, "invalid_transition": 1}), results
        steps = Event.objects.filter(incident=incident, step__startswith="verify")
        assert steps.count() == 1
        stored = Incident.objects.get(pk=incident.pk)
        assert stored.status == steps.get().to_status


@pg
@transactional
def test_an_offline_report_resent_at_once_is_one_report(world, grids):
    for round_ in range(8):
        key = f"phone-{round_}"
        results = in_threads(
            3,
            lambda i, key=key: services.report(
                actor=Person.objects.get(pk=grids.worker.pk),
                region=grids.east,
                category="HJWS",
                description="井盖松动",
                client_key=key,
            ),
        )
        assert all(isinstance(r, Incident) for r in results), results
        assert len({r.pk for r in results}) == 1
        assert Incident.objects.filter(client_key=key).count() == 1
        assert Event.objects.filter(incident__client_key=key).count() == 1


@pg
@transactional
def test_two_naming_each_other_as_duplicates_at_once_close_one(world, grids):
    """Both rows are locked in id order: the second closing sees the first closed as a
    duplicate and is refused, never a circle of duplicates."""
    for round_ in range(8):
        first, second = reported(grids, 2 * round_), reported(grids, 2 * round_ + 1)
        pairs = [(first.pk, second.pk), (second.pk, first.pk)]

        def work(i: int, pairs: list = pairs) -> object:
            this, other = pairs[i]
            return services.close(
                actor=Person.objects.get(pk=world.staff.pk),
                incident=this,
                reason="duplicate",
                duplicate_of=Incident.objects.get(pk=other),
            )

        results = in_threads(2, work)
        codes = Counter(
            "taken" if isinstance(r, Incident) else getattr(r, "code", repr(r)) for r in results
        )
        assert codes == Counter({"taken": 1, "duplicate_not_open": 1}), results
        closed = Incident.objects.filter(pk__in=[first.pk, second.pk], status=Status.CLOSED)
        assert closed.count() == 1 and closed.get().duplicate_of.status == Status.REPORTED


@pg
@transactional
def test_a_step_racing_an_escalation_is_never_told_the_incident_is_gone(world, grids):
    # The escalation moves the handling region; the assignment waiting on the row's lock
    # must then act on (or refuse) the moved incident, never answer 404.
    heard: Counter = Counter()
    for round_ in range(8):
        incident = reported(grids, round_)
        services.accept(actor=world.staff, incident=incident.pk)

        def step(i: int, pk: int = incident.pk):
            if i == 0:
                return services.escalate(actor=grids.worker, incident=pk, note="需要社区协调")
            return services.assign(actor=world.staff, incident=pk, person=grids.worker)

        results = in_threads(2, step)
        assert not any(isinstance(r, NotFound) for r in results), results
        heard.update(type(r).__name__ for r in results)
        stored = Incident.objects.get(pk=incident.pk)
        assert stored.tier == "community"
    assert heard["NotFound"] == 0
