"""Declaring service: pricing, quantities, dates, items, cross-check and who may declare.

Every refusal leaves nothing behind: no claim and no audit row.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.claims import services
from jifen.claims.models import Claim, Provenance, Source, Status
from jifen.lib.errors import DomainError, InvalidInput, PermissionDenied
from jifen.people.models import Organization, OrganizationMember, Proxy
from jifen.points.models import CommunityPolicy, RuleItem
from jifen.points.services import save_rule_item
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


@contextmanager
def refused(
    kind: type[DomainError], code: str | None = None, field: str | None = None
) -> Iterator[None]:
    """The service refuses with that error (code, field) and writes nothing."""
    claims, events = Claim.objects.count(), AuditEvent.objects.count()
    with pytest.raises(kind) as caught:
        yield
    if code is not None:
        assert caught.value.code == code
    if field is not None:
        assert caught.value.field == field
    assert Claim.objects.count() == claims
    assert AuditEvent.objects.count() == events


def item_in(region, code="ODD", points=7, unit="hour", **kw) -> RuleItem:
    return save_rule_item(
        actor=None,
        region=region,
        code=code,
        name=kw.pop("name", "社区巡逻"),
        category="平安建设",
        unit=unit,
        points=points,
        **kw,
    ).item


# --- Pricing by the version in force ----------------------------------------------------------


def test_the_version_in_force_on_the_service_date_prices_the_claim(world, items, declare):
    today = timezone.localdate()
    v1 = items.basic.versions.get()
    v2 = save_rule_item(
        actor=None,
        region=world.county,
        code="BASIC",
        name="环境整治",
        category="邻里互助",
        unit="hour",
        points=15,
        effective_from=today - timedelta(days=10),
    )
    assert v2.version == 2

    before = declare(occurred_on=today - timedelta(days=11))
    on_the_day = declare(occurred_on=today - timedelta(days=10))
    after = declare(occurred_on=today - timedelta(days=3))

    assert (before.rule_version, before.points) == (v1, 20)
    assert (on_the_day.rule_version, on_the_day.points) == (v2, 30)
    assert (after.rule_version, after.points) == (v2, 30)


def test_an_items_first_version_also_prices_earlier_service(world, declare, yesterday):
    fresh = item_in(world.county, code="NEW", points=8)  # in force from today
    assert fresh.versions.get().effective_from == timezone.localdate()
    claim = declare(item=fresh, occurred_on=yesterday - timedelta(days=30))
    assert claim.rule_version == fresh.versions.get()
    assert claim.points == 16


# --- Quantities ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "points"),
    [(2, 20), ("0.5", 5), (Decimal("1.5"), 15), (" 3 ", 30), (24, 240), ("2.50", 25), (4.0, 40)],
)
def test_hours_count_in_half_hours(declare, quantity, points):
    claim = declare(quantity=quantity)
    assert claim.points == points
    assert claim.quantity == Decimal(str(quantity).strip())


@pytest.mark.parametrize(
    "quantity",
    [0, "0", -1, "-0.5", "abc", "", None, "NaN", float("nan"), "Infinity", float("inf"),
     "0.3", 1.25, "2.75", "24.5", 25, 1000, "1e30", "1" + "0" * 40, "1e999999999"],
)  # fmt: skip
def test_bad_hours_are_refused_on_the_quantity_field(declare, quantity):
    with refused(InvalidInput, field="quantity"):
        declare(quantity=quantity)


@pytest.mark.parametrize("quantity", ["0.5", 1.5, "2.1", 0, -3, "x", "51", "1e40"])
def test_times_are_whole_numbers(declare, items, quantity):
    with refused(InvalidInput, field="quantity"):
        declare(item=items.visit, quantity=quantity)


def test_whole_times_are_priced_per_time(declare, items):
    assert declare(item=items.visit, quantity=3).points == 15
    assert declare(item=items.visit, quantity="50").points == 250


def test_points_are_rounded_down_to_a_whole_point(world, declare):
    odd = item_in(world.county, points=7)
    assert declare(item=odd, quantity="1.5").points == 10  # 10.5
    assert declare(item=odd, quantity="0.5").points == 3  # 3.5


def test_a_quantity_worth_no_point_is_refused(world, declare):
    one = item_in(world.county, code="ONE", points=1)
    with refused(InvalidInput, field="quantity"):
        declare(item=one, quantity="0.5")


def test_a_description_over_500_characters_is_refused(declare):
    with refused(InvalidInput, field="description"):
        declare(description="长" * 501)


# --- Dates -----------------------------------------------------------------------------------


def test_service_in_the_future_is_refused(declare):
    with refused(InvalidInput, code="future_date", field="occurred_on"):
        declare(occurred_on=timezone.localdate() + timedelta(days=1))


def test_today_is_fine(declare):
    assert declare(occurred_on=timezone.localdate()).status == Status.PENDING


def test_service_older_than_the_policy_allows_is_refused(world, declare):
    today = timezone.localdate()
    assert declare(occurred_on=today - timedelta(days=90)).pk  # the default: 90 days
    with refused(InvalidInput, code="too_old", field="occurred_on"):
        declare(occurred_on=today - timedelta(days=91))
    CommunityPolicy.objects.create(region=world.wenchang, claim_max_age_days=7)
    assert declare(occurred_on=today - timedelta(days=7)).pk
    with refused(InvalidInput, code="too_old"):
        declare(occurred_on=today - timedelta(days=8))


# --- Items --------------------------------------------------------------------------------------


def test_an_unknown_item_is_refused(world, declare, items):
    with refused(InvalidInput, code="unknown_rule_item", field="rule_item"):
        services.declare_service(
            actor=world.resident,
            rule_item_id=999_999,
            quantity=1,
            occurred_on=timezone.localdate(),
        )
    for bad in (None, "", "abc"):
        with refused(InvalidInput, code="unknown_rule_item"):
            services.declare_service(
                actor=world.resident,
                rule_item_id=bad,
                quantity=1,
                occurred_on=timezone.localdate(),
            )


def test_a_retired_item_is_refused(declare, items):
    items.basic.is_active = False
    items.basic.save()
    with refused(InvalidInput, code="unknown_rule_item"):
        declare()


def test_an_item_of_another_community_or_county_is_refused(world, declare):
    from jifen.regions.services import add_region

    next_door = item_in(world.jinyue, code="JINYUE")
    with refused(InvalidInput, code="unknown_rule_item"):
        declare(item=next_door)
    other_county = add_region(actor=None, code="350525", name="永春县", level="county")
    far = item_in(other_county, code="FAR")
    with refused(InvalidInput, code="unknown_rule_item"):
        declare(item=far)
    # The same item serves its own community.
    assert declare(person=world.neighbour, item=next_door).community == world.jinyue


def test_a_town_item_serves_the_towns_communities(world, declare):
    town_item = item_in(world.town, code="TOWN", points=10)
    assert declare(item=town_item).points == 20
    with refused(InvalidInput, code="unknown_rule_item"):
        declare(person=world.stranger, item=town_item)  # 湾美 is in the other town


# --- Cross-check ---------------------------------------------------------------------------------


def test_claims_worth_50_or_more_need_two_reviewers(declare, items):
    assert declare(quantity="4.5").approvals_needed == 1  # 45
    assert declare(item=items.visit, quantity=9).approvals_needed == 1  # 45
    at = declare(quantity=5)  # 50
    assert (at.points, at.approvals_needed, at.sampled) == (50, 2, False)
    assert declare(item=items.skilled, quantity=3).approvals_needed == 2  # 60


def test_the_cross_check_threshold_is_the_communitys(world, declare):
    CommunityPolicy.objects.create(region=world.wenchang, cross_check_points=20)
    assert declare(quantity="1.5").approvals_needed == 1  # 15
    assert declare(quantity=2).approvals_needed == 2  # 20
    # 金悦 keeps the default.
    assert declare(person=world.neighbour, quantity=2).approvals_needed == 1


def test_a_share_of_small_claims_goes_to_cross_check(world, declare):
    CommunityPolicy.objects.create(region=world.wenchang, cross_check_share=100)
    claim = declare(quantity=1)
    assert (claim.points, claim.approvals_needed, claim.sampled) == (10, 2, True)
    assert declare(person=world.neighbour, quantity=1).approvals_needed == 1


# --- Who may declare ---------------------------------------------------------------------------


def test_a_volunteer_declares_their_own_service(world, declare):
    claim = declare()
    assert claim.person == world.resident and claim.created_by == world.resident
    assert (claim.source, claim.provenance, claim.status) == (
        Source.DECLARED,
        Provenance.DECLARED,
        Status.PENDING,
    )
    assert claim.community == world.wenchang
    event = AuditEvent.objects.get(action="claims.claim.create", target_id=claim.pk)
    assert event.actor == world.resident and event.on_behalf_of is None
    assert event.after["points"] == 20


def test_an_organisation_member_declares_the_organisations_points(world, items, declare):
    org = Organization.objects.create(region=world.wenchang, name="文昌派出所")
    member = make_person(world.wenchang, "警员甲")
    OrganizationMember.objects.create(organization=org, person=member, is_contact=True)
    claim = declare(actor=member, person=member, organization=org, quantity=3)
    assert claim.organization == org and claim.person == member
    assert claim.source == Source.ORGANIZATION and claim.community == world.wenchang
    assert claim.holder == org
    with refused(PermissionDenied):
        declare(actor=world.resident, person=world.resident, organization=org)


def test_an_organisation_claim_credits_the_organisation(world, items, declare):
    from jifen.points.ledger import account_for
    from jifen.points.selectors import balance_of

    org = Organization.objects.create(region=world.wenchang, name="文昌派出所")
    member = make_person(world.wenchang, "警员甲")
    OrganizationMember.objects.create(organization=org, person=member, is_contact=True)
    claim = declare(actor=member, person=member, organization=org, quantity=3)
    claim = services.approve_claim(claim=claim, reviewer=world.reviewer)
    assert claim.status == Status.APPROVED
    assert claim.transfer.credit == account_for(org)
    assert account_for(org).balance == 30
    assert balance_of(member).balance == 0


def test_a_proxy_declares_for_their_principal_and_the_log_says_so(world, declare):
    daughter = make_person(world.jinyue, "王小红")
    Proxy.objects.create(
        principal=world.resident,
        agent=daughter,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    claim = declare(actor=daughter, person=world.resident)
    assert claim.person == world.resident and claim.created_by == daughter
    assert claim.source == Source.DECLARED
    event = AuditEvent.objects.get(action="claims.claim.create", target_id=claim.pk)
    assert event.actor == daughter and event.on_behalf_of == world.resident
    # Not for anyone else, and not once revoked.
    somebody_else = make_person(world.wenchang, "别人")
    with refused(PermissionDenied):
        declare(actor=daughter, person=somebody_else)
    Proxy.objects.update(revoked_at=timezone.now())
    with refused(PermissionDenied):
        declare(actor=daughter, person=world.resident)


def test_staff_enter_service_for_a_resident_of_their_community(world, declare):
    claim = declare(actor=world.staff, person=world.resident)
    assert (claim.source, claim.person, claim.created_by) == (
        Source.STAFF,
        world.resident,
        world.staff,
    )
    event = AuditEvent.objects.get(action="claims.claim.create", target_id=claim.pk)
    assert event.actor == world.staff and event.on_behalf_of == world.resident
    # Staff of another community, a reviewer and a neighbour may not.
    for actor in (world.other_staff, world.reviewer, world.neighbour, world.merchant):
        with refused(PermissionDenied):
            declare(actor=actor, person=world.resident)


def test_a_claim_from_a_record_is_made_once(world, items, yesterday):
    def close() -> Claim:
        return services.create_claim(
            person=world.resident,
            rule_item=items.basic,
            quantity=2,
            occurred_on=yesterday,
            source=Source.ACTIVITY,
            provenance=Provenance.ON_SITE,
            created_by=world.staff,
            source_id=41,
        )

    first = close()
    again = close()
    assert again.pk == first.pk
    assert Claim.objects.filter(source=Source.ACTIVITY, source_id=41).count() == 1
    assert AuditEvent.objects.filter(action="claims.claim.create").count() == 1
    # Another record makes another claim.
    other = services.create_claim(
        person=world.resident,
        rule_item=items.basic,
        quantity=2,
        occurred_on=yesterday,
        source=Source.ACTIVITY,
        provenance=Provenance.ON_SITE,
        created_by=world.staff,
        source_id=42,
    )
    assert other.pk != first.pk


def test_a_person_without_a_community_cannot_declare(world, items, yesterday):
    with refused(InvalidInput, code="no_community"):
        services.declare_service(
            actor=world.county_admin,
            rule_item_id=items.basic.pk,
            quantity=1,
            occurred_on=yesterday,
        )
