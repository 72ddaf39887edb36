"""The demo shows the to-do's lines to the logins it prints: an appeal and an import
waiting for the reviewer, an objection for the staff, and for the demo volunteer an order
ready, an answered objection and an activity tomorrow — once however often `jifen seed
demo` runs, and `jifen verify` stays clean after it and `jifen tick`."""

from io import StringIO

import pytest
from django.core.management import call_command

from jifen.claims.models import Appeal, AppealStatus
from jifen.imports.models import Batch, BatchStatus, Entry
from jifen.inbox.selectors import todo_for
from jifen.people.models import Person
from jifen.publicity.models import Objection

REVIEWER, STAFF, VOLUNTEER = "13800000003", "13800000002", "13900000001"


@pytest.fixture
def seeded(db) -> None:
    call_command("seed", "demo", stdout=StringIO())


def kinds(phone: str) -> dict[str, int]:
    return {item.kind: item.count for item in todo_for(Person.objects.get(phone=phone))}


def test_the_demo_logins_find_every_kind_of_work_waiting(seeded) -> None:
    reviewer = kinds(REVIEWER)
    assert {"claims_to_review", "appeals", "filings", "imports_to_approve"} <= set(reviewer)
    assert reviewer["appeals"] == 1 and reviewer["imports_to_approve"] == 1
    staff = kinds(STAFF)
    assert {"objections", "pickups", "unconsented"} <= set(staff)
    volunteer = kinds(VOLUNTEER)
    assert {"orders_ready", "objections_answered", "activities_tomorrow"} <= set(volunteer)
    # The importer waits for the review group: their own import is not on their to-do.
    assert "imports_to_approve" not in staff
    # The reviewer who rejected the appealed claim does not decide the appeal.
    assert "appeals" not in kinds("13800000004")


def test_seeding_again_adds_no_work_and_tick_leaves_the_ledger_verified(seeded) -> None:
    before = {phone: kinds(phone) for phone in (REVIEWER, STAFF, VOLUNTEER)}
    counts = (
        Appeal.objects.count(),
        Batch.objects.count(),
        Entry.objects.count(),
        Objection.objects.count(),
    )
    call_command("seed", "demo", stdout=StringIO())
    assert {phone: kinds(phone) for phone in before} == before
    assert (
        Appeal.objects.count(),
        Batch.objects.count(),
        Entry.objects.count(),
        Objection.objects.count(),
    ) == counts
    assert Appeal.objects.get().status == AppealStatus.OPEN
    assert Batch.objects.get(kind="history").status == BatchStatus.PENDING
    call_command("tick", stdout=StringIO(), stderr=StringIO())
    out, err = StringIO(), StringIO()
    call_command("verify", stdout=out, stderr=err)  # exits 1 on any violation
    assert out.getvalue() == "" and "ledger verified" in err.getvalue()
