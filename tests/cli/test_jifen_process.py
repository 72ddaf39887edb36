"""`python -m jifen` as an operator runs it: a real process on its own SQLite file."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def _jifen(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
    env["JIFEN_DATA_DIR"] = str(data_dir)
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "jifen", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.skipif(
    os.environ.get("JIFEN_DATABASE_URL", "").startswith("postgres"),
    reason="runs its own SQLite instance: once, in the SQLite pass",
)
def test_an_operator_sets_up_an_instance_from_the_command_line(tmp_path):
    def ok(*args: str) -> str:
        done = _jifen(tmp_path, *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    ok("migrate", "--no-input")
    ok("region", "add", "--code", "350524", "--name", "安溪县", "--level", "county")
    ok(
        "region", "add", "--code", "350524100001", "--name", "文昌社区", "--level", "community",
        "--parent", "350524",
    )  # fmt: skip
    out = ok(
        "createuser", "--phone", "13800000002", "--password", "desk-worker-8", "--name", "陈文昌",
        "--community", "350524100001", "--staff", "staff", "--region", "350524100001",
    )  # fmt: skip
    person_id = out.rstrip("\n").splitlines()[-1]
    assert person_id.isdigit(), out
    ok("grant", "--phone", "13800000002", "--staff", "reviewer", "--region", "350524")

    bad = _jifen(
        tmp_path, "region", "add", "--code", "X1", "--name", "某地", "--level", "town",
        "--parent", "nope",
    )  # fmt: skip
    assert bad.returncode != 0
    message = bad.stderr.strip()
    assert len(message.splitlines()) == 1, bad.stderr
    assert "unknown_region" in message
    assert "Traceback" not in bad.stderr

    bad_code = _jifen(
        tmp_path, "region", "add", "--code", "bad code", "--name", "某地", "--level", "town"
    )
    assert bad_code.returncode != 0
    assert len(bad_code.stderr.strip().splitlines()) == 1, bad_code.stderr
    assert "invalid_code" in bad_code.stderr

    with sqlite3.connect(tmp_path / "jifen.sqlite3") as db:
        person = db.execute(
            "SELECT phone, community_id, consent_source FROM people_person WHERE id = ?",
            (int(person_id),),
        ).fetchone()
        grants = db.execute(
            "SELECT g.role, r.code FROM people_rolegrant g JOIN regions_region r "
            "ON r.id = g.region_id WHERE g.person_id = ? ORDER BY g.role",
            (int(person_id),),
        ).fetchall()
        regions = db.execute("SELECT code FROM regions_region ORDER BY path").fetchall()
    assert person[0] == "13800000002" and person[2] == "cli"
    assert grants == [("reviewer", "350524"), ("staff", "350524100001")]
    assert regions == [("350524",), ("350524100001",)]
    assert (tmp_path / "secret_key").exists()
