from datetime import date

import pytest

from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from jifen.notices.models import Notice
from jifen.party import services
from jifen.party.models import HomeDays, Report, ReportStatus, Service, ServiceStatus
from jifen.witness.models import Entry
from tests.party.conftest import MONDAY, OUTSIDE, SATURDAY, reporting, served

TODAY = date(2026, 12, 6)


def test_window_is_the_last_days_of_each_month():
    assert services.window(7, date(2026, 9, 3)) == (date(2026, 9, 24), date(2026, 9, 30))
    assert services.window(7, date(2027, 2, 1)) == (date(2027, 2, 22), date(2027, 2, 28))
    assert services.window(1, date(2028, 2, 10)) == (date(2028, 2, 29), date(2028, 2, 29))


def test_a_member_reports_home_and_their_person_follows(world, unit):
    report = services.file_report(
        actor=unit.member, community=world.wenchang, employer=unit.employer
    )
    unit.member.refresh_from_db()
    assert report.status == ReportStatus.ACTIVE
    assert unit.member.is_party_member and unit.member.is_reporting_party_member
    assert unit.member.employer == "县税务局"
    assert [e.step for e in report.events.all()] == ["file"]


def test_one_active_report_per_person(world, unit):
    services.file_report(actor=unit.member, community=world.wenchang, employer=unit.employer)
    with pytest.raises(Conflict):
        services.file_report(actor=unit.member, community=world.wenchang, employer=unit.other)
    assert Report.objects.filter(person=unit.member).count() == 1


def test_a_member_reports_only_to_their_own_community(world, unit):
    with pytest.raises(InvalidInput):
        services.file_report(actor=unit.member, community=world.jinyue, employer=unit.employer)
    assert not Report.objects.exists()


def test_staff_correct_and_end_a_report_and_the_person_follows(world, unit):
    report = services.file_report(
        actor=unit.member, community=world.wenchang, employer=unit.employer
    )
    with pytest.raises(PermissionDenied):
        services.correct_report(actor=world.other_staff, report=report, employer=unit.other)
    services.correct_report(actor=world.staff, report=report, employer=unit.other, note="换单位")
    unit.member.refresh_from_db()
    assert unit.member.employer == "凤城供电所"
    services.end_report(actor=world.staff, report=report, reason="退休")
    unit.member.refresh_from_db()
    assert not unit.member.is_reporting_party_member and unit.member.is_party_member
    with pytest.raises(Conflict):
        services.end_report(actor=world.staff, report=report)
    assert [e.step for e in report.events.all()] == ["file", "correct", "end"]


def test_service_in_the_window_is_marked_and_working_hours_wait(world, unit):
    reporting(world, unit)
    rest = served(world, unit, SATURDAY)
    work = served(world, unit, MONDAY)
    served(world, unit, OUTSIDE)
    assert services.mark_services(person=unit.member) == 2
    assert services.mark_services(person=unit.member) == 0  # idempotent
    assert Service.objects.get(claim=rest).status == ServiceStatus.COUNTED
    pending = Service.objects.get(claim=work)
    assert pending.status == ServiceStatus.PENDING and pending.working_hours
    with pytest.raises(PermissionDenied):
        services.approve_service(actor=world.reviewer, service=pending)
    services.approve_service(actor=world.staff, service=pending)
    assert Notice.objects.filter(person=unit.member, kind="party").count() == 1
    with pytest.raises(Conflict):
        services.reject_service(actor=world.staff, service=pending, note="x")


def test_a_window_of_fewer_days_leaves_earlier_days_out(world, unit):
    reporting(world, unit)
    services.set_home_days(actor=world.staff, community=world.wenchang, days=2)
    # As if set in September (a window set now starts this month).
    HomeDays.objects.filter(community=world.wenchang).update(since=date(2026, 9, 1))
    served(world, unit, SATURDAY)
    assert services.mark_services(person=unit.member) == 0
    with pytest.raises(InvalidInput):
        services.set_home_days(actor=world.staff, community=world.wenchang, days=40)
    with pytest.raises(PermissionDenied):
        services.set_home_days(actor=world.other_staff, community=world.wenchang, days=3)


def test_the_statement_is_sealed_once_witnessed_and_recomputes(world, unit):
    reporting(world, unit)
    served(world, unit, SATURDAY, hours="3")
    served(world, unit, MONDAY)  # pending, never approved: does not count
    with pytest.raises(Conflict):
        services.statement(actor=unit.contact, organization=unit.employer, quarter="2026Q4")
    with pytest.raises(InvalidInput):
        services.statement(actor=unit.contact, organization=unit.employer, quarter="2026Q5")
    with pytest.raises(PermissionDenied):
        services.statement(actor=unit.plain, organization=unit.employer, quarter="2026Q3")
    made = services.statement(actor=unit.contact, organization=unit.employer, quarter="2026Q3")
    member = made.lines[0]
    assert (member["services"], member["hours"], member["points"], member["reports"]) == (
        1,
        "3",
        30,
        1,
    )
    assert member["name"] == "林*员" and member["full_name"] == "林党员"
    assert made.lines[-1]["kind"] == "unit"
    assert services.statement_seal_now(made) == (made.leaf_count, made.root, made.seal)
    assert services.check_published(made)[0]
    again = services.statement(actor=world.staff, organization=unit.employer, quarter="2026Q3")
    assert again.pk == made.pk and again.seal == made.seal
    assert Entry.objects.filter(kind="statement", period="2026Q3", seal=made.seal).exists()
    second = services.statement(actor=unit.contact, organization=unit.employer, quarter="2026Q2")
    assert second.previous_seal == made.seal


def test_a_change_after_sealing_shows_in_the_recomputed_seal(world, unit):
    reporting(world, unit)
    served(world, unit, SATURDAY, hours="3")
    made = services.statement(actor=unit.contact, organization=unit.employer, quarter="2026Q3")
    served(world, unit, date(2026, 9, 27), hours="1")
    services.mark_services(person=unit.member, start=date(2026, 9, 1))
    assert services.statement_seal_now(made)[2] != made.seal


def test_a_member_who_did_not_agree_to_publication_is_sealed_by_number_only(world, unit):
    reporting(world, unit)
    type(unit.member).objects.filter(pk=unit.member.pk).update(consent_at=None)
    served(world, unit, SATURDAY)
    made = services.statement(actor=unit.contact, organization=unit.employer, quarter="2026Q3")
    assert made.lines[0]["name"] == "" and made.lines[0]["full_name"] == "林党员"
    assert services.check_published(made)[0]


def test_a_longer_window_set_now_does_not_turn_last_months_service_into_reporting_home(world, unit):
    """Staff widen the window in December: service on 21 November (outside November's
    seven days then) stays unmarked, while December's window is the wider one."""
    reporting(world, unit)
    served(world, unit, date(2026, 11, 21))  # a Saturday; November's window was 24–30
    assert services.mark_services() == 0
    services.set_home_days(actor=world.staff, community=world.wenchang, days=10)
    assert services.mark_services() == 0
    assert services.home_days(world.wenchang, date(2026, 11, 21)) == 7
    assert services.home_days(world.wenchang) == 10
    # Set again in the same month: the months before still keep seven.
    services.set_home_days(actor=world.staff, community=world.wenchang, days=12)
    row = HomeDays.objects.get(community=world.wenchang)
    assert (row.days, row.before) == (12, 7)
    assert services.mark_services() == 0
