from jifen.claims import services
from jifen.claims.models import Status
from jifen.points.selectors import balance_of


def test_declare_approve_posts(world, declare, second_reviewer, outbox):
    claim = declare()
    assert claim.points == 20 and claim.approvals_needed == 1
    claim = services.approve_claim(claim=claim, reviewer=world.reviewer)
    assert claim.status == Status.APPROVED
    assert balance_of(world.resident).balance == 20


def test_big_claim_needs_two(world, declare, items, second_reviewer):
    claim = declare(item=items.skilled, quantity=3)
    assert claim.points == 60 and claim.approvals_needed == 2
    claim = services.approve_claim(claim=claim, reviewer=world.reviewer)
    assert claim.status == Status.PENDING
    claim = services.approve_claim(claim=claim, reviewer=second_reviewer)
    assert claim.status == Status.APPROVED
    assert balance_of(world.resident).balance == 60
