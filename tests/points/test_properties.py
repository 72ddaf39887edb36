"""Property tests of the ledger: whatever sequence of operations runs, its invariants hold.

A hypothesis state machine draws sequences of awards, bulk awards, redemptions (shop and
merchant), reversals and refunds, two-person staff adjustments, expiry runs and merchant
settlements over a few people, an organisation and a merchant in two communities. The test
keeps its own model of every account's balance, earned and spent, worked out from the
contract's words rather than from the ledger code, and checks after every step:

- no holder or merchant is below 0, and all balances (rows and system slots) sum to 0;
- earned never falls;
- the stored balances, earned and spent equal the model, and the ledger holds exactly the
  transfers the model expects: an operation the domain refuses raises the contract's
  ``Conflict`` with its code and changes nothing;
- ``jifen verify`` finds nothing (every fourth step, and after the last one).

Each example runs inside one transaction that is rolled back at its end, so every example
starts from the same clean ``world``.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from jifen.lib.errors import Conflict
from jifen.people.models import Merchant, Organization, Person
from jifen.points import services, settlement
from jifen.points.ledger import Posting, account_for, post, post_many, system_account
from jifen.points.models import (
    Account,
    AccountKind,
    CommunityPolicy,
    SystemSlot,
    Transfer,
    TransferKind,
)
from jifen.points.verify import check_ledger
from jifen.regions.models import Region
from tests.conftest import World, make_person

pytestmark = pytest.mark.django_db

K = AccountKind
T = TransferKind
ROW_KINDS = (K.PERSON, K.ORGANIZATION, K.MERCHANT)
HOLDERS = (K.PERSON, K.ORGANIZATION)
# What the contract calls "earned": points received from the issuer as awards, bonuses
# and adjustments; spending, expiry and reversals never take them back.
EARNING = (T.AWARD, T.BONUS, T.ADJUSTMENT)


@dataclass
class Holder:
    """Someone who can hold points: a person (who can be adjusted) or an organisation."""

    account: Account
    person: Person | None  # for awards and adjustments through the services
    community: Region  # their home community
    staff: tuple[tuple[Person, Person], ...]  # (requester, approver) pairs over them


def refused(code: str) -> AbstractContextManager[Any]:
    """The domain refuses: the contract's Conflict with that code."""
    event(f"refused: {code}")
    return pytest.raises(Conflict, match=f"^{code}$")


class LedgerMachine(RuleBasedStateMachine):
    """Set up per example from ``cast``, a class attribute filled by the test."""

    cast: dict = {}

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        cast = self.cast
        self.world: World = cast["world"]
        self.wenchang, self.jinyue = self.world.wenchang, self.world.jinyue
        self.holders: list[Holder] = cast["holders"]
        self.merchant: Account = cast["merchant"]
        self.system: dict[tuple[int, str], Account] = cast["system"]
        self.n = 0
        self.steps = 0
        self.this_year = timezone.localdate().year
        # The model: account id -> [balance, earned, spent], and each account's kind.
        # Every example starts from the same ledger: no transfer at all.
        assert not Transfer.objects.exists()
        self.model: dict[int, list[int]] = {}
        self.kinds: dict[int, str] = {}
        for account in [h.account for h in self.holders] + [self.merchant]:
            self.model[account.pk] = [0, 0, 0]
            self.kinds[account.pk] = account.kind
        for account in self.system.values():
            self.model[account.pk] = [0, 0, 0]
            self.kinds[account.pk] = account.kind
        self.transfers: list[Transfer] = []
        self.reversed: set[int] = set()
        self.count = 0
        self.expiry_done: set[tuple[int, int]] = set()
        self.last_earned = {pk: state[1] for pk, state in self.model.items()}

    def teardown(self) -> None:
        try:
            # Whatever the sequence did, the ledger it leaves verifies.
            assert list(check_ledger()) == []
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # --- the model ------------------------------------------------------------------------

    def key(self, prefix: str) -> str:
        self.n += 1
        return f"prop:{prefix}:{self.n}"

    def issuer(self, community: Region) -> Account:
        return self.system[(community.pk, K.ISSUER)]

    def refusal(self, debit: Account, amount: int) -> str | None:
        """The code the domain must refuse a movement with: a row account cannot pay."""
        if self.kinds[debit.pk] in ROW_KINDS and self.model[debit.pk][0] < amount:
            return "insufficient_points"
        return None

    def apply(self, transfer: Transfer) -> None:
        """Book a transfer the ledger posted into the model, the contract's way."""
        debit, credit, amount, kind = (
            transfer.debit_id,
            transfer.credit_id,
            transfer.amount,
            transfer.kind,
        )
        self.model[debit][0] -= amount
        self.model[credit][0] += amount
        if self.kinds[credit] in HOLDERS and kind in EARNING and self.kinds[debit] == K.ISSUER:
            self.model[credit][1] += amount
        if kind == T.REDEMPTION:
            self.model[debit][2] += amount
        if kind == T.REFUND:
            self.model[credit][2] -= amount
        if transfer.reverses_id is not None:
            self.reversed.add(transfer.reverses_id)
        self.transfers.append(transfer)
        self.count += 1

    def attempt(
        self, debit: Account, credit: Account, amount: int, kind: str, action: Callable
    ) -> None:
        """Run ``action`` (which posts debit -> credit) and check it against the model."""
        code = self.refusal(debit, amount)
        if code is not None:
            with refused(code):
                action()
            return
        transfer = action()
        assert (transfer.debit_id, transfer.credit_id, transfer.amount, transfer.kind) == (
            debit.pk,
            credit.pk,
            amount,
            kind,
        )
        self.apply(transfer)
        event(f"posted: {kind}")

    # --- operations ---------------------------------------------------------------------

    @initialize(amounts=st.lists(st.integers(0, 200), min_size=4, max_size=4))
    def fund(self, amounts: list[int]) -> None:
        """Start most holders with some points, so spending is tried with money in hand."""
        for holder, amount in zip(self.holders, amounts, strict=False):
            if amount:
                issuer = self.issuer(holder.community)
                self.attempt(
                    issuer,
                    holder.account,
                    amount,
                    T.AWARD,
                    lambda h=holder, i=issuer, a=amount: post(
                        Posting(
                            debit=i, credit=h.account, amount=a, kind=T.AWARD, key=self.key("f")
                        )
                    ),
                )

    @rule(
        who=st.integers(0, 3),
        amount=st.integers(1, 100),
        kind=st.sampled_from([T.AWARD, T.BONUS]),
    )
    def award(self, who: int, amount: int, kind: str) -> None:
        holder = self.holders[who % len(self.holders)]
        issuer = self.issuer(holder.community)
        key = self.key("award")
        if holder.person is not None:

            def action() -> Transfer:
                return services.award_points(
                    person=holder.person, amount=amount, key=key, actor=None, kind=kind
                )
        else:

            def action() -> Transfer:
                return post(
                    Posting(debit=issuer, credit=holder.account, amount=amount, kind=kind, key=key)
                )

        self.attempt(issuer, holder.account, amount, kind, action)

    @rule(
        items=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 40)), min_size=1, max_size=8),
        chunk_size=st.sampled_from([1, 3, 2000]),
        replay=st.booleans(),
    )
    def bulk_award(self, items: list[tuple[int, int]], chunk_size: int, replay: bool) -> None:
        postings = []
        for who, amount in items:
            holder = self.holders[who % len(self.holders)]
            postings.append(
                Posting(
                    debit=self.issuer(holder.community),
                    credit=holder.account,
                    amount=amount,
                    kind=T.AWARD,
                    key=self.key("bulk"),
                )
            )
        fresh = list(postings)
        # A key repeated in the stream, and one already in the ledger, are skipped.
        postings.append(postings[0])
        earlier = [t for t in self.transfers if t.kind == T.AWARD]
        if replay and earlier:
            old = earlier[0]
            postings.insert(
                0,
                Posting(
                    debit=old.debit,
                    credit=old.credit,
                    amount=old.amount,
                    kind=T.AWARD,
                    key=old.idempotency_key,
                ),
            )
        with transaction.atomic():
            posted = post_many(iter(postings), chunk_size=chunk_size)
        assert posted == len(fresh)
        stored = {
            t.idempotency_key: t
            for t in Transfer.objects.filter(idempotency_key__in=[p.key for p in fresh])
        }
        assert len(stored) == len(fresh)
        for posting in fresh:
            self.apply(stored[posting.key])

    @rule(
        who=st.integers(0, 3),
        amount=st.one_of(st.integers(1, 40), st.none(), st.integers(41, 300)),
        at_merchant=st.booleans(),
    )
    def redeem(self, who: int, amount: int | None, at_merchant: bool) -> None:
        """``amount`` None spends everything the holder has (or 1 when they have nothing)."""
        holder = self.holders[who % len(self.holders)]
        if amount is None:
            amount = self.model[holder.account.pk][0] or 1
        sink = self.merchant if at_merchant else self.system[(holder.community.pk, K.SHOP)]
        key = self.key("redeem")

        def action() -> Transfer:
            return post(
                Posting(
                    debit=holder.account,
                    credit=sink,
                    amount=amount,
                    kind=T.REDEMPTION,
                    key=key,
                )
            )

        self.attempt(holder.account, sink, amount, T.REDEMPTION, action)

    @precondition(lambda self: self.transfers)
    @rule(
        pick=st.integers(0, 10_000),
        kind=st.sampled_from([None, T.REDEMPTION, T.AWARD, T.BONUS, T.ADJUSTMENT, T.EXPIRY]),
    )
    def reverse(self, pick: int, kind: str | None) -> None:
        """Reverse (or refund) an earlier transfer of ``kind``, or of any kind when None."""
        candidates = [t for t in self.transfers if kind is None or t.kind == kind]
        original = (candidates or self.transfers)[pick % len(candidates or self.transfers)]
        before = self.count

        def action() -> Transfer:
            return services.reverse_transfer(
                transfer=original, actor=self.world.staff, reason="property test"
            )

        if original.kind in (T.REVERSAL, T.REFUND, T.SETTLEMENT):
            with refused("not_reversible"):
                action()
        elif original.pk in self.reversed:
            with refused("already_reversed"):
                action()
        else:
            kind = T.REFUND if original.kind == T.REDEMPTION else T.REVERSAL
            self.attempt(original.credit, original.debit, original.amount, kind, action)
            if self.count > before:
                assert self.transfers[-1].reverses_id == original.pk

    @rule(
        who=st.integers(0, 3),
        amount=st.integers(-80, 80).filter(bool),
        pair=st.integers(0, 2),
        try_self_approval=st.booleans(),
    )
    def adjust(self, who: int, amount: int, pair: int, try_self_approval: bool) -> None:
        people = [h for h in self.holders if h.person is not None]
        holder = people[who % len(people)]
        requester, approver = holder.staff[pair % len(holder.staff)]
        adjustment = services.request_adjustment(
            actor=requester, person=holder.person, amount=amount, reason="property test"
        )
        if try_self_approval:
            with refused("self_review"):
                services.approve_adjustment(actor=requester, adjustment=adjustment)
        issuer = self.issuer(holder.community)
        debit, credit = (issuer, holder.account) if amount > 0 else (holder.account, issuer)

        def action() -> Transfer:
            decided = services.approve_adjustment(actor=approver, adjustment=adjustment)
            assert decided.status == "posted"
            return decided.transfer

        self.attempt(debit, credit, abs(amount), T.ADJUSTMENT, action)
        adjustment.refresh_from_db()
        assert adjustment.status == ("posted" if adjustment.transfer_id else "pending")

    @rule(offset=st.integers(-1, 2), in_wenchang=st.booleans())
    def expire(self, offset: int, in_wenchang: bool) -> None:
        """Only 文昌 has expiry (1 year). Every transfer here is made now, so a year that
        has not begun yet expires everything its holders still have, any other nothing."""
        community = self.wenchang if in_wenchang else self.jinyue
        year = self.this_year + offset
        posted = settlement.run_job(
            community, "expiry", str(year), settlement.expiry_postings(community, year)
        )
        if (community.pk, year) in self.expiry_done:
            assert posted is None
            return
        self.expiry_done.add((community.pk, year))
        due = []
        if in_wenchang and year > self.this_year:
            due = [
                h.account.pk
                for h in self.holders
                if h.community.pk == community.pk and self.model[h.account.pk][0] > 0
            ]
        assert posted == len(due)
        for transfer in Transfer.objects.filter(
            kind=T.EXPIRY, period=f"{year}-12", region=community
        ).order_by("pk"):
            assert transfer.amount == self.model[transfer.debit_id][0]
            assert transfer.credit_id == self.system[(community.pk, K.EXPIRY)].pk
            self.apply(transfer)
        assert all(self.model[pk][0] == 0 for pk in due)

    @precondition(lambda self: self.model[self.merchant.pk][0] > 0)
    @rule(amount=st.one_of(st.none(), st.integers(1, 40), st.integers(41, 300)))
    def settle_merchant(self, amount: int | None) -> None:
        """The community settles what the merchant took (None: all of it), in money."""
        if amount is None:
            amount = self.model[self.merchant.pk][0]
        sink = self.system[(self.wenchang.pk, K.SETTLEMENT)]
        key = self.key("settle")

        def action() -> Transfer:
            return post(
                Posting(debit=self.merchant, credit=sink, amount=amount, kind=T.SETTLEMENT, key=key)
            )

        self.attempt(self.merchant, sink, amount, T.SETTLEMENT, action)

    @precondition(lambda self: self.transfers)
    @rule(pick=st.integers(0, 10_000), change=st.booleans())
    def replay(self, pick: int, change: bool) -> None:
        """The same key again moves nothing; with other inputs it is refused."""
        original = self.transfers[pick % len(self.transfers)]
        posting = Posting(
            debit=original.debit,
            credit=original.credit,
            amount=original.amount + (1 if change else 0),
            kind=original.kind,
            key=original.idempotency_key,
            rule_version=original.rule_version,
            source_type=original.source_type,
            source_id=original.source_id,
            period=original.period,
            service_date=original.service_date,
            reverses=original.reverses,
        )
        if change:
            with refused("idempotency_conflict"):
                post(posting)
        else:
            assert post(posting).pk == original.pk

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def verify_finds_nothing(self) -> None:
        """``jifen verify`` every few steps (and after the last, in teardown); the check
        below holds the stored figures to the model after every step."""
        self.steps += 1
        if self.steps % 4 == 0:
            assert list(check_ledger()) == []

    @invariant()
    def balances_hold_and_equal_the_model(self) -> None:
        rows = list(Account.objects.values_list("pk", "kind", "balance", "earned", "spent"))
        slots = dict(
            SystemSlot.objects.values("account_id")
            .annotate(total=Sum("balance"))
            .values_list("account_id", "total")
        )
        # No holder or merchant below 0; every balance, rows and slots, sums to 0.
        assert all(balance >= 0 for _pk, kind, balance, _e, _s in rows if kind in ROW_KINDS)
        assert sum(balance for _pk, _k, balance, _e, _s in rows) + sum(slots.values()) == 0
        # Earned never falls, for any account.
        earned = {pk: e for pk, _k, _b, e, _s in rows}
        assert all(earned[pk] >= value for pk, value in self.last_earned.items())
        self.last_earned = earned
        # The stored figures are the model's, and the ledger holds the transfers it expects.
        stored = {
            pk: [slots.get(pk, 0), 0, 0] if kind not in ROW_KINDS else [b, e, s]
            for pk, kind, b, e, s in rows
            if pk in self.model
        }
        assert stored == self.model
        assert Transfer.objects.count() == self.count


def test_the_ledger_keeps_its_invariants_under_any_sequence_of_operations(world: World) -> None:
    wenchang_staff = (
        (world.staff, world.town_admin),
        (world.town_admin, world.county_admin),
        (world.county_admin, world.staff),
    )
    jinyue_staff = ((world.town_admin, world.county_admin),)
    org = Organization.objects.create(region=world.wenchang, name="文昌派出所")
    # The accounts are made once; each example rolls back only what it posted.
    holders = [
        Holder(account_for(world.resident), world.resident, world.wenchang, wenchang_staff),
        Holder(
            account_for(p := make_person(world.wenchang, "郑秀兰")),
            p,
            world.wenchang,
            wenchang_staff,
        ),
        Holder(account_for(world.neighbour), world.neighbour, world.jinyue, jinyue_staff),
        Holder(account_for(org), None, world.wenchang, ()),
    ]
    LedgerMachine.cast = {
        "world": world,
        "holders": holders,
        "merchant": account_for(Merchant.objects.create(region=world.wenchang, name="苏记理发")),
        "system": {
            (community.pk, kind): system_account(community, kind)
            for community in (world.wenchang, world.jinyue)
            for kind in (K.ISSUER, K.SHOP, K.EXPIRY, K.SETTLEMENT)
        },
    }
    CommunityPolicy.objects.create(region=world.wenchang, expiry_years=1)
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
