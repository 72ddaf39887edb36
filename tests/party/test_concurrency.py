"""Under real concurrency on PostgreSQL: one person sending their report from two phones
at once holds one report; a unit's contacts and staff opening last quarter's record at the
same moment seal it once, witnessed once, and every one of them reads that one seal.

Each test commits for real (``transaction=True``) and runs threads released together by
a barrier, each with its own connection. The person's row lock (filing) and the unit's
row lock (sealing) take them one at a time; the unique constraints stand behind them."""

import pytest

from jifen.lib.errors import Conflict
from jifen.party import services
from jifen.party.models import Report, Statement
from jifen.people.models import Organization, Person
from jifen.witness.models import Entry
from tests.party.conftest import SATURDAY, reporting, served
from tests.requests.test_concurrency import in_threads

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)


@pg
@transactional
def test_one_person_reporting_from_two_phones_holds_one_report(world, unit):
    def send(i: int) -> Report:
        return services.file_report(
            actor=Person.objects.get(pk=unit.member.pk),
            community=world.wenchang,
            employer=Organization.objects.get(pk=(unit.employer.pk, unit.other.pk)[i % 2]),
        )

    results = in_threads(6, send)
    assert sum(isinstance(r, Report) for r in results) == 1
    assert all(isinstance(r, (Report, Conflict)) for r in results), results
    assert Report.objects.filter(person=unit.member).count() == 1


@pg
@transactional
def test_a_quarter_opened_by_many_at_once_is_sealed_once(world, unit):
    reporting(world, unit)
    served(world, unit, SATURDAY, hours="3")
    callers = [unit.contact.pk, world.staff.pk, world.county_admin.pk] * 2

    def open_(i: int) -> Statement:
        return services.statement(
            actor=Person.objects.get(pk=callers[i]),
            organization=Organization.objects.get(pk=unit.employer.pk),
            quarter="2026Q3",
        )

    results = in_threads(len(callers), open_)
    assert all(isinstance(r, Statement) for r in results), results
    assert len({r.seal for r in results}) == 1
    assert Statement.objects.count() == 1
    assert Entry.objects.filter(kind="statement", period="2026Q3").count() == 1
