"""Reviewing claims: the approval that posts, cross-check, who may not review, rejection,
batches, the referral bonus and the claim's history."""

import pytest

from jifen.audit.models import AuditEvent
from jifen.claims import selectors, services
from jifen.claims.models import Claim, Decision, Review, Status
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.people.models import (
    Household,
    Organization,
    OrganizationMember,
    Person,
    Proxy,
    Role,
    RoleGrant,
)
from jifen.points.ledger import account_for
from jifen.points.models import Transfer, TransferKind
from jifen.points.selectors import Balance, balance_of
from jifen.points.verify import check_ledger
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

T = TransferKind


def postings_of(claim: Claim):
    return Transfer.objects.filter(source_type="claim", source_id=claim.pk)


def reviewer_in(region, name: str = "外审核") -> Person:
    person = make_person(region, name)
    RoleGrant.objects.create(person=person, role=Role.REVIEWER, region=region)
    return person


# --- Approval -----------------------------------------------------------------------------------


def test_the_approval_posts_the_claims_points_once(world, declare, items):
    claim = declare(quantity="2.5")
    claim = services.approve_claim(claim=claim, reviewer=world.reviewer)
    assert claim.status == Status.APPROVED and claim.decided_at is not None
    transfer = postings_of(claim).get()
    assert claim.transfer == transfer
    assert transfer.kind == T.AWARD
    assert transfer.amount == 25
    assert transfer.idempotency_key == f"claim:{claim.pk}"
    assert transfer.rule_version == claim.rule_version == items.basic.versions.get()
    assert transfer.service_date == claim.occurred_on
    assert transfer.credit == account_for(world.resident)
    assert transfer.created_by == world.reviewer
    assert balance_of(world.resident) == Balance(25, 25, 0)
    assert list(Review.objects.filter(claim=claim).values_list("reviewer", "decision")) == [
        (world.reviewer.pk, Decision.APPROVE)
    ]
    assert list(check_ledger()) == []


def test_a_claim_worth_50_needs_two_different_reviewers(world, declare, second_reviewer):
    claim = declare(quantity=5)
    assert claim.approvals_needed == 2
    claim = services.approve_claim(claim=claim, reviewer=world.reviewer)
    assert claim.status == Status.PENDING and claim.transfer is None
    assert not postings_of(claim).exists()
    assert balance_of(world.resident).balance == 0
    with pytest.raises(Conflict, match="^already_reviewed$"):
        services.approve_claim(claim=claim, reviewer=world.reviewer)
    assert Review.objects.filter(claim=claim).count() == 1
    claim = services.approve_claim(claim=claim, reviewer=second_reviewer)
    assert claim.status == Status.APPROVED
    assert postings_of(claim).get().amount == 50
    assert balance_of(world.resident).balance == 50


def test_the_same_reviewer_cannot_approve_twice(world, declare, second_reviewer):
    claim = services.approve_claim(claim=declare(), reviewer=world.reviewer)
    with pytest.raises(Conflict, match="^already_reviewed$"):
        services.approve_claim(claim=claim, reviewer=world.reviewer)
    with pytest.raises(Conflict, match="^already_decided$"):
        services.approve_claim(claim=claim, reviewer=second_reviewer)
    assert postings_of(claim).count() == 1
    assert Review.objects.filter(claim=claim).count() == 1


def test_a_rejected_claim_cannot_be_approved(world, declare, second_reviewer):
    claim = services.reject_claim(claim=declare(), reviewer=world.reviewer, reason="无照片")
    with pytest.raises(Conflict, match="^already_decided$"):
        services.approve_claim(claim=claim, reviewer=second_reviewer)
    with pytest.raises(Conflict, match="^already_reviewed$"):
        services.approve_claim(claim=claim, reviewer=world.reviewer)
    with pytest.raises(Conflict, match="^already_decided$"):
        services.reject_claim(claim=claim, reviewer=second_reviewer, reason="再拒")
    claim.refresh_from_db()
    assert claim.status == Status.REJECTED and claim.reason == "无照片"
    assert not postings_of(claim).exists()


def test_a_second_reviewer_may_reject_after_the_first_approved(world, declare, second_reviewer):
    claim = services.approve_claim(claim=declare(quantity=5), reviewer=world.reviewer)
    claim = services.reject_claim(claim=claim, reviewer=second_reviewer, reason="时长不符")
    assert claim.status == Status.REJECTED
    assert not postings_of(claim).exists()


def test_an_unknown_claim_is_not_found(world):
    with pytest.raises(NotFound):
        services.approve_claim(claim=999_999, reviewer=world.reviewer)


# --- Who may not review ----------------------------------------------------------------------


def test_nobody_reviews_their_own_claim(world, declare):
    claim = declare(person=world.reviewer)
    with pytest.raises(Conflict, match="^self_review$"):
        services.approve_claim(claim=claim, reviewer=world.reviewer)
    with pytest.raises(Conflict, match="^self_review$"):
        services.reject_claim(claim=claim, reviewer=world.reviewer, reason="我自己的")
    assert not Review.objects.exists()


def test_nobody_reviews_their_households_claim(world, declare, second_reviewer):
    home = Household.objects.create(region=world.wenchang, label="江滨花园3-201")
    for person in (world.resident, world.reviewer):
        person.household = home
        person.save()
    claim = declare()
    with pytest.raises(Conflict, match="^self_review$"):
        services.approve_claim(claim=claim, reviewer=world.reviewer)
    assert not selectors.can_review(world.reviewer, claim)
    assert selectors.can_review(second_reviewer, claim)
    assert services.approve_claim(claim=claim, reviewer=second_reviewer).status == Status.APPROVED


def test_nobody_reviews_a_claim_they_entered(world, declare, second_reviewer):
    # A county administrator may both enter service and review it, but not the same claim.
    claim = declare(actor=world.county_admin, person=world.resident)
    assert claim.created_by == world.county_admin
    with pytest.raises(Conflict, match="^self_review$"):
        services.approve_claim(claim=claim, reviewer=world.county_admin)
    assert not selectors.can_review(world.county_admin, claim)
    # Nor a proxy who declared for their principal and happens to sit on the group.
    Proxy.objects.create(
        principal=world.resident,
        agent=second_reviewer,
        relation="儿子",
        region=world.wenchang,
        created_by=world.staff,
    )
    by_proxy = declare(actor=second_reviewer, person=world.resident)
    with pytest.raises(Conflict, match="^self_review$"):
        services.approve_claim(claim=by_proxy, reviewer=second_reviewer)


def test_no_member_reviews_their_organisations_claim(world, declare, second_reviewer):
    org = Organization.objects.create(region=world.wenchang, name="文昌卫生院")
    member = make_person(world.wenchang, "医生甲")
    for person in (member, world.reviewer):
        OrganizationMember.objects.create(
            organization=org, person=person, is_contact=person == member
        )
    claim = declare(actor=member, person=member, organization=org)
    with pytest.raises(Conflict, match="^self_review$"):
        services.approve_claim(claim=claim, reviewer=world.reviewer)
    with pytest.raises(Conflict, match="^self_review$"):
        services.reject_claim(claim=claim, reviewer=world.reviewer, reason="x")
    claim = services.approve_claim(claim=claim, reviewer=second_reviewer)
    assert account_for(org).balance == 20


def test_a_reviewer_of_another_community_may_not(world, declare):
    outsider = reviewer_in(world.wanmei)
    claim = declare()
    with pytest.raises(PermissionDenied):
        services.approve_claim(claim=claim, reviewer=outsider)
    with pytest.raises(PermissionDenied):
        services.reject_claim(claim=claim, reviewer=outsider, reason="x")
    assert not selectors.can_review(outsider, claim)


def test_staff_who_are_not_reviewers_may_not(world, declare):
    claim = declare()
    for person in (world.staff, world.merchant, world.kiosk, world.neighbour):
        with pytest.raises(PermissionDenied):
            services.approve_claim(claim=claim, reviewer=person)
    assert not Review.objects.exists()
    # An administrator over the town reviews.
    claim = services.approve_claim(claim=claim, reviewer=world.town_admin)
    assert claim.status == Status.APPROVED


# --- Rejection -----------------------------------------------------------------------------------


def test_a_rejection_needs_a_reason_the_volunteer_sees(world, declare, outbox):
    claim = declare()
    for reason in ("", "   ", None):
        with pytest.raises(InvalidInput) as caught:
            services.reject_claim(claim=claim, reviewer=world.reviewer, reason=reason)
        assert caught.value.field == "reason"
    assert not Review.objects.exists()
    claim = services.reject_claim(claim=claim, reviewer=world.reviewer, reason=" 无现场照片 ")
    assert claim.status == Status.REJECTED
    seen = selectors.get_claim_for(world.resident, claim.pk)
    assert seen.reason == "无现场照片"
    assert not postings_of(claim).exists()


def test_the_volunteer_hears_of_the_decision_after_the_commit(
    world, declare, outbox, django_capture_on_commit_callbacks
):
    claim = declare()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.reject_claim(claim=claim, reviewer=world.reviewer, reason="时长不符")
    assert outbox == []  # nothing is sent before the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()
    [message] = outbox
    assert message.person == world.resident
    assert str(claim.pk) in message.subject
    assert "时长不符" in message.body

    outbox.clear()
    other = declare()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_claim(claim=other, reviewer=world.reviewer)
    [message] = outbox
    assert message.person == world.resident and "20" in message.body


def test_no_message_until_the_last_approval(
    world, declare, second_reviewer, outbox, django_capture_on_commit_callbacks
):
    claim = declare(quantity=5)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_claim(claim=claim, reviewer=world.reviewer)
    assert outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_claim(claim=claim, reviewer=second_reviewer)
    assert len(outbox) == 1


# --- Batch ----------------------------------------------------------------------------------------


def test_a_batch_approves_what_it_may_and_says_why_not_for_the_rest(
    world, declare, second_reviewer
):
    fine = [declare(), declare(quantity=1)]
    own = declare(person=world.reviewer)
    done = services.reject_claim(claim=declare(), reviewer=second_reviewer, reason="重复申报")
    big = declare(quantity=6)
    ids = [c.pk for c in (*fine, own, done, big)] + [fine[0].pk, 999_999]
    result = services.approve_claims(claim_ids=ids, reviewer=world.reviewer)
    assert [c.pk for c in result.approved] == [fine[0].pk, fine[1].pk, big.pk]
    assert [pk for pk, _message in result.refused] == [own.pk, done.pk, 999_999]
    assert all(isinstance(message, str) and message for _pk, message in result.refused)
    assert [c.status for c in result.approved] == [Status.APPROVED, Status.APPROVED, Status.PENDING]
    assert balance_of(world.resident).balance == 30
    assert Claim.objects.get(pk=own.pk).status == Status.PENDING


# --- Referral -------------------------------------------------------------------------------------


def test_a_newcomers_first_approved_claim_brings_the_referrer_10_points_once(world, declare):
    newcomer = make_person(world.wenchang, "新来的", referrer=world.resident)
    first = declare(person=newcomer)
    second = declare(person=newcomer, quantity=1)
    services.reject_claim(claim=declare(person=newcomer), reviewer=world.reviewer, reason="x")
    assert balance_of(world.resident).balance == 0  # a rejection brings nothing

    services.approve_claim(claim=first, reviewer=world.reviewer)
    bonus = Transfer.objects.get(kind=T.BONUS)
    assert (bonus.amount, bonus.credit, bonus.idempotency_key) == (
        10,
        account_for(world.resident),
        f"bonus:referral:{newcomer.pk}",
    )
    assert balance_of(world.resident) == Balance(10, 10, 0)
    assert balance_of(newcomer).balance == 20

    services.approve_claim(claim=second, reviewer=world.reviewer)
    assert Transfer.objects.filter(kind=T.BONUS).count() == 1
    assert balance_of(world.resident).balance == 10
    assert balance_of(newcomer).balance == 30
    assert list(check_ledger()) == []


def test_no_referral_bonus_without_a_referrer(world, declare):
    services.approve_claim(claim=declare(), reviewer=world.reviewer)
    assert not Transfer.objects.filter(kind=T.BONUS).exists()


# --- History --------------------------------------------------------------------------------------


def test_the_history_lists_what_happened_in_order(world, declare, second_reviewer):
    claim = declare(quantity=5)
    services.approve_claim(claim=claim, reviewer=world.reviewer)
    services.approve_claim(claim=claim, reviewer=second_reviewer)
    events = list(selectors.history(claim))
    assert [(e.action, e.actor) for e in events] == [
        ("claims.claim.create", world.resident),
        ("claims.claim.approve", world.reviewer),
        ("claims.claim.approve", second_reviewer),
    ]
    assert [e.after["posted"] for e in events[1:]] == [0, 50]
    claim.refresh_from_db()
    assert events[2].after["transfer"] == claim.transfer_id
    # Only this claim's events.
    other = declare()
    assert [e.action for e in selectors.history(other)] == ["claims.claim.create"]
    assert AuditEvent.objects.filter(target_type="claims.claim").count() == 4


def test_the_queue_counts_each_approval_once_whatever_the_photos(
    world, declare, second_reviewer, media
):
    from tests.claims.test_photos import jpeg_upload

    claim = declare(quantity=5, photos=[jpeg_upload(), jpeg_upload()])
    services.approve_claim(claim=claim, reviewer=world.reviewer)
    [row] = selectors.review_queue(second_reviewer)
    assert (row.pk, row.approvals, row.photo_count) == (claim.pk, 1, 2)
    assert list(selectors.review_queue(second_reviewer, status=Status.APPROVED)) == []
