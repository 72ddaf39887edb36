"""申诉 and revocation: an appeal decided by another reviewer, within its window, once;
a revoked claim reversed, never below zero; the ledger verifies after all of it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.claims import selectors, services
from jifen.claims.models import Appeal, AppealStatus, Claim, Status
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.people.models import Proxy
from jifen.points.ledger import account_for
from jifen.points.models import CommunityPolicy, Transfer, TransferKind
from jifen.points.selectors import balance_of
from jifen.points.verify import check_ledger
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

T = TransferKind


def postings_of(claim: Claim):
    return Transfer.objects.filter(source_type="claim", source_id=claim.pk).order_by("pk")


def verified() -> bool:
    problems = list(check_ledger())
    assert problems == []
    return True


@pytest.fixture
def rejected(world, declare) -> Claim:
    return services.reject_claim(claim=declare(), reviewer=world.reviewer, reason="没有照片")


@pytest.fixture
def approved(world, declare) -> Claim:
    return services.approve_claim(claim=declare(), reviewer=world.reviewer)


# --- Appeal of a rejection ------------------------------------------------------------------


def test_an_upheld_appeal_of_a_rejection_approves_and_posts(
    world, rejected, second_reviewer, outbox, django_capture_on_commit_callbacks
):
    appeal = services.appeal_claim(claim=rejected, actor=world.resident, reason="照片补上了")
    assert (appeal.status, appeal.filed_by) == (AppealStatus.OPEN, world.resident)
    assert not postings_of(rejected).exists()

    # The reviewer who rejected it may not decide the appeal.
    with pytest.raises(Conflict, match="^already_reviewed$"):
        services.decide_appeal(claim=rejected, reviewer=world.reviewer, uphold=True, note="好")
    with pytest.raises(InvalidInput) as caught:
        services.decide_appeal(claim=rejected, reviewer=second_reviewer, uphold=True, note=" ")
    assert caught.value.field == "note"

    with django_capture_on_commit_callbacks(execute=True):
        appeal = services.decide_appeal(
            claim=rejected, reviewer=second_reviewer, uphold=True, note="照片可见，予以认定"
        )
    assert (appeal.status, appeal.decided_by) == (AppealStatus.UPHELD, second_reviewer)
    claim = Claim.objects.get(pk=rejected.pk)
    assert (claim.status, claim.reason) == (Status.APPROVED, "")
    [transfer] = postings_of(claim)
    assert claim.transfer == transfer
    assert (transfer.kind, transfer.amount, transfer.idempotency_key) == (
        T.AWARD,
        20,
        f"claim:{claim.pk}",
    )
    assert balance_of(world.resident).balance == 20
    # Decided once.
    with pytest.raises(Conflict, match="^already_decided$"):
        services.decide_appeal(claim=claim, reviewer=second_reviewer, uphold=True, note="再")
    assert postings_of(claim).count() == 1
    actions = [e.action for e in selectors.history(claim)]
    assert actions == [
        "claims.claim.create",
        "claims.claim.reject",
        "claims.claim.appeal",
        "claims.appeal.uphold",
    ]
    assert verified()


def test_an_upheld_appeal_may_correct_the_quantity(world, rejected, second_reviewer):
    services.appeal_claim(claim=rejected, actor=world.resident, reason="其实是三小时")
    services.decide_appeal(
        claim=rejected, reviewer=second_reviewer, uphold=True, note="核实三小时", quantity=3
    )
    claim = Claim.objects.get(pk=rejected.pk)
    assert (claim.quantity, claim.points, claim.status) == (Decimal(3), 30, Status.APPROVED)
    assert postings_of(claim).get().amount == 30


def test_a_dismissed_appeal_changes_nothing(world, rejected, second_reviewer):
    services.appeal_claim(claim=rejected, actor=world.resident, reason="不服")
    appeal = services.decide_appeal(
        claim=rejected, reviewer=second_reviewer, uphold=False, note="维持原决定"
    )
    assert appeal.status == AppealStatus.DISMISSED and appeal.note == "维持原决定"
    claim = Claim.objects.get(pk=rejected.pk)
    assert claim.status == Status.REJECTED
    assert not Transfer.objects.exists()
    assert AuditEvent.objects.filter(action="claims.appeal.dismiss", target_id=claim.pk).exists()


def test_only_the_claimant_or_their_proxy_appeals(world, rejected):
    for person in (world.neighbour, world.staff, world.reviewer):
        with pytest.raises(PermissionDenied):
            services.appeal_claim(claim=rejected, actor=person, reason="代为申诉")
    daughter = make_person(world.wenchang, "王小红")
    Proxy.objects.create(
        principal=world.resident,
        agent=daughter,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    services.appeal_claim(claim=rejected, actor=daughter, reason="我替母亲申诉")
    event = AuditEvent.objects.get(action="claims.claim.appeal")
    assert (event.actor, event.on_behalf_of) == (daughter, world.resident)


def test_an_appeal_needs_a_reason(world, rejected):
    for reason in ("", "  ", "长" * 501):
        with pytest.raises(InvalidInput) as caught:
            services.appeal_claim(claim=rejected, actor=world.resident, reason=reason)
        assert caught.value.field == "reason"
    assert not Appeal.objects.exists()


def test_a_pending_claim_cannot_be_appealed(world, declare):
    with pytest.raises(Conflict, match="^not_appealable$"):
        services.appeal_claim(claim=declare(), actor=world.resident, reason="快点审")


def test_the_appeal_window_closes_after_appeal_days(world, rejected):
    days = 30  # the default
    Claim.objects.filter(pk=rejected.pk).update(
        decided_at=timezone.now() - timedelta(days=days, minutes=1)
    )
    with pytest.raises(Conflict, match="^appeal_window_closed$"):
        services.appeal_claim(claim=rejected, actor=world.resident, reason="晚了")
    assert not Appeal.objects.exists()
    # The community's own window.
    CommunityPolicy.objects.create(region=world.wenchang, appeal_days=60)
    assert services.appeal_claim(claim=rejected, actor=world.resident, reason="还来得及").pk


def test_just_inside_the_window_is_fine(world, rejected):
    Claim.objects.filter(pk=rejected.pk).update(
        decided_at=timezone.now() - timedelta(days=30) + timedelta(minutes=1)
    )
    assert services.appeal_claim(claim=rejected, actor=world.resident, reason="赶上了").pk


def test_a_claim_is_appealed_once(world, rejected, second_reviewer):
    services.appeal_claim(claim=rejected, actor=world.resident, reason="不服")
    with pytest.raises(Conflict, match="^already_appealed$"):
        services.appeal_claim(claim=rejected, actor=world.resident, reason="再申诉")
    services.decide_appeal(claim=rejected, reviewer=second_reviewer, uphold=False, note="维持")
    with pytest.raises(Conflict, match="^already_appealed$"):
        services.appeal_claim(claim=rejected, actor=world.resident, reason="第三次")
    assert Appeal.objects.count() == 1


def test_an_appeal_is_decided_by_a_reviewer_of_the_community_not_the_claimant(
    world, declare, second_reviewer
):
    own = services.reject_claim(
        claim=declare(person=second_reviewer), reviewer=world.reviewer, reason="x"
    )
    services.appeal_claim(claim=own, actor=second_reviewer, reason="不服")
    with pytest.raises(Conflict, match="^self_review$"):
        services.decide_appeal(claim=own, reviewer=second_reviewer, uphold=True, note="我自己")
    with pytest.raises(PermissionDenied):
        services.decide_appeal(claim=own, reviewer=world.staff, uphold=True, note="员工")
    assert Claim.objects.get(pk=own.pk).status == Status.REJECTED


def test_deciding_a_claim_without_an_appeal_is_not_found(world, rejected, second_reviewer):
    with pytest.raises(NotFound):
        services.decide_appeal(claim=rejected, reviewer=second_reviewer, uphold=True, note="?")


# --- Appeal of the points ---------------------------------------------------------------------


def test_an_upheld_appeal_on_the_points_posts_the_difference_once(world, approved, second_reviewer):
    services.appeal_claim(claim=approved, actor=world.resident, reason="实际服务三个半小时")
    with pytest.raises(Conflict, match="^already_reviewed$"):
        services.decide_appeal(
            claim=approved, reviewer=world.reviewer, uphold=True, note="x", quantity="3.5"
        )
    for quantity in (None, "2", "1.5", "3.3"):  # not larger, or not a half hour
        with pytest.raises(InvalidInput) as caught:
            services.decide_appeal(
                claim=approved, reviewer=second_reviewer, uphold=True, note="x", quantity=quantity
            )
        assert caught.value.field == "quantity"
    appeal = services.decide_appeal(
        claim=approved, reviewer=second_reviewer, uphold=True, note="核实", quantity="3.5"
    )
    assert (appeal.quantity, appeal.points_added) == (Decimal("3.5"), 15)
    claim = Claim.objects.get(pk=approved.pk)
    assert (claim.status, claim.quantity, claim.points) == (Status.APPROVED, Decimal("3.5"), 35)
    original, top_up = postings_of(claim)
    assert (original.amount, original.idempotency_key) == (20, f"claim:{claim.pk}")
    assert (top_up.amount, top_up.kind, top_up.idempotency_key) == (
        15,
        T.AWARD,
        f"claim:{claim.pk}:appeal",
    )
    assert appeal.transfer == top_up and claim.transfer == original
    assert top_up.rule_version == claim.rule_version
    assert top_up.service_date == claim.occurred_on
    with pytest.raises(Conflict, match="^already_decided$"):
        services.decide_appeal(
            claim=claim, reviewer=second_reviewer, uphold=True, note="x", quantity="5"
        )
    assert postings_of(claim).count() == 2
    assert balance_of(world.resident).balance == 35
    assert verified()


def test_a_dismissed_appeal_on_the_points_posts_nothing(world, approved, second_reviewer):
    services.appeal_claim(claim=approved, actor=world.resident, reason="分太少")
    services.decide_appeal(claim=approved, reviewer=second_reviewer, uphold=False, note="维持")
    claim = Claim.objects.get(pk=approved.pk)
    assert (claim.status, claim.points) == (Status.APPROVED, 20)
    assert postings_of(claim).count() == 1
    assert balance_of(world.resident).balance == 20


# --- Revocation ------------------------------------------------------------------------------


def test_a_revoked_claim_is_reversed_and_the_balance_is_back(
    world, approved, second_reviewer, outbox, django_capture_on_commit_callbacks
):
    assert balance_of(world.resident).balance == 20
    with pytest.raises(InvalidInput):
        services.revoke_claim(claim=approved, actor=second_reviewer, reason=" ")
    for person in (world.staff, world.resident, world.other_staff):
        with pytest.raises(PermissionDenied):
            services.revoke_claim(claim=approved, actor=person, reason="虚报")
    with django_capture_on_commit_callbacks(execute=True):
        claim = services.revoke_claim(claim=approved, actor=second_reviewer, reason="经核实未到场")
    assert (claim.status, claim.reason) == (Status.REVOKED, "经核实未到场")
    original, reversal = postings_of(claim)
    assert reversal.kind == T.REVERSAL and reversal.reverses == original
    assert (reversal.debit, reversal.credit, reversal.amount) == (
        original.credit,
        original.debit,
        20,
    )
    assert balance_of(world.resident).balance == 0
    assert balance_of(world.resident).earned == 20  # earned never falls
    [message] = outbox
    assert message.person == world.resident and "经核实未到场" in message.body

    with pytest.raises(Conflict, match="^not_approved$"):
        services.revoke_claim(claim=claim, actor=second_reviewer, reason="再撤")
    assert postings_of(claim).count() == 2
    assert verified()


def test_only_an_approved_claim_is_revoked(world, declare, rejected, second_reviewer):
    with pytest.raises(Conflict, match="^not_approved$"):
        services.revoke_claim(claim=declare(), actor=second_reviewer, reason="x")
    with pytest.raises(Conflict, match="^not_approved$"):
        services.revoke_claim(claim=rejected, actor=second_reviewer, reason="x")


def test_revocation_also_reverses_the_appeals_top_up(world, approved, second_reviewer):
    services.appeal_claim(claim=approved, actor=world.resident, reason="少算了")
    services.decide_appeal(
        claim=approved, reviewer=second_reviewer, uphold=True, note="补", quantity=4
    )
    assert balance_of(world.resident).balance == 40
    services.revoke_claim(claim=approved, actor=second_reviewer, reason="虚报")
    transfers = list(postings_of(approved))
    assert [t.kind for t in transfers] == [T.AWARD, T.AWARD, T.REVERSAL, T.REVERSAL]
    assert {t.reverses_id for t in transfers[2:]} == {t.pk for t in transfers[:2]}
    assert balance_of(world.resident).balance == 0
    assert verified()


def test_points_already_spent_are_not_revoked(world, approved, second_reviewer, ledger):
    ledger.redeem(world.resident, 15)
    assert balance_of(world.resident).balance == 5
    before = (Transfer.objects.count(), AuditEvent.objects.count())
    with pytest.raises(Conflict, match="^points_spent$") as caught:
        services.revoke_claim(claim=approved, actor=second_reviewer, reason="虚报")
    assert "5" in caught.value.render() and "20" in caught.value.render()
    assert (Transfer.objects.count(), AuditEvent.objects.count()) == before
    claim = Claim.objects.get(pk=approved.pk)
    assert claim.status == Status.APPROVED
    assert balance_of(world.resident).balance == 5
    assert account_for(world.resident).balance >= 0
    assert verified()


def test_a_partly_spent_top_up_leaves_nothing_half_reversed(
    world, approved, second_reviewer, ledger
):
    """The first reversal would pass, the second not: neither stays."""
    services.appeal_claim(claim=approved, actor=world.resident, reason="少算了")
    services.decide_appeal(
        claim=approved, reviewer=second_reviewer, uphold=True, note="补", quantity=3
    )
    ledger.redeem(world.resident, 25)  # 30 - 25 = 5 left: the 20 cannot come back
    before = Transfer.objects.count()
    with pytest.raises(Conflict, match="^points_spent$"):
        services.revoke_claim(claim=approved, actor=second_reviewer, reason="虚报")
    assert Transfer.objects.count() == before
    assert balance_of(world.resident).balance == 5
    assert Claim.objects.get(pk=approved.pk).status == Status.APPROVED
    assert verified()


def test_an_appeal_left_open_when_the_claim_is_revoked_cannot_post(
    world, approved, second_reviewer, third_reviewer
):
    """Points contested, then the claim found false and revoked: upholding the appeal
    afterwards must not give points to a revoked claim."""
    services.appeal_claim(claim=approved, actor=world.resident, reason="少算了")
    services.revoke_claim(claim=approved, actor=second_reviewer, reason="虚报")
    with pytest.raises(Conflict, match="^not_appealable$"):
        services.decide_appeal(
            claim=approved, reviewer=third_reviewer, uphold=True, note="补", quantity=4
        )
    claim = Claim.objects.get(pk=approved.pk)
    assert (claim.status, claim.points) == (Status.REVOKED, 20)
    assert balance_of(world.resident).balance == 0
    assert [t.kind for t in postings_of(claim)] == [T.AWARD, T.REVERSAL]
    assert verified()


def test_jifen_verify_is_clean_after_all_of_it(
    world, declare, second_reviewer, third_reviewer, ledger
):
    a = services.approve_claim(claim=declare(quantity=3), reviewer=world.reviewer)
    b = services.reject_claim(claim=declare(), reviewer=world.reviewer, reason="x")
    services.appeal_claim(claim=a, actor=world.resident, reason="少了")
    services.decide_appeal(claim=a, reviewer=second_reviewer, uphold=True, note="补", quantity=4)
    services.appeal_claim(claim=b, actor=world.resident, reason="有照片")
    services.decide_appeal(claim=b, reviewer=third_reviewer, uphold=True, note="认定")
    ledger.redeem(world.resident, 10)
    services.revoke_claim(claim=b, actor=second_reviewer, reason="重复")
    assert balance_of(world.resident).balance == 30
    call_command("verify")  # exits 0 (SystemExit otherwise)
    assert verified()
