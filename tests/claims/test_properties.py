"""Property test of the claims services: whatever sequence of declarations, approvals,
rejections, appeals and their decisions, revocations and redemptions runs, the ledger
holds exactly the claims' points.

A hypothesis state machine drives the services over three volunteers (one a newcomer
with a referrer, one in a reviewer's household) and three reviewers. It keeps its own
model of each claim (status, who reviewed it, its appeal, its points) and of each
volunteer's balance, worked out from the contract's words, predicts every refusal with
its code, and checks after every step:

- every approved claim has exactly one award keyed ``claim:<id>`` (its ``transfer``),
  plus at most one appeal top-up keyed ``claim:<id>:appeal``, and they add up to its
  points; a revoked claim's transfers are each reversed; a pending or rejected claim has
  none;
- the balances equal the model, and none is below 0;
- ``jifen verify`` finds nothing (every fourth step, and after the last one).

Each example runs inside one transaction rolled back at its end, so each starts from the
same clean ``world``.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from jifen.claims import services
from jifen.claims.models import Claim, Status
from jifen.lib.errors import Conflict, DomainError, InvalidInput
from jifen.people.models import Household, Person
from jifen.points.ledger import Posting, account_for, post, system_account
from jifen.points.models import Account, AccountKind, RuleItem, Transfer, TransferKind
from jifen.points.verify import check_ledger
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

T = TransferKind
REFERRAL = 10
HOURS = [Decimal(q) for q in ("0.5", "1", "1.5", "2", "3", "5")]
TIMES = [Decimal(q) for q in ("1", "2", "4", "10")]
# How much an upheld appeal on the points adds to the quantity (0: not larger, refused).
BUMPS = [Decimal(q) for q in ("0", "0.5", "1", "2")]
# The community's cross-check threshold (CommunityPolicy's default): an appeal decided by
# one reviewer posts alone only below it.
CROSS_CHECK = 50


@dataclass
class Model:
    """What the contract says a claim is, step by step."""

    pk: int
    volunteer: int
    item: RuleItem
    quantity: Decimal
    points: int
    needed: int
    status: str = Status.PENDING
    reviewed: set[int] = field(default_factory=set)  # reviewer indexes
    appeal: str | None = None  # open, upheld, dismissed


def expect(code: str, kind: type[DomainError] = Conflict) -> Any:
    event(f"refused: {code}")
    return pytest.raises(kind, match=f"^{code}$")


class ClaimsMachine(RuleBasedStateMachine):
    """Set up per example from ``cast``, filled by the test."""

    cast: dict = {}

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        cast = self.cast
        self.volunteers: list[Person] = cast["volunteers"]
        self.reviewers: list[Person] = cast["reviewers"]
        self.items: list[RuleItem] = cast["items"]
        self.referrer: Person = cast["referrer"]
        self.newcomer: Person = cast["newcomer"]
        self.household: dict[int, int] = cast["household"]  # reviewer index -> volunteer
        assert not Claim.objects.exists() and not Transfer.objects.exists()
        self.claims: list[Model] = []
        self.balance = {p.pk: 0 for p in [*self.volunteers, self.referrer]}
        self.referred = False
        self.steps = 0
        self.n = 0

    def teardown(self) -> None:
        try:
            assert list(check_ledger()) == []
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # --- the model ------------------------------------------------------------------------

    def own(self, claim: Model, reviewer: int) -> bool:
        """refuse_own: the claimant (who entered it too) or the reviewer's household."""
        person = self.volunteers[claim.volunteer]
        return self.reviewers[reviewer].pk == person.pk or self.household.get(reviewer) == (
            claim.volunteer
        )

    def worth(self, claim: Model, quantity: Decimal) -> int:
        points = claim.item.versions.get().points
        return int((quantity * points).to_integral_value(rounding=ROUND_FLOOR))

    def posted(self, claim: Model, amount: int) -> None:
        """Points reached the volunteer; a newcomer's first brings the referral bonus."""
        person = self.volunteers[claim.volunteer]
        self.balance[person.pk] += amount
        if person.pk == self.newcomer.pk and not self.referred:
            self.referred = True
            self.balance[self.referrer.pk] += REFERRAL
            event("referral bonus")

    def free(self, claim: Model, reviewer: int, aim: bool) -> int:
        """The reviewer; with ``aim``, the first from them on who may still review."""
        if aim:
            for step in range(len(self.reviewers)):
                other = (reviewer + step) % len(self.reviewers)
                if not self.own(claim, other) and other not in claim.reviewed:
                    return other
        return reviewer

    def pick(self, n: int, aim: bool, *statuses: str) -> Model:
        """A claim: with ``aim``, one in these statuses when there is one (so that most
        steps do something), else any (so that refusals are tried too)."""
        aimed = [c for c in self.claims if c.status in statuses] if aim else []
        choices = aimed or self.claims
        return choices[n % len(choices)]

    # --- operations -------------------------------------------------------------------------

    @rule(who=st.integers(0, 2), item=st.integers(0, 2), q=st.integers(0, 100))
    def declare(self, who: int, item: int, q: int) -> None:
        rule_item = self.items[item]
        unit = rule_item.versions.get().unit
        choices = HOURS if unit == "hour" else TIMES
        quantity = choices[q % len(choices)]
        person = self.volunteers[who]
        claim = services.declare_service(
            actor=person,
            rule_item_id=rule_item.pk,
            quantity=str(quantity),
            occurred_on=timezone.localdate() - timedelta(days=1),
            description="属性测试",
        )
        model = Model(claim.pk, who, rule_item, quantity, 0, 0)
        model.points = self.worth(model, quantity)
        model.needed = 2 if model.points >= 50 else 1
        assert (claim.points, claim.approvals_needed, claim.status) == (
            model.points,
            model.needed,
            Status.PENDING,
        )
        self.claims.append(model)

    @precondition(lambda self: self.claims)
    @rule(n=st.integers(0, 1000), reviewer=st.integers(0, 2), aim=st.booleans())
    def approve(self, n: int, reviewer: int, aim: bool) -> None:
        claim = self.pick(n, aim, Status.PENDING)
        reviewer = self.free(claim, reviewer, aim)

        def action() -> Claim:
            return services.approve_claim(claim=claim.pk, reviewer=self.reviewers[reviewer])

        if self.own(claim, reviewer):
            with expect("self_review"):
                action()
        elif reviewer in claim.reviewed:
            with expect("already_reviewed"):
                action()
        elif claim.status != Status.PENDING:
            with expect("already_decided"):
                action()
        else:
            result = action()
            claim.reviewed.add(reviewer)
            if len(claim.reviewed) >= claim.needed:
                claim.status = Status.APPROVED
                self.posted(claim, claim.points)
                event("approved")
            assert result.status == claim.status

    @precondition(lambda self: self.claims)
    @rule(n=st.integers(0, 1000), reviewer=st.integers(0, 2), aim=st.booleans())
    def reject(self, n: int, reviewer: int, aim: bool) -> None:
        claim = self.pick(n, aim, Status.PENDING)
        reviewer = self.free(claim, reviewer, aim)

        def action() -> Claim:
            return services.reject_claim(
                claim=claim.pk, reviewer=self.reviewers[reviewer], reason="不符合"
            )

        if self.own(claim, reviewer):
            with expect("self_review"):
                action()
        elif reviewer in claim.reviewed:
            with expect("already_reviewed"):
                action()
        elif claim.status != Status.PENDING:
            with expect("already_decided"):
                action()
        else:
            assert action().status == Status.REJECTED
            claim.reviewed.add(reviewer)
            claim.status = Status.REJECTED
            event("rejected")

    @precondition(lambda self: self.claims)
    @rule(n=st.integers(0, 1000), aim=st.booleans())
    def appeal(self, n: int, aim: bool) -> None:
        claim = self.pick(n, aim, Status.REJECTED, Status.APPROVED)

        def action() -> object:
            return services.appeal_claim(
                claim=claim.pk, actor=self.volunteers[claim.volunteer], reason="申诉"
            )

        if claim.status not in (Status.REJECTED, Status.APPROVED):
            with expect("not_appealable"):
                action()
        elif claim.appeal is not None:
            with expect("already_appealed"):
                action()
        else:
            action()
            claim.appeal = "open"
            event(f"appealed {claim.status}")

    @precondition(lambda self: any(c.appeal for c in self.claims))
    @rule(
        n=st.integers(0, 1000),
        reviewer=st.integers(0, 2),
        uphold=st.booleans(),
        b=st.integers(0, 3),
        aim=st.booleans(),
    )
    def decide(self, n: int, reviewer: int, uphold: bool, b: int, aim: bool) -> None:
        appealed = [c for c in self.claims if c.appeal == "open"] if aim else []
        appealed = appealed or [c for c in self.claims if c.appeal]
        claim = appealed[n % len(appealed)]
        reviewer = self.free(claim, reviewer, aim)
        unit = claim.item.versions.get().unit
        bump = BUMPS[b] if unit == "hour" else BUMPS[b].to_integral_value(rounding=ROUND_FLOOR)
        quantity = claim.quantity + bump

        def action() -> object:
            return services.decide_appeal(
                claim=claim.pk,
                reviewer=self.reviewers[reviewer],
                uphold=uphold,
                note="复核决定",
                quantity=str(quantity) if claim.status == Status.APPROVED else None,
            )

        if self.own(claim, reviewer):
            with expect("self_review"):
                action()
        elif claim.appeal != "open":
            with expect("already_decided"):
                action()
        elif claim.status not in (Status.REJECTED, Status.APPROVED):
            with expect("not_appealable"):
                action()
        elif reviewer in claim.reviewed:
            with expect("already_reviewed"):
                action()
        elif not uphold:
            action()
            claim.appeal = "dismissed"
            event("appeal dismissed")
        elif claim.status == Status.REJECTED and (claim.needed > 1 or claim.points >= CROSS_CHECK):
            action()  # one reviewer's word: back to the queue for a second one
            claim.appeal, claim.status, claim.needed = "upheld", Status.PENDING, 2
            claim.reviewed.add(reviewer)
            event("appeal sent a rejection back for a second reviewer")
        elif claim.status == Status.REJECTED:
            action()
            claim.appeal, claim.status = "upheld", Status.APPROVED
            self.posted(claim, claim.points)
            event("appeal approved a rejection")
        elif bump == 0:
            with expect("invalid_input", InvalidInput):
                action()
        elif (worth := self.worth(claim, quantity)) - claim.points >= CROSS_CHECK or (
            claim.needed < 2 and worth >= CROSS_CHECK
        ):
            with expect("cross_check_required"):
                action()
        else:
            action()
            self.posted(claim, worth - claim.points)
            claim.appeal, claim.quantity, claim.points = "upheld", quantity, worth
            event("appeal added points")

    @precondition(lambda self: self.claims)
    @rule(n=st.integers(0, 1000), reviewer=st.integers(0, 2), aim=st.booleans())
    def revoke(self, n: int, reviewer: int, aim: bool) -> None:
        claim = self.pick(n, aim, Status.APPROVED)
        person = self.volunteers[claim.volunteer]

        def action() -> Claim:
            return services.revoke_claim(
                claim=claim.pk, actor=self.reviewers[reviewer], reason="核查不实"
            )

        if claim.status != Status.APPROVED:
            with expect("not_approved"):
                action()
        elif self.balance[person.pk] < claim.points:
            with expect("points_spent"):
                action()
        else:
            assert action().status == Status.REVOKED
            claim.status = Status.REVOKED
            self.balance[person.pk] -= claim.points
            event("revoked")

    @precondition(lambda self: any(self.balance.values()))
    @rule(who=st.integers(0, 2), amount=st.one_of(st.none(), st.integers(1, 30)))
    def redeem(self, who: int, amount: int | None) -> None:
        """Spend at the shop (``amount`` None: all the volunteer has, or 1 when nothing),
        so that some revocations find the points gone."""
        person = self.volunteers[who]
        amount = amount or self.balance[person.pk] or 1
        self.n += 1

        def action() -> Transfer:
            return post(
                Posting(
                    debit=account_for(person),
                    credit=system_account(person.community, AccountKind.SHOP),
                    amount=amount,
                    kind=T.REDEMPTION,
                    key=f"prop:redeem:{self.n}",
                )
            )

        if self.balance[person.pk] < amount:
            with expect("insufficient_points"):
                action()
        else:
            action()
            self.balance[person.pk] -= amount
            event("redeemed")

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def every_claim_holds_exactly_its_points(self) -> None:
        stored = {c.pk: c for c in Claim.objects.all()}
        assert set(stored) == {c.pk for c in self.claims}
        transfers = list(Transfer.objects.filter(source_type="claim"))
        reversed_ids = {t.reverses_id for t in transfers if t.reverses_id}
        for claim in self.claims:
            row = stored[claim.pk]
            assert (row.status, row.points, row.quantity) == (
                claim.status,
                claim.points,
                claim.quantity,
            )
            mine = [t for t in transfers if t.source_id == claim.pk]
            awards = [t for t in mine if t.kind == T.AWARD]
            keys = sorted(t.idempotency_key for t in awards)
            if claim.status in (Status.PENDING, Status.REJECTED):
                assert mine == [] and row.transfer_id is None
                continue
            assert keys in (
                [f"claim:{claim.pk}"],
                [f"claim:{claim.pk}", f"claim:{claim.pk}:appeal"],
            )
            main = next(t for t in awards if t.idempotency_key == f"claim:{claim.pk}")
            assert row.transfer_id == main.pk
            assert sum(t.amount for t in awards) == claim.points
            reversals = [t for t in mine if t.kind == T.REVERSAL]
            if claim.status == Status.APPROVED:
                assert reversals == []
            else:  # revoked: each award reversed, once
                assert {t.pk for t in awards} <= reversed_ids
                assert sorted(t.reverses_id for t in reversals) == sorted(t.pk for t in awards)

    @invariant()
    def balances_equal_the_model_and_none_is_below_zero(self) -> None:
        stored = dict(
            Account.objects.filter(person__in=self.balance).values_list("person", "balance")
        )
        assert {pk: stored.get(pk, 0) for pk in self.balance} == self.balance
        holders = Account.objects.filter(kind__in=(AccountKind.PERSON, AccountKind.ORGANIZATION))
        assert not holders.filter(balance__lt=0).exists()

    @invariant()
    def verify_finds_nothing(self) -> None:
        self.steps += 1
        if self.steps % 4 == 0:
            assert list(check_ledger()) == []


def test_claims_keep_the_ledger_right_under_any_sequence(
    world, items, second_reviewer, third_reviewer
) -> None:
    home = Household.objects.create(region=world.wenchang, label="江滨花园1-101")
    world.reviewer.household = home
    world.reviewer.save()
    relative = make_person(world.wenchang, "黄家人", household=home)
    newcomer = make_person(world.wenchang, "新来的", referrer=world.resident)
    volunteers = [world.resident, relative, newcomer]
    # The accounts are made once; each example rolls back only what it did.
    for person in volunteers:
        account_for(person)
    for kind in (AccountKind.ISSUER, AccountKind.SHOP):
        system_account(world.wenchang, kind)
    ClaimsMachine.cast = {
        "volunteers": volunteers,
        "reviewers": [world.reviewer, second_reviewer, third_reviewer],
        "items": [items.basic, items.skilled, items.visit],
        "referrer": world.resident,
        "newcomer": newcomer,
        "household": {0: 1},  # world.reviewer lives with the relative
    }
    run_state_machine_as_test(
        ClaimsMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
