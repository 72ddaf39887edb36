"""Seal v2: anyone rebuilds a published month's root, totals and seal from
``GET /public/announcements/{id}/entries`` alone, with a verifier that knows nothing of
Jifen (``public_verifier.py``); months sealed under v1 still verify under v1; the public
page warns when its lines no longer add up to the sealed totals; ``jifen verify`` names
what it cannot read instead of crashing."""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.points.models import Account, Transfer
from jifen.publicity import seal, selectors, services
from jifen.publicity.models import Announcement
from tests.conftest import make_person
from tests.publicity.conftest import Book, Month, Months, at
from tests.publicity.test_tamper import raw, triggers_dropped, verify

pytestmark = pytest.mark.django_db

HERE = Path(__file__).resolve().parent


def _load_verifier() -> Any:
    spec = importlib.util.spec_from_file_location("public_verifier", HERE / "public_verifier.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


V = _load_verifier()


def test_the_verifier_imports_nothing_of_jifen():
    source = (HERE / "public_verifier.py").read_text(encoding="utf-8")
    imports = re.findall(r"^\s*(?:import|from)\s+(\S+)", source, re.M)
    assert set(imports) == {"hashlib", "json", "urllib.request"}


def _entries(client: Any, announcement_id: int, page: int = 1) -> Any:
    return client.get(f"/public/announcements/{announcement_id}/entries?page={page}")


def _fetch_with(client: Any) -> Any:
    def get(url: str) -> Any:
        path = url.split("/api/v1", 1)[1]
        response = client.get(path)
        assert response.status_code == 200, response.content
        return response.json_body

    return get


# --- The public entries --------------------------------------------------------------------------


def test_anyone_rebuilds_the_root_totals_and_seal_from_the_public_entries(
    api, last_month: Month, published: Announcement
):
    head, lines = V.fetch("http://x", published.pk, get=_fetch_with(api()))
    assert V.check(head, lines) == []
    assert head["version"] == "jifen-seal-v2" and head["rebuildable"] is True
    assert [line["transfer"] for line in lines] == [t.pk for t in last_month.transfers]
    assert V.root([V.leaf(line) for line in lines]).hex() == published.root
    assert head["totals"] == {key: published.totals[key] for key in seal.TOTALS}
    assert head["fields"] == V.FIELDS and list(lines[0]) == V.FIELDS
    # No name, phone or memo in public: residents appear by their volunteer number.
    text = json.dumps(lines, ensure_ascii=False)
    for person in (last_month.resident, last_month.li, last_month.shy):
        assert person.name not in text and person.phone not in text
        assert f"person:{person.volunteer_no}" in text
    assert "楼道清扫" not in text  # memos are private
    assert lines[0]["item"] == "clean" and lines[3]["kind"] == "redemption"
    assert lines[3]["debit"] == f"person:{last_month.resident.volunteer_no}"
    assert re.fullmatch(r"shop:#\d+", lines[3]["credit"])


def test_the_entries_come_in_pages_and_every_page_says_how_many(
    api, last_month: Month, published: Announcement, monkeypatch
):
    monkeypatch.setattr(selectors, "ENTRIES_PAGE", 4)
    first = _entries(api(), published.pk).json_body
    assert (first["pages"], first["page_size"], first["lines_count"]) == (2, 4, 6)
    assert len(first["lines"]) == 4
    second = _entries(api(), published.pk, 2).json_body
    assert [line["transfer"] for line in first["lines"] + second["lines"]] == [
        t.pk for t in last_month.transfers
    ]
    assert _entries(api(), published.pk, 3).json_body["lines"] == []
    head, lines = V.fetch("http://x", published.pk, get=_fetch_with(api()))
    assert len(lines) == 6 and V.check(head, lines) == []


def test_a_draft_an_unknown_id_or_a_bad_page_is_refused(
    api, last_month: Month, drafted: Announcement
):
    assert _entries(api(), drafted.pk).status_code == 404
    assert _entries(api(), 987654).status_code == 404
    too_big = api().get("/public/announcements/99999999999999999999/entries")
    assert too_big.status_code in (400, 404)
    services.publish(actor=last_month.world.reviewer, announcement=drafted)
    assert _entries(api(), drafted.pk).status_code == 200
    for page in ("0", "-1", "x", "100001"):
        response = api().get(f"/public/announcements/{drafted.pk}/entries?page={page}")
        assert response.status_code == 400, (page, response.status_code)


@pytest.mark.django_db(transaction=True)
def test_the_verifier_fetches_over_http_from_a_live_server(
    live_server, last_month: Month, published: Announcement, monkeypatch, tmp_path
):
    monkeypatch.setattr(selectors, "ENTRIES_PAGE", 4)  # two pages, fetched one by one
    head, lines = V.fetch(live_server.url, published.pk)
    assert head["pages"] == 2 and len(lines) == 6
    assert V.check(head, lines) == []
    assert head["seal"] == published.seal
    # The document's own script, run as printed against the server.
    doc = (HERE.parents[1] / "docs" / "verification.md").read_text(encoding="utf-8")
    (script,) = re.findall(r"^```python rebuild.py\n(.*?)^```$", doc, re.M | re.S)
    (tmp_path / "rebuild.py").write_text(script, encoding="utf-8")
    url = f"{live_server.url}/api/v1/public/announcements/{published.pk}/entries"
    done = subprocess.run(
        [sys.executable, "rebuild.py", url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [line.split()[-1] for line in done.stdout.strip().split("\n")] == ["ok"] * 3


# --- Months sealed before v2 ---------------------------------------------------------------------


def as_v1(announcement: Announcement) -> Announcement:
    """Re-seal a published month as it was sealed before v2 existed (the migration marks
    every such month v1)."""
    ids, leaves = services.month_leaves(announcement.community, announcement.month)
    root_hex = seal.root(leaves).hex()
    Announcement.objects.filter(pk=announcement.pk).update(
        version=seal.V1,
        salts=None,
        leaves=seal.pack_leaves(ids, leaves),
        root=root_hex,
        seal=seal.seal(
            announcement.community.code,
            announcement.month,
            len(leaves),
            root_hex,
            announcement.previous_seal,
        ),
    )
    announcement.refresh_from_db()
    return announcement


def test_a_v1_month_still_verifies_under_v1_and_says_it_cannot_be_rebuilt(
    api, last_month: Month, published: Announcement
):
    old = as_v1(published)
    assert verify() == (0, [])
    body = _entries(api(), old.pk).json_body
    assert (body["version"], body["rebuildable"], body["lines"], body["totals"]) == (
        "jifen-seal-v1",
        False,
        [],
        None,
    )
    assert V.check(body, []) == ["not rebuildable in public: jifen-seal-v1"]
    document = selectors.proof_for(last_month.resident, old)
    assert document["version"] == "jifen-seal-v1" and "totals" not in document
    assert len(json.loads(document["entries"][0]["entry"])) == len(seal.FIELDS)
    assert selectors.check_proof(document) == []
    assert selectors.verdict(document).ok
    page = Client().get(f"/public/announcements/{old.pk}/")
    assert page.status_code == 200
    assert b"data-self-check" not in page.content  # a v1 seal does not cover its totals
    # A v1 month tampered with is still caught under v1.
    with triggers_dropped():
        raw(
            "UPDATE points_transfer SET memo = %s WHERE id = %s", ["改", last_month.transfers[1].pk]
        )
    code, lines = verify()
    assert code == 1 and any(
        line.endswith(f"transfer {last_month.transfers[1].pk} was changed after sealing")
        for line in lines
    )


def test_a_v2_month_after_a_v1_month_chains_to_it(
    last_month: Month, months: Months, book: Book, api
):
    world = last_month.world
    book.award(world.resident, 8, at(months.before, 11), memo="上上月")
    before = services.publish(
        actor=world.reviewer,
        announcement=services.draft(actor=None, community=world.wenchang, month=months.before),
    )
    before = as_v1(before)
    last = services.publish(
        actor=world.reviewer,
        announcement=services.draft(actor=None, community=world.wenchang, month=months.last),
    )
    assert (last.version, last.previous_seal) == (seal.V2, before.seal)
    assert verify() == (0, [])
    head, lines = V.fetch("http://x", last.pk, get=_fetch_with(api()))
    assert V.check(head, lines) == [] and head["previous_seal"] == before.seal


# --- Tampering, seen by the public ---------------------------------------------------------------


def _page(announcement: Announcement) -> str:
    response = Client().get(f"/public/announcements/{announcement.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_an_untouched_month_says_it_adds_up(published: Announcement):
    page = _page(published)
    assert 'data-self-check="ok"' in page and 'role="alert"' not in page


def test_a_changed_amount_is_seen_by_the_public_verifier_and_the_page(
    api, last_month: Month, published: Announcement
):
    transfer = last_month.transfers[1]
    with triggers_dropped():
        raw("UPDATE points_transfer SET amount = amount + 200 WHERE id = %s", [transfer.pk])
    head, lines = V.fetch("http://x", published.pk, get=_fetch_with(api()))
    problems = V.check(head, lines)
    assert [p.split(":")[0] for p in problems] == ["root", "totals"]
    page = _page(published)
    assert 'role="alert"' in page and 'data-self-check="failed"' in page
    assert 'data-total="issued"' in page and 'data-total="people"' not in page


def test_a_changed_memo_is_seen_by_the_public_through_the_digest(
    api, last_month: Month, published: Announcement
):
    transfer = last_month.transfers[0]
    with triggers_dropped():
        raw("UPDATE points_transfer SET memo = %s WHERE id = %s", ["改过", transfer.pk])
    head, lines = V.fetch("http://x", published.pk, get=_fetch_with(api()))
    assert [p.split(":")[0] for p in V.check(head, lines)] == ["root"]


def test_the_thorough_insider_rewrite_leaves_the_page_warning(
    api, last_month: Month, published: Announcement
):
    """The operator rewrites a sealed transfer (+200), both balances, the stored leaves,
    root and seal together, consistently with Jifen's own code. The public lines then
    rebuild the rewritten root, but not the sealed totals: the public verifier, the page
    and ``jifen verify`` say so. (Had they rewritten the totals too, only a checkpoint
    kept outside the server would show it: the witness side.)"""
    transfer = last_month.transfers[1]
    issuer, holder = transfer.debit_id, transfer.credit_id
    with triggers_dropped():
        raw("UPDATE points_transfer SET amount = amount + 200 WHERE id = %s", [transfer.pk])
    raw(
        "UPDATE points_account SET balance = balance + 200, earned = earned + 200 WHERE id = %s",
        [holder],
    )
    raw(
        "UPDATE points_systemslot SET balance = balance - 200 WHERE id = "
        "(SELECT MIN(id) FROM points_systemslot WHERE account_id = %s)",
        [issuer],
    )
    announcement = Announcement.objects.get(pk=published.pk)
    salts = seal.unpack_salts(announcement.salts)
    month = services.month_leaves_v2(announcement.community, announcement.month, salts)
    root_hex = seal.root(month.leaves).hex()
    sealed_totals = selectors.sealed_totals(announcement)
    forged = seal.seal_v2(
        announcement.community.code,
        announcement.month,
        len(month.leaves),
        root_hex,
        announcement.previous_seal,
        sealed_totals,
    )
    Announcement.objects.filter(pk=published.pk).update(
        leaves=seal.pack_leaves(month.ids, month.leaves), root=root_hex, seal=forged
    )
    # The ledger's own invariants hold again; a downloaded proof checks out.
    code, lines = verify()
    assert not [line for line in lines if line.startswith("balance mismatch")], lines
    announcement.refresh_from_db()
    # A downloaded proof checks out on its own; only the county's checkpoint, which still
    # holds the seal of publication, tells it is not the month as published.
    rewritten = selectors.verdict(selectors.proof_for(last_month.li, announcement))
    assert rewritten.check.ok and rewritten.matches and rewritten.witnessed is False
    # The public rebuilds the rewritten root ... and finds the totals do not add up.
    head, public_lines = V.fetch("http://x", published.pk, get=_fetch_with(api()))
    assert [p.split(":")[0] for p in V.check(head, public_lines)] == ["totals"]
    page = _page(published)
    assert 'role="alert"' in page and 'data-total="issued"' in page
    where = f"sealed month {announcement.community.code} {announcement.month}"
    assert code == 1 and f"{where}: its transfers give totals" in "\n".join(lines)


def test_totals_changed_without_the_seal_break_the_seal_on_the_page(published: Announcement):
    totals = {**published.totals, "issued": published.totals["issued"] + 1}
    Announcement.objects.filter(pk=published.pk).update(totals=totals)
    page = _page(published)
    assert 'role="alert"' in page and 'data-self-check="failed"' in page
    code, lines = verify()
    assert code == 1


# --- jifen verify never crashes ------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite stores any bytes as TEXT")
@pytest.mark.parametrize("column", ["leaves", "salts"])
def test_an_undecodable_blob_is_a_violation_line_and_the_rest_is_checked(
    last_month: Month, months: Months, book: Book, column: str
):
    world = last_month.world
    other = services.publish(
        actor=world.county_admin,
        announcement=services.draft(actor=None, community=world.jinyue, month=months.last),
    )
    broken = services.publish(
        actor=world.reviewer,
        announcement=services.draft(actor=None, community=world.wenchang, month=months.last),
    )
    # The reported crash: bytes that are not UTF-8, stored as TEXT, cannot be read back.
    raw(
        f"UPDATE publicity_announcement SET {column} = CAST(X'FF00FE' AS TEXT) WHERE id = %s",  # noqa: S608
        [broken.pk],
    )
    with pytest.raises(Exception, match="decode"):
        list(Announcement.objects.filter(pk=broken.pk).values_list(column, flat=True))
    code, lines = verify()
    assert code == 1
    where = f"sealed month {world.wenchang.code} {months.last}"
    (line,) = [line for line in lines if line.startswith(where)]
    assert f"its stored {column} could not be read" in line
    # The other community's month was still checked: tamper with it and it is named.
    with triggers_dropped():
        raw("UPDATE points_transfer SET memo = 'x' WHERE id = %s", [last_month.elsewhere[0].pk])
    code, lines = verify()
    assert any(
        line.startswith(f"sealed month {world.jinyue.code} {months.last}: transfer")
        for line in lines
    )
    assert other.pk


def test_unreadable_totals_and_an_unknown_version_are_violation_lines(published: Announcement):
    where = f"sealed month {published.community.code} {published.month}"
    raw("UPDATE publicity_announcement SET totals = %s WHERE id = %s", ["[1]", published.pk])
    code, lines = verify()
    assert code == 1 and any(
        line.startswith(f"{where}: could not be checked: ") and "totals" in line for line in lines
    ), lines
    raw(
        "UPDATE publicity_announcement SET totals = %s WHERE id = %s",
        ['{"issued": "x"}', published.pk],
    )
    code, lines = verify()
    assert any(line.startswith(f"{where}: could not be checked") for line in lines), lines
    assert Client().get(f"/public/announcements/{published.pk}/").status_code == 200
    assert Client().get(f"/api/v1/public/announcements/{published.pk}/entries").status_code == 409
    raw("UPDATE publicity_announcement SET version = 9 WHERE id = %s", [published.pk])
    code, lines = verify()
    assert f"{where}: could not be checked: its seal version 9 is unknown" in lines


# --- Any month: the public root is the stored root -----------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    moves=st.lists(
        st.tuples(
            st.integers(0, 3),  # who
            st.integers(1, 60),  # points
            st.integers(1, 28),  # day
            st.sampled_from(["award", "bonus", "redeem"]),
            st.text(max_size=12),  # memo: anything, quotes and control characters too
        ),
        max_size=14,
    )
)
def test_the_public_root_of_any_month_is_the_stored_root(world, months: Months, moves):
    with transaction.atomic():
        book = Book()
        people = [world.resident] + [make_person(world.wenchang, f"居民{i}") for i in range(3)]
        for n, (who, points, day, kind, memo) in enumerate(moves):
            person = people[who]
            when = at(months.last, day, 10, 0, n)
            if kind == "redeem":
                balance = Account.objects.filter(person=person).values_list("balance", flat=True)
                if (balance.first() or 0) < points:
                    continue
                book.redeem(person, points, when, memo=memo.replace("\x00", ""))
            else:
                book.award(person, points, when, memo=memo.replace("\x00", ""), kind=kind)
        drafted = services.draft(actor=None, community=world.wenchang, month=months.last)
        published = services.publish(actor=world.reviewer, announcement=drafted)
        head = selectors.public_entries(published, 1)
        head = json.loads(json.dumps(head, default=str))
        assert V.check(head, head["lines"]) == []
        assert V.root([V.leaf(line) for line in head["lines"]]).hex() == published.root
        assert head["totals"] == {
            key: selectors.month_totals(world.wenchang, months.last)[key] for key in seal.TOTALS
        }
        assert Transfer.objects.filter(region=world.wenchang).count() == head["count"]
        transaction.set_rollback(True)


# --- Proof paths must fit their place; gaps in the chain ------------------------------------------


def test_the_sides_of_a_path_follow_from_index_and_count():
    assert seal.sides(0, 1) == []
    assert seal.sides(0, 3) == ["R", "R"]
    assert seal.sides(2, 3) == ["L"]  # promoted past the level where it is alone
    assert seal.sides(4, 5) == ["L"]
    assert seal.sides(3, 5) == ["L", "L", "R"]
    leaves = [seal.leaf_hash(f"[{i}]".encode()) for i in range(13)]
    for count in range(1, 14):
        for index in range(count):
            path = seal.proof(leaves[:count], index)
            assert [side for side, _sibling in path] == seal.sides(index, count)
    with pytest.raises(IndexError):
        seal.sides(3, 3)


def test_a_proof_whose_index_does_not_fit_its_path_fails(
    last_month: Month, published: Announcement
):
    document = selectors.proof_for(last_month.resident, published)
    assert selectors.check_proof(document) == []
    moved = json.loads(json.dumps(document))
    moved["entries"][0]["index"] = 1  # the same leaf and path, claimed at another place
    result = selectors.check_document(moved)
    assert not result.ok and [e.ok for e in result.entries] == [False, True]
    outside = json.loads(json.dumps(document))
    outside["entries"][0]["index"] = 6
    assert not selectors.check_document(outside).ok


def test_a_month_with_transfers_left_out_of_the_chain_is_named(
    last_month: Month, months: Months, book: Book
):
    world = last_month.world
    book.award(world.resident, 8, at(months.before, 11), memo="上上月")
    before = services.draft(actor=None, community=world.wenchang, month=months.before)
    services.publish(actor=world.reviewer, announcement=before)
    drafted = services.draft(actor=None, community=world.wenchang, month=months.last)
    services.publish(actor=world.reviewer, announcement=drafted)
    assert verify() == (0, [])
    # Publication refuses to skip a month with transfers once a community has sealed
    # one, so only a change behind Jifen's back leaves a gap: the earlier month's record
    # moved away, its transfers are in a month the chain skips.
    Announcement.objects.filter(pk=before.pk).update(month="2001-01")
    code, lines = verify()
    where = f"sealed month {world.wenchang.code} {months.last}"
    gap = (
        f"{where}: {months.before} has point changes but was never published: "
        "a gap in the community's chain"
    )
    assert code == 1 and gap in lines, lines


# --- The checkpoint, on the resident's verify page and the public pages ---------------------------


def test_the_verdict_says_the_seal_is_in_the_countys_checkpoint(
    last_month: Month, published: Announcement
):
    document = selectors.proof_for(last_month.resident, published)
    found = selectors.verdict(document)
    assert found.ok and found.witnessed is True
    # A seal rewritten in the database after publication is not the one witnessed.
    forged = "ab" * 32
    Announcement.objects.filter(pk=published.pk).update(seal=forged)
    rewritten = selectors.verdict({**document, "seal": forged})
    assert rewritten.witnessed is False and not rewritten.ok


def test_the_public_page_and_the_kiosk_show_the_checkpoint_badge(published: Announcement):
    page = _page(published)
    assert 'class="witness-badge"' in page and "data-entries" in page
    kiosk = Client().get(reverse("publicity:kiosk_panels", args=[published.community.code]))
    assert kiosk.status_code == 200 and b'class="witness-badge"' in kiosk.content


def test_the_paper_announcement_prints_the_checkpoint(published: Announcement):
    from jifen.publicity import pdf  # noqa: PLC0415 - only here

    data = pdf.announcement_pdf(published, "https://jifen.example/public/announcements/1/")
    assert data.startswith(b"%PDF")
    assert pdf._checkpoint_block(published, "https://jifen.example/x", pdf._styles()) is not None


def test_the_verify_page_says_whether_the_seal_is_in_the_checkpoint(
    last_month: Month, published: Announcement
):
    document = json.dumps(selectors.proof_for(last_month.resident, published))
    page = Client().post("/verify/", {"document": document}).content.decode()
    assert 'data-witnessed="yes"' in page
    Announcement.objects.filter(pk=published.pk).update(seal="cd" * 32)
    forged = json.dumps({**json.loads(document), "seal": "cd" * 32})
    page = Client().post("/verify/", {"document": forged}).content.decode()
    assert 'data-witnessed="no"' in page and 'data-verdict="failed"' in page
