"""志愿服务记录证明: issuing, what it certifies, who may, numbers, revoking, the record's hash."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.claims.models import Source, Status
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.publicity import certificates, selection
from jifen.publicity.models import Certificate
from tests.conftest import make_person
from tests.publicity.document_data import make_items, second_reviewer, serve, served

YEAR = timezone.localdate().year - 1
START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)


@pytest.fixture
def items(world):
    return make_items(world)


def _issue(world, person=None, **kw) -> Certificate:
    return certificates.issue_certificate(
        actor=kw.pop("actor", world.staff),
        person=person or world.resident,
        start=kw.pop("start", START),
        end=kw.pop("end", END),
        responsible=kw.pop("responsible", "陈书记"),
        handler=kw.pop("handler", "李经办"),
    )


def test_it_certifies_the_approved_service_of_the_period_grouped_by_item(world, items) -> None:
    person = world.resident
    person.id_number_masked = "3505**********1234"
    person.save()
    reviewers = (world.reviewer, second_reviewer(world))
    serve(world, person, items.basic, 3, date(YEAR, 3, 1), reviewers)  # through review
    served(person, items.basic, "2.5", date(YEAR, 4, 1))
    served(person, items.skilled, 4, date(YEAR, 5, 1))
    served(person, items.visit, 2, date(YEAR, 6, 1))  # counted by time: no hours
    served(person, items.basic, 8, date(YEAR - 1, 12, 31))  # before the period
    served(person, items.basic, 8, date(YEAR, 7, 1), status=Status.REJECTED)
    served(person, items.basic, 8, date(YEAR, 7, 2), status=Status.REVOKED)
    served(person, items.basic, 8, date(YEAR, 7, 3), status=Status.PENDING)

    certificate = _issue(world)

    assert certificate.hours == Decimal("9.5")
    assert certificate.services == [
        {"item": "环境整治", "times": 2, "hours": "5.5"},
        {"item": "义诊", "times": 1, "hours": "4"},
        {"item": "探访独居老人", "times": 1, "hours": None},
    ]
    assert certificate.name == "王淑英"
    assert certificate.id_number_masked == "3505**********1234"
    assert certificate.volunteer_no == person.volunteer_no
    assert certificate.issuer == "文昌社区"
    assert (certificate.responsible, certificate.handler) == ("陈书记", "李经办")
    assert certificate.community == world.wenchang
    assert certificates.is_intact(certificate)
    event = AuditEvent.objects.get(action="publicity.certificate.issue")
    assert event.actor == world.staff and event.target_id == certificate.pk
    assert event.after["hours"] == "9.5"


def test_organisation_points_are_not_the_members_service(world, items) -> None:
    from jifen.people.models import Organization

    unit = Organization.objects.create(region=world.wenchang, name="县税务局")
    served(world.resident, items.basic, 6, date(YEAR, 3, 1), organization=unit)
    served(world.resident, items.basic, 2, date(YEAR, 3, 2))
    assert _issue(world).hours == Decimal(2)


def test_an_item_renamed_in_the_period_is_one_line_under_its_latest_name(world, items) -> None:
    from jifen.points.services import save_rule_item

    served(world.resident, items.basic, 2, date(YEAR, 2, 1))
    save_rule_item(
        actor=None,
        region=world.county,
        code="BASIC",
        name="人居环境整治",
        category="邻里互助",
        unit="hour",
        points=10,
        effective_from=date(YEAR, 6, 1),
    )
    served(world.resident, items.basic, 3, date(YEAR, 7, 1))
    assert _issue(world).services == [{"item": "人居环境整治", "times": 2, "hours": "5"}]


def test_numbers_are_unique_and_not_in_sequence(world, items) -> None:
    served(world.resident, items.basic, 2, date(YEAR, 2, 1))
    numbers = [_issue(world).number for _i in range(12)]
    assert len(set(numbers)) == 12
    this_year = timezone.localdate().year
    pattern = re.compile(rf"JF-{this_year}-350524100001-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{{6}}")
    assert all(pattern.fullmatch(n) for n in numbers), numbers
    # Drawn, not counted: a neighbour's number says nothing of the next one's.
    tails = [n[-6:] for n in numbers]
    assert all(a[:5] != b[:5] for a, b in zip(tails, tails[1:], strict=False)), tails


def test_a_number_drawn_twice_is_drawn_again(world, items, monkeypatch) -> None:
    served(world.resident, items.basic, 2, date(YEAR, 2, 1))
    first = _issue(world)
    draws = iter([first.number, first.number, "JF-X-NEW"])
    monkeypatch.setattr(certificates, "new_number", lambda community, year: next(draws))
    second = _issue(world)
    assert second.number == "JF-X-NEW"
    assert Certificate.objects.count() == 2


def test_the_number_is_unique_in_the_database(world, items) -> None:
    from django.db import IntegrityError, transaction

    served(world.resident, items.basic, 2, date(YEAR, 2, 1))
    certificate = _issue(world)
    copy = Certificate.objects.get(pk=certificate.pk)
    copy.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_staff_of_another_community_and_reviewers_may_not_issue(world, items) -> None:
    served(world.resident, items.basic, 2, date(YEAR, 2, 1))
    for actor in (world.other_staff, world.reviewer, world.merchant, world.kiosk, world.neighbour):
        with pytest.raises(PermissionDenied):
            _issue(world, actor=actor)
    assert _issue(world, actor=world.town_admin).issued_by == world.town_admin
    assert Certificate.objects.count() == 1


def test_a_period_without_approved_service_is_refused(world, items) -> None:
    served(world.resident, items.basic, 2, date(YEAR, 2, 1), status=Status.PENDING)
    with pytest.raises(Conflict) as refused:
        _issue(world)
    assert refused.value.code == "no_service"
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(YEAR, 5, 1), date(YEAR, 4, 1), "end"),
        (START, timezone.localdate() + timedelta(days=1), "end"),
    ],
)
def test_a_period_backwards_or_in_the_future_is_refused(world, items, start, end, field) -> None:
    served(world.resident, items.basic, 2, date(YEAR, 2, 1))
    with pytest.raises(InvalidInput) as refused:
        _issue(world, start=start, end=end)
    assert refused.value.field == field


@pytest.mark.parametrize("field", ["responsible", "handler"])
def test_the_responsible_person_and_the_handler_are_required(world, items, field) -> None:
    served(world.resident, items.basic, 2, date(YEAR, 2, 1))
    with pytest.raises(InvalidInput) as refused:
        _issue(world, **{field: "   "})
    assert refused.value.field == field


def test_the_configured_issuer_is_printed_instead_of_the_communitys_name(world, items) -> None:
    served(world.resident, items.basic, 2, date(YEAR, 2, 1))
    selection.save_policy(
        actor=world.staff,
        community=world.wenchang,
        star_hours="",
        certificate_issuer="凤城镇文昌社区居民委员会",
    )
    assert _issue(world).issuer == "凤城镇文昌社区居民委员会"


def test_staff_revoke_with_a_reason_once(world, items) -> None:
    served(world.resident, items.basic, 2, date(YEAR, 2, 1))
    certificate = _issue(world)
    with pytest.raises(InvalidInput):
        certificates.revoke_certificate(actor=world.staff, certificate=certificate, reason=" ")
    with pytest.raises(PermissionDenied):
        certificates.revoke_certificate(
            actor=world.other_staff, certificate=certificate, reason="x"
        )
    revoked = certificates.revoke_certificate(
        actor=world.staff, certificate=certificate, reason="服务时长录入有误"
    )
    assert revoked.is_revoked and revoked.revoke_reason == "服务时长录入有误"
    with pytest.raises(Conflict) as again:
        certificates.revoke_certificate(actor=world.staff, certificate=certificate, reason="再次")
    assert again.value.code == "already_revoked"
    # What it certified is unchanged: the hash still holds.
    stored = Certificate.objects.get(pk=certificate.pk)
    assert certificates.is_intact(stored)
    assert AuditEvent.objects.filter(action="publicity.certificate.revoke").count() == 1


def test_a_changed_record_no_longer_matches_its_hash(world, items) -> None:
    served(world.resident, items.basic, 2, date(YEAR, 2, 1))
    certificate = _issue(world)
    Certificate.objects.filter(pk=certificate.pk).update(hours=Decimal("200.0"))
    assert not certificates.is_intact(Certificate.objects.get(pk=certificate.pk))


def test_the_volunteer_and_the_communitys_staff_may_fetch_it_others_not(world, items) -> None:
    served(world.resident, items.basic, 2, date(YEAR, 2, 1))
    certificate = _issue(world)
    assert certificates.get_for(world.resident, certificate.number) == certificate
    assert certificates.get_for(world.staff, certificate.number) == certificate
    for viewer in (world.neighbour, world.other_staff, world.reviewer, make_person(None, "路人")):
        with pytest.raises(NotFound):
            certificates.get_for(viewer, certificate.number)
    assert list(certificates.visible_certificates(world.staff)) == [certificate]
    assert list(certificates.visible_certificates(world.other_staff)) == []
    assert list(certificates.certificates_of(world.resident)) == [certificate]


def test_activity_attendance_counts_like_any_approved_service(world, items) -> None:
    served(world.resident, items.basic, 3, date(YEAR, 2, 1), source=Source.ACTIVITY, source_id=7)
    assert _issue(world).hours == Decimal(3)
