"""A hostile insider against the two-reviewer cross-check (issue 12, §2), through the API.

A claim worth the community's cross-check threshold (50 points by default) needs two
approvals by two reviewers. An appeal is decided by one reviewer who did not review the
claim — and upholding it posted the points at once: a one-hour claim (10 points, one
approval) rejected by an honest reviewer, then appealed, was upheld by a single reviewer
with "quantity": 24 — 240 points on one person's word; an approved claim contested
"on the points" was topped up the same way. An appeal decision may post alone only what
one reviewer may approve alone.
"""

import pytest

from jifen.claims.models import Claim, Status
from jifen.points.selectors import balance_of
from tests.api.conftest import assert_error


@pytest.fixture
def small(declare):
    """One hour of basic service: 10 points, one approval."""
    claim = declare(quantity=1)
    assert claim.approvals_needed == 1
    return claim


def _decide(api, reviewer, claim, **body):
    return api(reviewer).post(
        f"/claims/{claim.pk}/appeal/decide", {"uphold": True, "note": "核实", **body}
    )


def test_an_upheld_appeal_that_makes_a_claim_large_waits_for_a_second_reviewer(
    api, world, small, second_reviewer
) -> None:
    third = second_reviewer.__class__.objects.get(pk=second_reviewer.pk)
    r = api(world.reviewer).post(f"/claims/{small.pk}/reject", {"reason": "照片看不清"})
    assert r.status_code == 200, r.content
    r = api(world.resident).post(f"/claims/{small.pk}/appeal", {"reason": "其实是二十四小时"})
    assert r.status_code == 201, r.content
    r = _decide(api, third, small, quantity="24")
    assert r.status_code == 200, r.content
    claim = Claim.objects.get(pk=small.pk)
    # Not posted on one reviewer's word: back in the queue, needing two approvals.
    assert balance_of(world.resident).balance == 0
    assert (claim.status, claim.approvals_needed, claim.points) == (Status.PENDING, 2, 240)
    # The reviewer who upheld it counted once; they do not approve it a second time.
    assert_error(api(third).post(f"/claims/{small.pk}/approve"), 409, "already_reviewed")


def test_a_second_reviewer_then_approves_and_the_points_post_once(
    api, world, small, second_reviewer
) -> None:
    from jifen.people.models import Role, RoleGrant
    from tests.conftest import make_person

    fourth = make_person(world.wenchang, "吴再审")
    RoleGrant.objects.create(person=fourth, role=Role.REVIEWER, region=world.wenchang)
    api(world.reviewer).post(f"/claims/{small.pk}/reject", {"reason": "照片看不清"})
    api(world.resident).post(f"/claims/{small.pk}/appeal", {"reason": "其实是二十四小时"})
    assert _decide(api, second_reviewer, small, quantity="24").status_code == 200
    r = api(fourth).post(f"/claims/{small.pk}/approve")
    assert r.status_code == 200, r.content
    assert Claim.objects.get(pk=small.pk).status == Status.APPROVED
    assert balance_of(world.resident).balance == 240


def test_a_small_upheld_appeal_still_posts_at_once(api, world, small, second_reviewer) -> None:
    api(world.reviewer).post(f"/claims/{small.pk}/reject", {"reason": "照片看不清"})
    api(world.resident).post(f"/claims/{small.pk}/appeal", {"reason": "照片补上了"})
    assert _decide(api, second_reviewer, small).status_code == 200
    assert Claim.objects.get(pk=small.pk).status == Status.APPROVED
    assert balance_of(world.resident).balance == 10


def test_one_reviewer_does_not_top_up_an_approved_claim_past_the_cross_check(
    api, world, small, second_reviewer
) -> None:
    assert api(world.reviewer).post(f"/claims/{small.pk}/approve").status_code == 200
    assert balance_of(world.resident).balance == 10
    api(world.resident).post(f"/claims/{small.pk}/appeal", {"reason": "其实是二十四小时"})
    r = _decide(api, second_reviewer, small, quantity="24")
    assert_error(r, 409, "cross_check_required")
    assert balance_of(world.resident).balance == 10
    assert Claim.objects.get(pk=small.pk).points == 10


def test_a_small_top_up_by_one_reviewer_still_posts(api, world, small, second_reviewer) -> None:
    assert api(world.reviewer).post(f"/claims/{small.pk}/approve").status_code == 200
    api(world.resident).post(f"/claims/{small.pk}/appeal", {"reason": "其实是两小时"})
    assert _decide(api, second_reviewer, small, quantity="2").status_code == 200
    assert balance_of(world.resident).balance == 20
