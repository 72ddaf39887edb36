"""``jifen verify --against FILE``: a checkpoint kept from before, held against today.

The thorough insider rewrites a sealed month completely — a transfer's amount, both
balances, the announcement's root, seal and leaves, and the witness logs' entries with
their chain hashes, all consistent with each other — so that ``jifen verify`` on the
server alone has nothing to compare with. A checkpoint someone kept from before the
rewrite still names the community and the month.
"""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from jifen.ops import against, verify
from jifen.points.models import Account, Transfer
from jifen.publicity import seal as month_seal
from jifen.publicity import services as publicity
from jifen.publicity.models import Announcement
from jifen.witness import document, selectors, services
from jifen.witness.models import Entry, Log
from tests.publicity.conftest import Month
from tests.publicity.test_tamper import triggers_dropped
from tests.witness.conftest import PASSPHRASE, checkpoint_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(published: Announcement, last_month: Month, tmp_path: Path) -> Path:
    """The county's checkpoint, downloaded and kept after the month was published."""
    path = tmp_path / "checkpoint-350524.json"
    path.write_bytes(checkpoint_bytes(selectors.checkpoint(last_month.world.county)))
    return path


def run(path: Path) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify", against=str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def rewrite_thoroughly(announcement: Announcement, transfer: Transfer, extra: int) -> None:
    """What an insider with the database's keys does to leave no trace on the server."""
    with triggers_dropped(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE points_transfer SET amount = amount + %s WHERE id = %s", [extra, transfer.pk]
        )
        # The issuer's side lives in its slots (a system account); the holder's in its row.
        cursor.execute(
            "UPDATE points_systemslot SET balance = balance - %s WHERE id = "
            "(SELECT MIN(id) FROM points_systemslot WHERE account_id = %s)",
            [extra, transfer.debit_id],
        )
        cursor.execute(
            "UPDATE points_account SET balance = balance + %s, earned = earned + %s WHERE id = %s",
            [extra, extra, transfer.credit_id],
        )
    # The announcement re-sealed from the rewritten rows, with publicity's own code.
    announcement.refresh_from_db()
    version = int(getattr(announcement, "version", month_seal.V1) or month_seal.V1)
    if version == month_seal.V1:
        ids, leaves = publicity.month_leaves(announcement.community, announcement.month)
        totals = None
    else:
        salts = month_seal.unpack_salts(announcement.salts)
        month = publicity.month_leaves_v2(announcement.community, announcement.month, salts)
        ids, leaves, totals = month.ids, month.leaves, month.totals
        announcement.totals = totals
    root = month_seal.root(leaves).hex()
    new_seal = month_seal.seal_of(
        version,
        announcement.community.code,
        announcement.month,
        len(leaves),
        root,
        announcement.previous_seal,
        totals,
    )
    old_seal = announcement.seal
    announcement.root, announcement.seal = root, new_seal
    announcement.leaves = month_seal.pack_leaves(ids, leaves)
    announcement.save()
    # And the witness logs, their entries and chain hashes recomputed from that entry on.
    for entry in Entry.objects.filter(seal=old_seal):
        Entry.objects.filter(pk=entry.pk).update(seal=new_seal, root=root)
        log = entry.log
        head = ""
        for row in Entry.objects.filter(log=log).order_by("index"):
            line = services.line(
                community_code=row.community.code,
                kind=row.kind,
                period=row.period,
                subject=row.subject,
                count=row.count,
                root=row.root,
                seal=row.seal,
            )
            head = document.chain(head, line)
            Entry.objects.filter(pk=row.pk).update(chain=head)
        Log.objects.filter(pk=log.pk).update(head=head)


def test_an_untouched_server_holds_the_checkpoint(kept: Path, last_month: Month):
    code, out, err = run(kept)
    assert code == 0, out + err
    assert "350524" in out and "1 month" in out
    outcome = against.against(kept)
    assert outcome.code == against.OK and not outcome.lines


def test_a_later_log_still_extends_an_earlier_checkpoint(kept: Path, last_month: Month):
    services.witness(
        community=last_month.world.jinyue,
        kind="month",
        period=last_month.month,
        seal="c" * 64,
        root="d" * 64,
        count=0,
    )
    outcome = against.against(kept)
    assert outcome.code == against.OK, outcome.lines
    assert "size 2" in outcome.summary


def test_the_thorough_insider_rewrite_is_caught(
    kept: Path, published: Announcement, last_month: Month
):
    world = last_month.world
    rewrite_thoroughly(published, last_month.transfers[0], 200)
    # The server alone sees nothing wrong with the ledger's balances or the month...
    ledger_and_seals = [
        line for line in verify.violations(world.county) if "balance" in line or "sealed" in line
    ]
    assert not [line for line in ledger_and_seals if "balance" in line], ledger_and_seals
    # The log now chains consistently again, and the month recomputes from its rows:
    fresh = selectors.checkpoint(world.county)
    document.check_chain(fresh["entries"], fresh["size"], fresh["head"])
    assert against.month_seal_now(Announcement.objects.get(pk=published.pk))[2] == (
        Announcement.objects.get(pk=published.pk).seal
    )
    # ... but not against the checkpoint kept from before.
    code, out, err = run(kept)
    assert code == 1
    named = f"community {world.wenchang.code} month {last_month.month}"
    assert named in out
    assert "no longer extends the checkpoint" in out
    # A checkpoint taken after the rewrite has nothing to compare with (why keep them).
    after = kept.with_name("after.json")
    after.write_bytes(checkpoint_bytes(fresh))
    assert against.against(after).code == against.OK


def test_a_rewritten_amount_without_resealing_is_named_by_its_month(kept: Path, last_month: Month):
    transfer = last_month.transfers[1]
    with triggers_dropped(), connection.cursor() as cursor:
        cursor.execute("UPDATE points_transfer SET amount = 99 WHERE id = %s", [transfer.pk])
    outcome = against.against(kept)
    assert outcome.code == against.CHANGED
    assert any(
        line.startswith(f"community {last_month.community.code} month {last_month.month}")
        and "today's data give root" in line
        for line in outcome.lines
    )


def test_a_log_cut_short_is_named(kept: Path, last_month: Month):
    Entry.objects.all().delete()
    Log.objects.update(size=0, head="")
    outcome = against.against(kept)
    assert outcome.code == against.CHANGED
    assert any("fewer than the 1 of the checkpoint" in line for line in outcome.lines)
    assert any(last_month.month in line for line in outcome.lines)


def test_a_chain_broken_in_place_is_named(kept: Path, last_month: Month):
    Entry.objects.filter(log__region=last_month.world.county).update(chain="0" * 64)
    outcome = against.against(kept)
    assert outcome.code == against.CHANGED
    assert any("does not add up" in line for line in outcome.lines)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe not utf-8",
        b"[1, 2]",
        b'{"version": "something-else"}',
        b'{"version": "jifen-checkpoint-v1", "region": "350524", "size": 1, "head": "", '
        b'"entries": []}',
    ],
)
def test_an_unreadable_file_exits_2_with_a_reason(kept: Path, content: bytes, last_month: Month):
    bad = kept.with_name("bad.json")
    bad.write_bytes(content)
    code, out, err = run(bad)
    assert code == 2 and "cannot be used" in err and "Traceback" not in err + out


def test_a_missing_file_or_a_directory_exits_2(kept: Path, last_month: Month):
    assert run(kept.with_name("absent.json"))[0] == 2
    assert run(kept.parent)[0] == 2


def test_a_file_whose_entry_was_edited_is_refused_as_forged(kept: Path, last_month: Month):
    held = json.loads(kept.read_bytes())
    held["entries"][0]["seal"] = "e" * 64
    kept.write_bytes(checkpoint_bytes(held))
    code, _out, err = run(kept)
    assert code == 2 and "chain" in err


def test_a_file_of_an_unknown_region_exits_2(kept: Path, last_month: Month):
    held = json.loads(kept.read_bytes())
    held["region"] = "000000"
    kept.write_bytes(checkpoint_bytes(held))
    assert run(kept)[0] == 2


def test_a_signed_file_says_its_signature_verifies_and_a_forged_one_exits_2(
    last_month: Month, tmp_path: Path
):
    world = last_month.world
    services.create_key(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    signed = services.sign(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    path = tmp_path / "signed.json"
    path.write_bytes(checkpoint_bytes(signed))
    code, out, _err = run(path)
    assert code == 0 and "signature verifies" in out
    signed["generated_at"] = "2000-01-01T00:00:00Z"
    path.write_bytes(checkpoint_bytes(signed))
    code, _out, err = run(path)
    assert code == 2 and "signature" in err


def test_a_sealed_disclosure_changed_in_the_database_is_named(last_month: Month, tmp_path):
    from jifen.disclosure import services as disclosures
    from jifen.disclosure.models import Disclosure

    world = last_month.world
    item = disclosures.publish(
        actor=world.staff,
        region=world.wenchang,
        category="finance",
        title="十月收支",
        body="收入 1 元",
    )
    path = tmp_path / "c.json"
    path.write_bytes(checkpoint_bytes(selectors.checkpoint(world.town)))
    assert against.against(path).code == against.OK
    Disclosure.objects.filter(pk=item.pk).update(body="收入 100 元")
    outcome = against.against(path)
    assert outcome.code == against.CHANGED
    assert any(f"disclosure {item.pk}" in line for line in outcome.lines)


def test_the_command_line_in_a_subprocess_never_shows_a_traceback(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"{not json")
    done = subprocess.run(
        [sys.executable, "-m", "jifen", "verify", "--against", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "cannot be used" in done.stderr


def test_accounts_exist_for_the_rewrite(last_month: Month):
    # The rewrite's balance lines touch real accounts (guards the helper above).
    transfer = last_month.transfers[0]
    assert Account.objects.filter(pk__in=[transfer.debit_id, transfer.credit_id]).count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"seal": 5},
        {"count": "1"},
        {"count": -1},
        {"index": True},
        {"community": None},
        {"chain": ["x"]},
    ],
)
def test_an_entry_of_the_wrong_type_exits_2(kept: Path, last_month: Month, change: dict):
    held = json.loads(kept.read_bytes())
    held["entries"][0].update(change)
    kept.write_bytes(checkpoint_bytes(held))
    code, out, err = run(kept)
    assert code == 2 and ("wrong type" in err or "chain" in err), err


def test_a_deeply_nested_file_exits_2(tmp_path: Path, world):
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    code, _out, err = run(deep)
    assert code == 2 and "cannot be used" in err
