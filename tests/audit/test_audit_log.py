"""The audit log: every change with its actor, channel, region; read by admins only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.audit.selectors import audit_events
from jifen.lib.errors import PermissionDenied
from jifen.people import services
from tests.api.conftest import ApiClient


def test_each_channel_is_recorded(world, as_person):
    # The world fixture was built by services outside a request: "system".
    assert AuditEvent.objects.filter(action="region.add", channel="system").count() == 7
    as_person(world.staff).post(f"/console/people/{world.resident.pk}/edit/", {"name": "王淑梅"})
    assert AuditEvent.objects.get(action="person.edit").channel == "web"
    ApiClient(world.staff).post(
        "/people", {"name": "赵大爷", "phone": "13612345679", "community": world.wenchang.code}
    )
    event = AuditEvent.objects.get(action="person.register", after__phone="136****5679")
    assert event.channel == "api" and event.actor_id == world.staff.pk


def test_only_admins_and_staff_read_the_log(world):
    for viewer in (world.reviewer, world.merchant, world.kiosk, world.resident):
        with pytest.raises(PermissionDenied):
            audit_events(viewer=viewer)
    assert audit_events(viewer=world.staff) is not None


def test_staff_read_the_log_of_their_community_and_nothing_next_door(world):
    services.update_person(actor=world.staff, person=world.resident, name="王淑梅")
    services.update_person(actor=world.other_staff, person=world.stranger, name="蔡湾湾")
    mine = audit_events(viewer=world.staff)
    assert all(e.region.code.startswith(world.wenchang.code) for e in mine)
    assert mine.filter(region=world.wenchang).exists()
    assert [e.target_id for e in mine.filter(action="person.edit")] == [world.resident.pk]
    assert not mine.filter(region__isnull=True).exists()
    theirs = audit_events(viewer=world.other_staff)
    assert all(e.region.code.startswith(world.wanmei.code) for e in theirs)
    assert not theirs.filter(target_id=world.resident.pk, action="person.edit").exists()
    # Asking for the other community by its code finds nothing either.
    assert not audit_events(viewer=world.other_staff, region_code=world.wenchang.code).exists()


def test_a_town_admin_reads_only_the_events_of_the_town(world):
    services.update_person(actor=world.other_staff, person=world.stranger, name="蔡湾湾")
    services.update_person(actor=world.staff, person=world.resident, name="王淑梅")
    town = audit_events(viewer=world.town_admin)
    regions = {e.region.code for e in town if e.region}
    assert all(code.startswith(world.town.code) for code in regions)
    assert town.filter(action="person.edit").count() == 1
    assert not town.filter(region__isnull=True).exists()
    county = audit_events(viewer=world.county_admin)
    assert county.filter(action="person.edit").count() == 2
    # Events without a region (accounts made with no community) are for the top admin.
    assert county.filter(region__isnull=True).exists()


def test_the_log_filters_by_action_actor_region_and_dates(world):
    services.update_person(actor=world.staff, person=world.resident, name="王淑梅")
    services.update_person(actor=world.other_staff, person=world.stranger, name="蔡湾湾")
    admin = world.county_admin

    def actions(**filters):
        return {e.action for e in audit_events(viewer=admin, **filters)}

    assert actions(action="person.") >= {"person.edit", "person.register"}
    assert actions(action="person.") <= {"person.edit", "person.register"}
    # A code is itself only: person.password is not person.password_reset.
    assert actions(action="person.edit") == {"person.edit"}
    assert actions(action="person.") >= actions(action="person.edit")
    assert not audit_events(viewer=admin, action="person.ed").exists()
    by_staff = audit_events(viewer=admin, actor_query="陈文昌")
    assert [e.target_id for e in by_staff] == [world.resident.pk]
    by_number = audit_events(viewer=admin, actor_query=world.other_staff.volunteer_no)
    assert [e.target_id for e in by_number] == [world.stranger.pk]
    in_wanmei = audit_events(viewer=admin, region_code=world.other_town.code, action="person.edit")
    assert [e.target_id for e in in_wanmei] == [world.stranger.pk]
    today = timezone.localdate()
    assert (
        audit_events(viewer=admin, since=today, until=today).count() == AuditEvent.objects.count()
    )
    assert not audit_events(viewer=admin, since=today + timedelta(days=1)).exists()
    assert not audit_events(viewer=admin, until=today - timedelta(days=1)).exists()


def test_the_log_is_newest_first(world):
    services.update_person(actor=world.staff, person=world.resident, name="王淑梅")
    first = audit_events(viewer=world.county_admin).first()
    assert first is not None and first.action == "person.edit"


def test_no_audit_row_holds_a_phone_in_clear(world):
    services.update_person(actor=world.staff, person=world.resident, name="王淑梅")
    services.register_by_staff(
        actor=world.staff, name="赵大爷", phone="13612345679", community=world.wenchang
    )
    text = str(list(AuditEvent.objects.values_list("before", "after")))
    assert "13612345679" not in text
    assert world.resident.phone not in text


def test_an_admin_of_one_county_reads_nothing_of_another_county(world):
    from jifen.regions.services import add_region

    add_region(actor=None, code="350525", name="永春县", level="county")
    other = audit_events(viewer=world.county_admin).filter(region__code="350525")
    assert not other.exists()
    assert AuditEvent.objects.filter(region__code="350525").exists()
