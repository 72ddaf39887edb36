"""The round and its findings through the services: the plan's rules, scoring bounds and
who may score, the count, and a finding from the panel to a verified fix."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from jifen.property_review import selectors, services
from jifen.property_review.models import (
    Company,
    Compound,
    Finding,
    FindingStatus,
    Inspection,
    ItemResult,
    Result,
    RoundStatus,
    Score,
)
from tests.property_review.conftest import first_inspection, plan_round

pytestmark = pytest.mark.django_db


def _all_scores(round_, value: int | None = None) -> dict[int, int]:
    return {
        i.pk: (i.max_score if value is None else min(value, i.max_score))
        for i in round_.items.all()
    }


def test_a_new_round_starts_from_the_default_checklist_of_100_marks(world):
    round_ = services.create_round(actor=world.staff, region=world.wenchang, quarter="2026Q4")
    assert round_.status == RoundStatus.DRAFT
    assert sum(i.max_score for i in round_.items.all()) == 100
    assert round_.items.count() == 6
    assert AuditEvent.objects.filter(action="property_review.create").count() == 1


def test_the_next_quarter_copies_companies_compounds_and_checklist(world, estate):
    first = plan_round(world, estate)
    second = services.create_round(actor=world.staff, region=world.wenchang, quarter="2027Q1")
    assert second.companies.count() == 3
    assert second.compounds.count() == 3
    assert second.items.count() == first.items.count()
    assert second.inspections.count() == 0


@pytest.mark.parametrize("quarter", ["2026Q5", "2026-Q4", "1999Q1", "", "2026q4", 20264])
def test_a_quarter_that_is_not_yyyyqn_is_400(world, quarter):
    with pytest.raises(InvalidInput) as caught:
        services.create_round(actor=world.staff, region=world.wenchang, quarter=quarter)
    assert caught.value.code == "invalid_quarter"


def test_one_round_per_region_and_quarter(world):
    services.create_round(actor=world.staff, region=world.wenchang, quarter="2026Q4")
    with pytest.raises(Conflict) as caught:
        services.create_round(actor=world.staff, region=world.wenchang, quarter="2026Q4")
    assert caught.value.code == "round_exists"


def test_staff_of_another_town_cannot_open_a_round_here(world):
    with pytest.raises(PermissionDenied):
        services.create_round(actor=world.other_staff, region=world.wenchang, quarter="2026Q4")


def test_a_company_never_inspects_its_own_compound(world, estate):
    round_ = plan_round(world, estate, open_it=False)
    company = Company.objects.get(round=round_, organization=estate.companies[0])
    own = Compound.objects.get(round=round_, company=company)
    with pytest.raises(InvalidInput) as caught:
        services.plan_inspection(actor=world.staff, round=round_, compound=own, inspector=company)
    assert caught.value.code == "own_compound"
    # and the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.create(round=round_, compound=own, inspector=company, inspected=company)


def test_only_property_companies_take_part(world, estate):
    round_ = services.create_round(actor=world.staff, region=world.wenchang, quarter="2026Q4")
    org = estate.companies[0]
    org.kind = "enterprise"
    org.save()
    with pytest.raises(InvalidInput) as caught:
        services.add_company(actor=world.staff, round=round_, organization=org)
    assert caught.value.code == "not_property_company"


def test_a_compound_is_managed_by_one_company_in_a_round(world, estate):
    round_ = plan_round(world, estate, open_it=False)
    with pytest.raises(Conflict) as caught:
        services.add_company(
            actor=world.staff,
            round=round_,
            organization=estate.companies[1],
            compounds=[estate.compounds[0]],
        )
    assert caught.value.code == "compound_taken"


def test_a_member_of_either_company_sits_on_no_panel(world, estate):
    round_ = plan_round(world, estate, open_it=False)
    inspection = first_inspection(round_)  # A inspects B's compound
    for person in (estate.member, estate.contacts[1]):
        with pytest.raises(InvalidInput) as caught:
            services.add_panel_member(
                actor=world.staff, inspection=inspection, person=person, kind="owner"
            )
        assert caught.value.code == "conflict_of_interest"


def test_a_party_member_seat_needs_a_party_member_and_a_resident(world, estate):
    round_ = plan_round(world, estate, open_it=False)
    inspection = first_inspection(round_)
    with pytest.raises(InvalidInput) as caught:
        services.add_panel_member(
            actor=world.staff, inspection=inspection, person=estate.owner2, kind="party"
        )
    assert caught.value.code == "not_a_party_member"
    with pytest.raises(InvalidInput) as caught:
        services.add_panel_member(
            actor=world.staff, inspection=inspection, person=world.stranger, kind="owner"
        )
    assert caught.value.code == "not_a_resident"


def test_a_round_without_a_panel_cannot_open(world, estate):
    round_ = services.create_round(actor=world.staff, region=world.wenchang, quarter="2026Q4")
    with pytest.raises(Conflict) as caught:
        services.open_round(actor=world.staff, round=round_)
    assert caught.value.code == "round_incomplete"


def test_panel_members_score_within_bounds_and_only_their_own_inspection(world, estate):
    round_ = plan_round(world, estate)
    inspection = first_inspection(round_)
    item = round_.items.first()
    with pytest.raises(InvalidInput) as caught:
        services.submit_scores(
            actor=estate.owner, inspection=inspection, scores={item.pk: item.max_score + 1}
        )
    assert caught.value.code == "score_out_of_range"
    for bad in (-1, True, 1.5, "10"):
        with pytest.raises(InvalidInput):
            services.submit_scores(actor=estate.owner, inspection=inspection, scores={item.pk: bad})
    with pytest.raises(PermissionDenied) as denied:
        services.submit_scores(actor=estate.owner2, inspection=inspection, scores={item.pk: 5})
    assert denied.value.code == "not_on_panel"
    with pytest.raises(PermissionDenied):
        services.submit_scores(actor=world.staff, inspection=inspection, scores={item.pk: 5})
    assert Score.objects.count() == 0
    services.submit_scores(actor=estate.owner, inspection=inspection, scores={item.pk: 5})
    services.submit_scores(actor=estate.owner, inspection=inspection, scores={item.pk: 7})
    assert list(Score.objects.values_list("score", flat=True)) == [7]


def test_a_bad_score_among_good_ones_writes_nothing(world, estate):
    round_ = plan_round(world, estate)
    inspection = first_inspection(round_)
    first, second = round_.items.all()[:2]
    with pytest.raises(InvalidInput):
        services.submit_scores(
            actor=estate.owner, inspection=inspection, scores={first.pk: 1, second.pk: 999}
        )
    assert Score.objects.count() == 0


def test_scores_close_with_the_round(world, estate):
    round_ = plan_round(world, estate)
    inspection = first_inspection(round_)
    services.close_round(actor=world.staff, round=round_)
    with pytest.raises(Conflict) as caught:
        services.submit_scores(
            actor=estate.owner, inspection=inspection, scores=_all_scores(round_, 1)
        )
    assert caught.value.code == "round_not_open"


def test_the_count_averages_panels_per_item_and_ranks_the_companies(world, estate):
    round_ = plan_round(world, estate)
    inspections = list(Inspection.objects.filter(round=round_).order_by("id"))
    items = list(round_.items.all())
    # B's compound: two panel members, full marks and full marks minus one on every item
    services.submit_scores(
        actor=estate.owner, inspection=inspections[0], scores=_all_scores(round_)
    )
    services.submit_scores(
        actor=estate.party,
        inspection=inspections[0],
        scores={i.pk: i.max_score - 1 for i in items},
    )
    # C's compound: one member, 10 on each item (capped at full marks)
    services.submit_scores(
        actor=estate.owner2, inspection=inspections[1], scores=_all_scores(round_, 10)
    )
    services.close_round(actor=world.staff, round=round_)
    by_name = {r.company.organization.name: r for r in selectors.results(round_)}
    b, c, a = by_name["万家物业"], by_name["福安物业"], by_name["江滨物业"]
    assert b.total == Decimal("97.00") and b.rank == 1 and b.panel_members == 2
    assert c.total == Decimal("60.00") and c.rank == 2
    assert a.total == Decimal("0.00") and a.rank == 3 and a.inspections == 0
    first_item = ItemResult.objects.get(result=b, item=items[0])
    assert first_item.average == Decimal(items[0].max_score) - Decimal("0.5")
    assert ItemResult.objects.filter(result=a, average__isnull=True).count() == len(items)
    assert Result.objects.filter(round=round_).count() == 3


def test_a_finding_from_the_panel_to_a_verified_fix(world, estate):
    round_ = plan_round(world, estate)
    inspection = first_inspection(round_)
    finding = services.record_finding(
        actor=estate.party, inspection=inspection, problem="消防通道堆放杂物", location="3栋东侧"
    )
    assert finding.status == FindingStatus.RECORDED
    assert finding.company.organization == estate.companies[1]
    # not the company's to see before staff sort it
    assert not selectors.findings_for(estate.contacts[1], mine=True).exists()
    with pytest.raises(PermissionDenied):
        services.track(actor=estate.contacts[1], finding=finding)
    services.track(actor=world.staff, finding=finding)
    assert list(selectors.to_rectify(estate.contacts[1])) == [finding]
    with pytest.raises(PermissionDenied) as denied:
        services.fix(actor=estate.contacts[0], finding=finding, note="已清理")
    assert denied.value.code == "not_the_contact"
    services.start(actor=estate.contacts[1], finding=finding, note="安排保洁")
    services.fix(actor=estate.contacts[1], finding=finding, note="已清理完毕")
    assert selectors.staff_todo(world.staff)["fixes_to_verify"].count == 1
    services.verify(actor=world.staff, finding=finding, ok=False, note="仍有纸箱")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.REOPENED
    services.fix(actor=estate.contacts[1], finding=finding, note="纸箱也已清走")
    services.verify(actor=world.staff, finding=finding, ok=True)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.VERIFIED
    steps = list(finding.events.values_list("step", flat=True))
    assert steps == ["record", "track", "start", "fix", "reopen", "fix", "verify"]
    with pytest.raises(Conflict) as caught:
        services.verify(actor=world.staff, finding=finding, ok=True)
    assert caught.value.code == "invalid_transition"


def test_a_finding_becomes_a_grid_incident(world, estate):
    from jifen.incidents.services import save_category

    save_category(actor=None, region=world.county, code="road", name="道路破损")
    round_ = plan_round(world, estate)
    finding = services.record_finding(
        actor=estate.owner, inspection=first_inspection(round_), problem="小区外人行道塌陷"
    )
    services.refer(actor=world.staff, finding=finding, category="road")
    finding = Finding.objects.select_related("incident").get(pk=finding.pk)
    assert finding.status == FindingStatus.REFERRED
    assert finding.incident is not None
    assert finding.incident.region == estate.compounds[1]
    with pytest.raises(InvalidInput):
        services.refer(
            actor=world.staff,
            finding=services.record_finding(
                actor=estate.owner, inspection=first_inspection(round_), problem="x"
            ),
            category="nope",
        )
    assert Finding.objects.filter(status=FindingStatus.REFERRED).count() == 1


def test_a_referred_finding_takes_its_photos_to_the_incident(world, estate):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from jifen.incidents.services import save_category

    save_category(actor=None, region=world.county, code="road", name="道路破损")
    round_ = plan_round(world, estate)
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(buffer, "PNG")
    photo = SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png")
    finding = services.record_finding(
        actor=estate.owner, inspection=first_inspection(round_), problem="路面塌陷", photos=[photo]
    )
    services.refer(actor=world.staff, finding=finding, category="road")
    finding = Finding.objects.select_related("incident").get(pk=finding.pk)
    assert finding.incident.photos.count() == 1
    assert AuditEvent.objects.filter(action="property_review.finding_refer").count() == 1


def test_who_is_led_to_the_property_review_from_their_home_page(world, estate):
    round_ = plan_round(world, estate)
    assert selectors.involved(estate.owner)
    assert not selectors.involved(estate.contacts[1])
    assert not selectors.involved(world.resident)
    finding = services.record_finding(
        actor=estate.owner, inspection=first_inspection(round_), problem="门禁坏了"
    )
    services.track(actor=world.staff, finding=finding)
    assert selectors.involved(estate.contacts[1])
    assert selectors.contact_todo(estate.contacts[1]).count == 1
    assert selectors.panel_todo(estate.owner).count == 1
