"""A malicious operator edits the ledger behind Jifen's back; ``jifen verify`` catches it.

The append-only triggers (migration points/0002) stop any UPDATE or DELETE of a
transfer, so the operator drops them first, changes a sealed month's rows directly in the
database, and puts them back. Whatever was done — an amount, a memo, a timestamp moved
by one microsecond, a transfer slipped into the month, one deleted — ``jifen verify`` exits
1 and names the community, the month and the transfer; the months nobody touched stay
clean. These run on whichever database the run uses (SQLite, and PostgreSQL in its pass);
the last ones, marked ``pg``, do it on PostgreSQL from outside: committed, with the
command line in a subprocess, as the operator would see it.
"""

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from jifen.points.models import Transfer
from jifen.publicity import selectors, services
from jifen.publicity.models import Announcement
from tests.conftest import World
from tests.publicity.conftest import Book, Month, Months, at

pytestmark = pytest.mark.django_db

APPEND_ONLY = importlib.import_module("jifen.points.migrations.0002_append_only_ledger")
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def triggers_dropped() -> Iterator[None]:
    """Drop the ledger's append-only triggers, as the database's owner can, and put them
    back afterwards exactly as migration 0002 makes them."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for sql in APPEND_ONLY.POSTGRES_REVERSE if postgres else APPEND_ONLY.SQLITE_REVERSE:
            cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in APPEND_ONLY.POSTGRES if postgres else APPEND_ONLY.SQLITE:
                cursor.execute(sql)


def raw(sql: str, params: list | tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify(**options: str) -> tuple[int, list[str]]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify", stdout=out, stderr=err, **options)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue().splitlines()
    return 0, out.getvalue().splitlines()


@dataclass
class Sealed:
    month: Month
    months: Months
    before: Announcement  # 文昌, the month before last (one transfer)
    last: Announcement  # 文昌, last month (six transfers)
    jinyue: Announcement  # 金悦, last month (one transfer)

    @property
    def code(self) -> str:
        return self.month.community.code

    def where(self, month: str, community: str | None = None) -> str:
        return f"sealed month {community or self.code} {month}"


@pytest.fixture
def sealed(last_month: Month, months: Months, book: Book) -> Sealed:
    world = last_month.world
    book.award(world.resident, 8, at(months.before, 11), memo="上上月")

    def announce(community, month):  # type: ignore[no-untyped-def]
        drafted = services.draft(actor=None, community=community, month=month)
        return services.publish(actor=world.county_admin, announcement=drafted)

    result = Sealed(
        month=last_month,
        months=months,
        before=announce(world.wenchang, months.before),
        last=announce(world.wenchang, months.last),
        jinyue=announce(world.jinyue, months.last),
    )
    assert verify() == (0, [])
    return result


def seal_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("sealed month ")]


def assert_only(sealed: Sealed, lines: list[str], *expected: str) -> None:
    """Each expected line is reported, and only the tampered month speaks of seals."""
    for line in expected:
        assert line in lines, "\n".join(lines)
    touched = {line.split(":")[0] for line in expected}
    assert {line.split(":")[0] for line in seal_lines(lines)} == touched, "\n".join(lines)


def test_nothing_touched_verifies_clean(sealed: Sealed):
    assert verify() == (0, [])
    assert verify(region=sealed.month.world.town.code) == (0, [])


def test_the_triggers_are_back_after_tampering(sealed: Sealed):
    transfer = sealed.month.transfers[0]
    with triggers_dropped():
        raw("UPDATE points_transfer SET memo = %s WHERE id = %s", ["改", transfer.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("UPDATE points_transfer SET memo = %s WHERE id = %s", ["再改", transfer.pk])


def test_a_changed_amount_is_named(sealed: Sealed):
    transfer = sealed.month.transfers[1]
    with triggers_dropped():
        raw("UPDATE points_transfer SET amount = amount + 100 WHERE id = %s", [transfer.pk])
    code, lines = verify()
    assert code == 1
    where = sealed.where(sealed.months.last)
    assert_only(sealed, lines, f"{where}: transfer {transfer.pk} was changed after sealing")
    assert any(line.startswith(f"{where}: its transfers give root ") for line in lines)
    # The balance no longer matches its transfers either: the ledger check says so too.
    assert any(line.startswith("balance mismatch") for line in lines)


def test_a_changed_memo_is_named(sealed: Sealed):
    transfer = sealed.month.transfers[0]
    with triggers_dropped():
        raw(
            "UPDATE points_transfer SET memo = %s WHERE id = %s",
            ["江滨花园3栋楼道清扫 9 小时", transfer.pk],
        )
    code, lines = verify()
    assert code == 1
    where = sealed.where(sealed.months.last)
    assert_only(sealed, lines, f"{where}: transfer {transfer.pk} was changed after sealing")
    # Nothing else about the ledger is wrong: only the seal can tell.
    assert seal_lines(lines) == lines


def test_a_timestamp_moved_by_one_microsecond_is_named(sealed: Sealed):
    transfer = sealed.month.transfers[2]
    moved = transfer.created_at + timedelta(microseconds=1)
    with triggers_dropped():
        raw(
            "UPDATE points_transfer SET created_at = %s WHERE id = %s",
            [connection.ops.adapt_datetimefield_value(moved), transfer.pk],
        )
    assert Transfer.objects.get(pk=transfer.pk).created_at == moved
    code, lines = verify()
    assert code == 1
    where = sealed.where(sealed.months.last)
    assert_only(sealed, lines, f"{where}: transfer {transfer.pk} was changed after sealing")
    assert seal_lines(lines) == lines


def _copy_of(transfer: Transfer, key: str) -> int:
    """INSERT a copy of a transfer under another idempotency key, in plain SQL."""
    columns = [f.column for f in Transfer._meta.concrete_fields if f.column != "id"]
    picked = ", ".join("%s" if c == "idempotency_key" else c for c in columns)
    raw(
        f"INSERT INTO points_transfer ({', '.join(columns)}) "  # noqa: S608 - our own columns
        f"SELECT {picked} FROM points_transfer WHERE id = %s",
        [key, transfer.pk],
    )
    return Transfer.objects.get(idempotency_key=key).pk


def test_a_transfer_slipped_into_a_sealed_month_is_named(sealed: Sealed):
    # An INSERT needs no trigger dropped: the ledger is append-only, and this appends.
    inserted = _copy_of(sealed.month.transfers[0], "slipped-in")
    code, lines = verify()
    assert code == 1
    where = sealed.where(sealed.months.last)
    assert_only(sealed, lines, f"{where}: transfer {inserted} was inserted after sealing")
    assert f"{where}: transfer {sealed.month.transfers[0].pk} was changed after sealing" not in (
        lines
    )


def test_a_deleted_transfer_is_named(sealed: Sealed):
    transfer = sealed.month.transfers[4]
    with triggers_dropped():
        raw("DELETE FROM points_transfer WHERE id = %s", [transfer.pk])
    code, lines = verify()
    assert code == 1
    where = sealed.where(sealed.months.last)
    assert_only(sealed, lines, f"{where}: transfer {transfer.pk} was deleted after sealing")


def test_a_transfer_moved_to_another_community_is_gone_from_one_and_new_in_the_other(
    sealed: Sealed,
):
    transfer = sealed.month.transfers[1]
    jinyue = sealed.month.world.jinyue
    with triggers_dropped():
        raw("UPDATE points_transfer SET region_id = %s WHERE id = %s", [jinyue.pk, transfer.pk])
    code, lines = verify()
    assert code == 1
    assert_only(
        sealed,
        lines,
        f"{sealed.where(sealed.months.last)}: transfer {transfer.pk} was deleted after sealing",
        f"{sealed.where(sealed.months.last, jinyue.code)}: transfer {transfer.pk} "
        "was inserted after sealing",
    )


def test_a_transfer_moved_out_of_its_month_is_named(sealed: Sealed):
    transfer = sealed.month.transfers[0]
    earlier = at(sealed.months.before, 20)
    with triggers_dropped():
        raw(
            "UPDATE points_transfer SET created_at = %s WHERE id = %s",
            [connection.ops.adapt_datetimefield_value(earlier), transfer.pk],
        )
    code, lines = verify()
    assert code == 1
    assert_only(
        sealed,
        lines,
        f"{sealed.where(sealed.months.last)}: transfer {transfer.pk} was deleted after sealing",
        f"{sealed.where(sealed.months.before)}: transfer {transfer.pk} was inserted after sealing",
    )


def test_a_changed_seal_record_is_caught(sealed: Sealed):
    raw(
        "UPDATE publicity_announcement SET root = %s WHERE id = %s",
        ["0" * 64, sealed.last.pk],
    )
    code, lines = verify()
    assert code == 1
    where = sealed.where(sealed.months.last)
    assert any(line.startswith(f"{where}: its transfers give root") for line in lines)
    assert f"{where}: the seal does not match its record or the previous month's seal" in lines


def test_a_vanished_month_breaks_the_chain_of_the_next(sealed: Sealed):
    raw("DELETE FROM publicity_announcement WHERE id = %s", [sealed.before.pk])
    code, lines = verify()
    assert code == 1
    assert lines == [
        f"{sealed.where(sealed.months.last)}: the seal does not match its record or the "
        "previous month's seal"
    ]


def test_verify_of_a_region_looks_only_there(sealed: Sealed):
    transfer = sealed.month.transfers[1]
    with triggers_dropped():
        raw("UPDATE points_transfer SET memo = %s WHERE id = %s", ["改", transfer.pk])
    assert verify(region=sealed.month.world.jinyue.code) == (0, [])
    code, lines = verify(region=sealed.month.world.town.code)
    assert code == 1 and seal_lines(lines)


def test_a_resident_proof_tells_their_own_changed_entry_from_someone_elses(sealed: Sealed):
    world: World = sealed.month.world
    mine, theirs = sealed.month.transfers[0], sealed.month.transfers[2]
    with triggers_dropped():
        raw("UPDATE points_transfer SET amount = 300 WHERE id = %s", [theirs.pk])
    # Someone else's entry changed: the resident's own entries still check out.
    proof = selectors.proof_for(world.resident, sealed.last)
    assert selectors.check_proof(proof) == []
    with triggers_dropped():
        raw("UPDATE points_transfer SET amount = 200 WHERE id = %s", [mine.pk])
    result = selectors.check_document(selectors.proof_for(world.resident, sealed.last))
    assert [(e.transfer, e.ok) for e in result.entries] == [
        (mine.pk, False),
        (sealed.month.transfers[3].pk, True),
    ]
    assert result.seal_ok and not result.ok


# --- PostgreSQL, committed, the command line in a subprocess -------------------------------------


def _cli_verify(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}"
        + (f":{settings['PASSWORD']}" if settings.get("PASSWORD") else "")
        + f"@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = {
        **os.environ,
        "JIFEN_DATABASE_URL": url,
        "JIFEN_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
    }
    return subprocess.run(
        [sys.executable, "-m", "jifen", "verify"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tamper", ["amount", "memo", "created_at", "insert", "delete"])
def test_jifen_verify_on_the_command_line_names_what_was_done(
    sealed: Sealed, tmp_path: Path, tamper: str
):
    transfer = sealed.month.transfers[3]
    where = sealed.where(sealed.months.last)
    expected = f"{where}: transfer {transfer.pk} was changed after sealing"
    with triggers_dropped():
        if tamper == "amount":
            raw("UPDATE points_transfer SET amount = 1 WHERE id = %s", [transfer.pk])
        elif tamper == "memo":
            raw("UPDATE points_transfer SET memo = memo || '.' WHERE id = %s", [transfer.pk])
        elif tamper == "created_at":
            raw(
                "UPDATE points_transfer SET created_at = created_at + interval '1 microsecond' "
                "WHERE id = %s",
                [transfer.pk],
            )
        elif tamper == "insert":
            inserted = _copy_of(transfer, "cli-slipped-in")
            expected = f"{where}: transfer {inserted} was inserted after sealing"
        else:
            raw("DELETE FROM points_transfer WHERE id = %s", [transfer.pk])
            expected = f"{where}: transfer {transfer.pk} was deleted after sealing"
    done = _cli_verify(tmp_path)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert_only(sealed, lines, expected)
    assert "violation(s) found" in done.stderr


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_jifen_verify_on_the_command_line_passes_an_untouched_ledger(
    sealed: Sealed, tmp_path: Path
):
    done = _cli_verify(tmp_path)
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
