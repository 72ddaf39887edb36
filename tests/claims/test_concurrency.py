"""Reviews under real concurrency, on PostgreSQL (ARCHITECTURE.md invariant 9).

Like tests/points/test_concurrency_pg.py: each test commits for real
(``transaction=True``) and runs threads released together by a barrier, each with its
own database connection. Two reviewers clicking at the same instant, or one reviewer
clicking twice, must still post a claim's points exactly once.
"""

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from jifen.claims import services
from jifen.claims.models import Claim, Review, Status
from jifen.lib.errors import Conflict
from jifen.people.models import Person
from jifen.points.ledger import account_for, system_account
from jifen.points.models import AccountKind, Transfer, TransferKind
from jifen.points.selectors import balance_of
from jifen.points.verify import check_ledger
from tests.conftest import make_person

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)
T = TransferKind


def in_threads(count: int, work: Callable[[int], object], timeout: float = 60) -> list:
    """Run ``work(i)`` in ``count`` threads released together; return their results, or
    their exceptions. Each thread closes its own connection when done."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (lock wait?)"
    return results


def approving(claim: Claim, *reviewers: Person) -> Callable[[int], object]:
    """Work for thread i: the i-th reviewer (read afresh in the thread) approves."""
    ids = [r.pk for r in reviewers]

    def work(i: int) -> Claim:
        reviewer = Person.objects.get(pk=ids[i])
        return services.approve_claim(claim=claim.pk, reviewer=reviewer)

    return work


def outcome(results: list) -> Counter:
    """What each thread got: the claim's status, or the refusal's code."""
    seen: Counter = Counter()
    for result in results:
        if isinstance(result, Claim):
            seen[result.status] += 1
        elif isinstance(result, Conflict):
            seen[result.code] += 1
        else:
            raise AssertionError(f"unexpected: {result!r}")
    return seen


def awards_of(claim: Claim) -> list[Transfer]:
    return list(Transfer.objects.filter(source_type="claim", source_id=claim.pk))


@pytest.fixture
def ready(world):
    """Accounts exist before the races (as they do after a community's first day)."""
    account_for(world.resident)
    system_account(world.wenchang, AccountKind.ISSUER)


@pg
@transactional
def test_two_reviewers_approving_at_once_post_once(world, declare, second_reviewer, ready):
    rounds = 30
    claims = [declare() for _ in range(rounds)]
    for claim in claims:
        results = in_threads(2, approving(claim, world.reviewer, second_reviewer))
        assert outcome(results) == Counter({Status.APPROVED: 1, "already_decided": 1}), results
        [award] = awards_of(claim)
        assert (award.kind, award.amount, award.idempotency_key) == (
            T.AWARD,
            20,
            f"claim:{claim.pk}",
        )
        assert Review.objects.filter(claim=claim).count() == 1
        assert Claim.objects.get(pk=claim.pk).transfer_id == award.pk
    assert balance_of(world.resident).balance == 20 * rounds
    assert list(check_ledger()) == []


@pg
@transactional
def test_both_approvals_of_a_cross_check_at_once_post_once(world, declare, second_reviewer, ready):
    rounds = 10
    claims = [declare(quantity=5) for _ in range(rounds)]
    assert all(c.approvals_needed == 2 for c in claims)
    for claim in claims:
        results = in_threads(2, approving(claim, world.reviewer, second_reviewer))
        # Both approvals count; whichever came second made it final and posted.
        assert outcome(results) == Counter({Status.PENDING: 1, Status.APPROVED: 1}), results
        assert Review.objects.filter(claim=claim).count() == 2
        [award] = awards_of(claim)
        assert award.amount == 50
        assert Claim.objects.get(pk=claim.pk).status == Status.APPROVED
    assert balance_of(world.resident).balance == 50 * rounds
    assert list(check_ledger()) == []


@pg
@transactional
def test_a_double_click_records_one_review(world, declare, ready):
    singles = [declare() for _ in range(10)]
    doubles = [declare(quantity=5) for _ in range(10)]
    for claim in singles + doubles:
        results = in_threads(2, approving(claim, world.reviewer, world.reviewer))
        expected = Status.APPROVED if claim.approvals_needed == 1 else Status.PENDING
        assert outcome(results) == Counter({expected: 1, "already_reviewed": 1}), results
        assert Review.objects.filter(claim=claim).count() == 1
        assert len(awards_of(claim)) == (1 if claim.approvals_needed == 1 else 0)
    assert balance_of(world.resident).balance == 20 * len(singles)
    assert list(check_ledger()) == []


@pg
@transactional
def test_an_approval_and_a_rejection_at_once_decide_once(world, declare, second_reviewer, ready):
    ids = [world.reviewer.pk, second_reviewer.pk]
    for _ in range(10):
        claim = declare()

        def work(i: int, claim: Claim = claim) -> Claim:
            reviewer = Person.objects.get(pk=ids[i])
            if i == 0:
                return services.approve_claim(claim=claim.pk, reviewer=reviewer)
            return services.reject_claim(claim=claim.pk, reviewer=reviewer, reason="并发")

        seen = outcome(in_threads(2, work))
        assert seen["already_decided"] == 1 and sum(seen.values()) == 2, seen
        final = Claim.objects.get(pk=claim.pk)
        assert len(awards_of(claim)) == (1 if final.status == Status.APPROVED else 0)
        assert Review.objects.filter(claim=claim).count() == 1
    assert list(check_ledger()) == []


@pg
@transactional
def test_a_newcomers_claims_approved_at_once_bring_one_referral_bonus(
    world, declare, second_reviewer, ready
):
    newcomer = make_person(world.wenchang, "新来的", referrer=world.resident)
    account_for(newcomer)
    first, second = declare(person=newcomer), declare(person=newcomer)

    def work(i: int) -> Claim:
        reviewer = Person.objects.get(pk=(world.reviewer.pk, second_reviewer.pk)[i])
        return services.approve_claim(claim=(first, second)[i].pk, reviewer=reviewer)

    assert outcome(in_threads(2, work)) == Counter({Status.APPROVED: 2})
    assert Transfer.objects.filter(kind=T.BONUS).count() == 1
    assert balance_of(world.resident).balance == 10
    assert balance_of(newcomer).balance == 40
    assert list(check_ledger()) == []
