"""核验我的积分: a resident's own entries of every sealed month checked on the server, with
the code a downloaded proof goes through; the page that says, in plain words, what was
checked; the button on 我的积分 that leads there."""

import json

import pytest
from django.test import Client

from jifen.points.models import Transfer
from jifen.publicity import selectors, self_check, services
from jifen.publicity.models import Announcement
from tests.browser.helpers import zh
from tests.publicity.conftest import Book, Month, Months, at
from tests.publicity.test_tamper import raw, triggers_dropped

pytestmark = pytest.mark.django_db

TRANSFERS = Transfer._meta.db_table


@pytest.fixture
def as_person():
    def login(person) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return login


def _tamper_amount(transfer: Transfer, amount: int) -> None:
    with triggers_dropped():
        raw(f"UPDATE {TRANSFERS} SET amount = %s WHERE id = %s", [amount, transfer.pk])  # noqa: S608


# --- The service -------------------------------------------------------------------------------


def test_a_residents_sealed_months_check_out(last_month: Month, published: Announcement):
    check = self_check.check_mine(last_month.resident)
    assert check.ok
    assert [m.announcement.pk for m in check.months] == [published.pk]
    assert check.entries == 2  # 20 earned and 15 redeemed, both theirs
    assert check.seals == 1
    assert check.months[0].problems == []


def test_it_is_the_check_a_downloaded_proof_goes_through(
    last_month: Month, published: Announcement, as_person
):
    download = as_person(last_month.resident).get(f"/verify/proof/{published.pk}.json")
    document = json.loads(download.content)
    verdict = selectors.verdict(document)
    month = self_check.check_month(last_month.resident, published)
    assert verdict.ok and month.ok
    assert len(document["entries"]) == month.entries


def test_a_changed_entry_of_theirs_fails_and_says_which(last_month: Month, published):
    _tamper_amount(last_month.transfers[0], 200)  # the resident's 20 made 200
    check = self_check.check_mine(last_month.resident)
    assert not check.ok
    failed = check.failed[0]
    assert failed.announcement.pk == published.pk
    assert any(str(last_month.transfers[0].pk) in problem for problem in failed.problems)
    # Others' own entries are untouched and still check out (jifen verify reports the rest).
    assert self_check.check_mine(last_month.li).ok


def test_an_entry_slipped_into_a_sealed_month_is_reported(
    world, last_month: Month, published, book: Book
):
    book.award(world.resident, 99, at(last_month.month, 28))  # dated into the sealed month
    check = self_check.check_mine(last_month.resident)
    assert not check.ok
    assert check.entries == 2  # the proof holds only what was sealed
    # The seal and the sealed entries still check out; the one written since is named.
    assert len(check.failed[0].problems) == 1
    assert selectors.verdict(selectors.proof_for(world.resident, published)).ok


def test_unreadable_seal_data_is_a_failure_never_a_crash(last_month: Month, published):
    Announcement.objects.filter(pk=published.pk).update(leaves=b"\x00" * 7)
    check = self_check.check_mine(last_month.resident)
    assert not check.ok and check.months[0].entries == 0


def test_nothing_sealed_nothing_checked(world, last_month: Month, drafted):
    assert self_check.check_mine(world.resident).months == []
    world.resident.community = None
    assert self_check.check_mine(world.resident).months == []


def test_the_seal_facts_of_a_month_and_its_chain(
    world, last_month: Month, months: Months, book: Book
):
    book.award(world.resident, 5, at(months.before, 12))
    before = services.publish(
        actor=world.reviewer,
        announcement=services.draft(
            actor=world.staff, community=world.wenchang, month=months.before
        ),
    )
    last = services.publish(
        actor=world.reviewer,
        announcement=services.draft(
            actor=world.staff, community=world.wenchang, month=last_month.month
        ),
    )
    first = self_check.seal_facts(before)
    assert first.seal_ok and first.chain_ok and first.previous is None
    second = self_check.seal_facts(last)
    assert second.seal_ok and second.chain_ok and second.previous.pk == before.pk
    assert self_check.check_mine(world.resident).seals == 2
    Announcement.objects.filter(pk=last.pk).update(previous_seal="0" * 64)
    broken = self_check.seal_facts(Announcement.objects.get(pk=last.pk))
    assert not broken.seal_ok and not broken.chain_ok


# --- The page ------------------------------------------------------------------------------------


def test_the_page_says_what_was_checked_and_that_it_passed(last_month: Month, published, as_person):
    response = as_person(last_month.resident).get("/verify/mine/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-verdict="ok"' in page
    assert 'data-count="months">1<' in page
    assert 'data-count="entries">2<' in page
    assert 'data-count="seals">1<' in page
    assert published.seal in page
    assert f"/verify/proof/{published.pk}.json" in page
    assert zh("All correct.") in page


def test_the_page_shows_a_failure_plainly(last_month: Month, published, as_person):
    _tamper_amount(last_month.transfers[3], 1)  # the resident's redemption of 15 made 1
    response = as_person(last_month.resident).get("/verify/mine/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-verdict="failed"' in page and 'class="check-bad"' in page


def test_the_page_needs_a_login(published):
    response = Client().get("/verify/mine/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_resident_with_nothing_sealed_sees_an_empty_state(world, last_month, drafted, as_person):
    page = as_person(world.neighbour).get("/verify/mine/").content.decode()
    assert 'data-verdict="none"' in page


def test_my_points_leads_there_in_one_click(world, as_person):
    page = as_person(world.resident).get("/points/").content.decode()
    assert 'href="/verify/mine/"' in page
    assert 'data-consent="given"' in page and 'href="/consent/"' in page
