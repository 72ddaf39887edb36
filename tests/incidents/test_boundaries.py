"""Who an incident reaches and who may act on it: an organisation only once it is
assigned and only where it serves, handlers from the community, staff closing where it
is handled, four eyes on a fix, duplicates that end somewhere."""

import pytest

from jifen.claims.models import Claim, Source
from jifen.incidents import selectors, services
from jifen.incidents.models import Incident, Status, Tier
from jifen.lib.errors import InvalidInput, PermissionDenied
from jifen.notices.models import Notice
from jifen.people.models import OrganizationMember, Role, RoleGrant
from tests.api.conftest import assert_error
from tests.conftest import make_person


@pytest.fixture
def property_service(world, grids):
    """物业服务, whose default organisation is 文昌's 江滨物业, as in the demo."""
    return services.save_category(
        actor=None,
        region=world.county,
        code="WYFW",
        name="物业服务",
        tier=Tier.COMMUNITY,
        default_organization=grids.property_co,
    )


def _report(person, region, category="HJWS"):
    return services.report(actor=person, region=region, category=category, description="电梯坏了")


def test_a_default_organisation_never_reads_a_report_elsewhere(world, grids, property_service):
    elsewhere = _report(world.stranger, world.wanmei, "WYFW")
    assert elsewhere.organization is None
    assert selectors.default_organization_for(elsewhere) is None  # it does not serve 湾美
    told = set(Notice.objects.filter(kind="incident.reported").values_list("person", flat=True))
    assert told == {world.other_staff.pk}  # 湾美's staff accept it, not the company
    assert selectors.get_visible(grids.contact, elsewhere.pk) is None
    assert not selectors.mine(grids.contact).filter(pk=elsewhere.pk).exists()


def test_a_default_organisation_is_a_suggestion_until_assigned(world, grids, property_service):
    here = _report(world.resident, grids.east, "WYFW")
    assert here.organization is None
    assert selectors.default_organization_for(here) == grids.property_co
    told = set(Notice.objects.filter(kind="incident.reported").values_list("person", flat=True))
    assert grids.contact.pk not in told and world.staff.pk in told
    assert selectors.get_visible(grids.contact, here.pk) is None
    services.accept(actor=world.staff, incident=here)
    assert selectors.get_visible(grids.contact, here.pk) is None
    services.assign(actor=world.staff, incident=here, organization=grids.property_co)
    assert selectors.get_visible(grids.contact, here.pk) is not None


def test_an_organisation_must_serve_the_community(world, grids):
    incident = _report(world.stranger, world.wanmei)
    services.accept(actor=world.other_staff, incident=incident)
    with pytest.raises(InvalidInput) as refused:
        services.assign(actor=world.other_staff, incident=incident, organization=grids.property_co)
    assert refused.value.field == "organization"


def test_only_residents_and_workers_of_the_community_handle_it(world, grids):
    incident = _report(grids.worker, grids.east)
    services.accept(actor=world.staff, incident=incident)
    for outsider in (world.stranger, world.neighbour, world.other_staff):
        with pytest.raises(InvalidInput) as refused:
            services.assign(actor=world.staff, incident=incident, person=outsider)
        assert refused.value.field == "person" and refused.value.code == "not_of_community"
    assert Incident.objects.get(pk=incident.pk).assignee is None
    # A resident, a grid worker of another grid of the community, the town's admin, and a
    # grid worker living elsewhere but working in this community may.
    commuter = make_person(world.jinyue, "外住网格员")
    RoleGrant.objects.create(person=commuter, role=Role.GRID, region=grids.west)
    for insider in (world.resident, grids.other_worker, world.town_admin, commuter):
        services.assign(actor=world.staff, incident=incident, person=insider)
        assert Incident.objects.get(pk=incident.pk).assignee == insider


def test_the_api_refuses_a_handler_from_elsewhere(world, grids, api):
    incident = _report(grids.worker, grids.east)
    services.accept(actor=world.staff, incident=incident)
    response = api(world.staff).post(
        f"/incidents/{incident.pk}/assign", {"person": world.stranger.pk}
    )
    assert_error(response, 400, "not_of_community")
    assert Incident.objects.get(pk=incident.pk).status == Status.ACCEPTED


def test_community_staff_do_not_close_what_the_town_handles(world, grids):
    incident = _report(grids.worker, grids.east)
    services.escalate(actor=grids.worker, incident=incident, note="需要社区协调")
    services.escalate(actor=world.staff, incident=incident, note="需要镇里协调")
    assert selectors.closing_region(Incident.objects.get(pk=incident.pk)) == world.town
    with pytest.raises(PermissionDenied):
        services.close(actor=world.staff, incident=incident, reason="no_action")
    services.close(actor=world.town_admin, incident=incident, reason="no_action")
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED


def test_community_staff_close_what_the_community_or_grid_handles(world, grids):
    incident = _report(grids.worker, grids.east)
    services.close(actor=world.staff, incident=incident, reason="no_action")
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED


def test_one_grid_worker_cannot_run_the_whole_loop_alone(world, grids):
    incident = _report(grids.worker, grids.east)
    services.accept(actor=grids.worker, incident=incident)  # their own report: no points
    incident.refresh_from_db()
    assert incident.report_claim is None
    services.assign(actor=grids.worker, incident=incident, person=grids.worker)
    services.resolve(actor=grids.worker, incident=incident, note="清理了")
    assert selectors.resolver_id(incident) == grids.worker.pk  # pages hide its verify
    told = set(Notice.objects.filter(kind="incident.resolved").values_list("person", flat=True))
    assert grids.worker.pk not in told and told  # someone else is asked to check
    for ok in (True, False):
        with pytest.raises(PermissionDenied) as refused:
            services.verify(actor=grids.worker, incident=incident, ok=ok, note="x")
        assert refused.value.code == "self_verify"
    assert Incident.objects.get(pk=incident.pk).status == Status.RESOLVED
    services.verify(actor=world.staff, incident=incident, ok=True)
    incident.refresh_from_db()
    assert incident.close_claim is not None and incident.close_claim.person == grids.worker
    assert Claim.objects.filter(source=Source.INCIDENT).count() == 1  # the close only


def test_an_organisation_member_who_resolved_does_not_check_it(world, grids):
    incident = _report(grids.contact, grids.east)  # the company's contact reported it
    services.accept(actor=grids.worker, incident=incident)
    services.assign(actor=grids.worker, incident=incident, organization=grids.property_co)
    services.resolve(actor=grids.contact, incident=incident, note="已修好")
    with pytest.raises(PermissionDenied) as refused:
        services.verify(actor=grids.contact, incident=incident, ok=True)
    assert refused.value.code == "self_verify"
    # Another member of the company is not the resolver, but neither reporter nor grid.
    colleague = make_person(world.wenchang, "物业小王")
    OrganizationMember.objects.create(organization=grids.property_co, person=colleague)
    with pytest.raises(PermissionDenied):
        services.verify(actor=colleague, incident=incident, ok=True)
    services.verify(actor=grids.worker, incident=incident, ok=True)


def test_duplicates_end_somewhere(world, grids):
    first, second, third = (_report(world.resident, grids.east) for _ in range(3))
    services.close(actor=world.staff, incident=first, reason="duplicate", duplicate_of=second)
    with pytest.raises(InvalidInput) as circular:
        services.close(actor=world.staff, incident=second, reason="duplicate", duplicate_of=first)
    assert circular.value.code == "duplicate_not_open"
    assert Incident.objects.get(pk=second.pk).status == Status.REPORTED
    services.close(actor=world.staff, incident=third, reason="no_action")
    with pytest.raises(InvalidInput):  # closed without a fix: nothing to duplicate
        services.close(actor=world.staff, incident=second, reason="duplicate", duplicate_of=third)
    # Closed as fixed, it may be named.
    fixed = _report(world.resident, grids.east)
    services.accept(actor=grids.worker, incident=fixed)
    services.assign(actor=grids.worker, incident=fixed, person=grids.worker)
    services.resolve(actor=grids.worker, incident=fixed, note="好了")
    services.verify(actor=world.resident, incident=fixed, ok=True)
    services.close(actor=world.staff, incident=second, reason="duplicate", duplicate_of=fixed)
    assert Incident.objects.get(pk=second.pk).duplicate_of == fixed


def test_reopened_waits_for_a_new_handler(world, grids):
    incident = _report(world.resident, grids.east)
    services.accept(actor=grids.worker, incident=incident)
    services.assign(actor=grids.worker, incident=incident, organization=grids.property_co)
    services.resolve(actor=grids.contact, incident=incident, note="好了")
    services.verify(actor=world.resident, incident=incident, ok=True)
    assert selectors.get_visible(grids.contact, incident.pk) is not None  # its history
    services.reopen(actor=world.resident, incident=incident, note="又坏了")
    incident.refresh_from_db()
    assert incident.status == Status.REOPENED
    assert incident.assignee is None and incident.organization is None
    told = set(Notice.objects.filter(kind="incident.reopened").values_list("person", flat=True))
    assert grids.contact.pk not in told and grids.worker.pk in told
    with pytest.raises(PermissionDenied):
        services.resolve(actor=grids.contact, incident=incident, note="x")
