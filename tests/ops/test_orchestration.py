"""jifen.ops: the tick as a list of jobs and verify as a list of checks, above every
domain — the commands keep their names, options and output."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.utils import timezone

from jifen.notices.models import Notice
from jifen.ops import tick, verify


def test_the_commands_live_in_ops_under_their_contract_names() -> None:
    commands = get_commands()
    assert {name: commands[name] for name in ("tick", "verify", "bench")} == {
        "tick": "jifen.ops",
        "verify": "jifen.ops",
        "bench": "jifen.ops",
    }


def test_every_job_runs_once_in_order_and_the_closing_line_sums_them_up(db) -> None:
    names = [name for name, _job in tick.JOBS]
    assert names[0] == "settlement" and len(set(names)) == len(names)
    lines = list(tick.run(tick.Options(as_of=date(2025, 2, 1))))
    assert lines[-1] == (
        "tick as of 2025-02-01: 0 posting(s); 0 review reminder(s) sent; "
        "0 old failed login(s) pruned"
    )


def test_a_new_job_is_one_entry_in_the_list(db) -> None:
    seen: list[date] = []

    def prune(options: tick.Options) -> tick.Done:
        seen.append(options.as_of)
        return tick.Done(("example: 2 old thing(s) pruned",), "2 thing(s) pruned")

    jobs = (*tick.JOBS, ("example", prune))
    lines = list(tick.run(tick.Options(as_of=date(2025, 2, 1)), jobs))
    assert seen == [date(2025, 2, 1)]
    assert lines[-2] == "example: 2 old thing(s) pruned"
    assert lines[-1].endswith("; 2 thing(s) pruned")


def test_the_tick_deletes_notices_older_than_a_year(world) -> None:
    old = Notice.objects.create(person=world.resident, kind="test", title="旧", body="")
    Notice.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=366))
    kept = Notice.objects.create(person=world.resident, kind="test", title="新", body="")
    lines = list(tick.run(tick.Options(as_of=timezone.localdate())))
    assert "notices: 1 notice(s) older than a year deleted" in lines
    assert list(Notice.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_job_that_fails_stops_the_tick_before_the_jobs_after_it(db) -> None:
    after: list[str] = []

    def broken(options: tick.Options) -> tick.Done:
        raise RuntimeError("disk full")

    def later(options: tick.Options) -> tick.Done:
        after.append("ran")
        return tick.Done()

    with pytest.raises(RuntimeError):
        list(tick.run(tick.Options(as_of=date(2025, 2, 1)), (("broken", broken), ("later", later))))
    assert after == []


def test_verify_runs_every_check_and_a_broken_one_is_a_line(db, monkeypatch) -> None:
    names = [name for name, _check in verify.CHECKS]
    assert names == ["ledger", "seals", "disclosures", "statements"]
    assert list(verify.violations()) == []

    def broken(region):
        raise ValueError("unreadable row")

    monkeypatch.setattr("jifen.ops.verify.check_seals", broken)
    assert list(verify.violations()) == ["check seals could not finish: ValueError: unreadable row"]
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("verify", stdout=out, stderr=err)
    assert exit_code.value.code == 1 and "1 violation(s) found" in err.getvalue()


def test_the_tick_refuses_a_bad_day_and_workers_as_before(db) -> None:
    with pytest.raises(CommandError, match="--as-of must be a date like"):
        call_command("tick", "--as-of", "junk", stdout=StringIO())
    with pytest.raises(CommandError, match="--workers must be at least 1"):
        call_command("tick", "--as-of", "2025-02-01", "--workers", "0", stdout=StringIO())


def test_bench_names_an_unknown_benchmark_without_running_any() -> None:
    with pytest.raises(CommandError, match="no benchmark is called 'nosuch'; known: "):
        call_command("bench", "--only", "nosuch", stdout=StringIO())
