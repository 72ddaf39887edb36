"""The demo's service hours: every point earned for service is an approved claim, so the
annual selection shows the hours beside the points, 文昌's star levels put people on the
星级志愿者 list, and a certificate says what its lines add up to — once however often
`jifen seed demo` runs."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jifen.activities.hours import verified_hours
from jifen.claims.models import Claim, Status
from jifen.people.models import Person
from jifen.points.models import Transfer
from jifen.publicity import certificates, selection
from jifen.regions.models import Region


@pytest.fixture
def seeded(db) -> None:
    call_command("seed", "demo", stdout=StringIO())


def test_every_award_for_service_is_an_approved_claim_linked_both_ways(seeded) -> None:
    awards = Transfer.objects.filter(idempotency_key__startswith="demo:award:")
    assert awards.exists()
    claims = Claim.objects.filter(transfer__in=awards)
    assert claims.count() == awards.count()
    assert set(claims.values_list("status", flat=True)) == {Status.APPROVED}
    assert all(c.transfer.source_type == "claim" and c.transfer.source_id == c.pk for c in claims)
    assert all(c.reviews.count() == c.approvals_needed for c in claims)


def test_the_selection_shows_hours_beside_points_and_a_star_list(seeded) -> None:
    wenchang = Region.objects.get(code="350524100001")
    year = selection.year_of(wenchang, timezone.localdate().year)
    serving = [p for p in year.people if p.points > 0]
    assert serving and all(p.hours > 0 or p.services == 0 for p in serving[:10])
    assert year.hours > 100 and year.star_candidates
    assert selection.star_hours(wenchang)[0] == Decimal(5)


def test_a_certificate_says_what_its_lines_add_up_to(seeded) -> None:
    volunteer = Person.objects.get(phone="13900000001")
    staff = Person.objects.get(phone="13800000002")
    today = timezone.localdate()
    certificate = certificates.issue_certificate(
        actor=staff,
        person=volunteer,
        start=date(today.year - 1, 1, 1),
        end=today,
        responsible="陈书记",
        handler="陈文昌",
    )
    lines = sum(Decimal(s["hours"]) for s in certificate.services if s["hours"] is not None)
    assert certificate.hours == lines > 0
    mine = Claim.objects.filter(person=volunteer, occurred_on__lte=today)
    assert verified_hours(mine, "person") == {(volunteer.pk,): certificate.hours}


def test_seeding_twice_makes_no_second_claim(seeded) -> None:
    before = Claim.objects.count()
    call_command("seed", "demo", stdout=StringIO())
    assert Claim.objects.count() == before
