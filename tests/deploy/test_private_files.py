"""The data directory's files that hold personal data or secrets are the owner's only:
the SQLite database, its -wal and -shm beside it, as the secret key always was. SQLite
creates its files with the process's umask, which commonly leaves them world-readable."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("JIFEN_DATABASE_URL", "").startswith("postgres"),
    reason="about the SQLite file: once, in the SQLite pass",
)

# A connection that writes, so SQLite makes its write-ahead log and shared memory too,
# and holds them open while the modes are read.
WRITE_AND_LOOK = """
import os, stat, sys
import django
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    cursor.execute("INSERT INTO t VALUES (1)")
name = settings.DATABASES["default"]["NAME"]
for path in (name, f"{name}-wal", f"{name}-shm"):
    print(path, oct(stat.S_IMODE(os.stat(path).st_mode)))
"""


def _run(data_dir: Path, umask: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
    env["JIFEN_DATA_DIR"] = str(data_dir)
    env["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", WRITE_AND_LOOK],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.umask(umask),  # noqa: PLW1509 - only sets the child's umask
    )
    assert done.returncode == 0, done.stderr
    return dict(line.rsplit(" ", 1) for line in done.stdout.splitlines())


def test_a_new_database_and_its_side_files_are_the_owners_only(tmp_path) -> None:
    modes = _run(tmp_path, 0o022)
    assert len(modes) == 3
    assert set(modes.values()) == {"0o600"}, modes
    key = tmp_path / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_an_existing_readable_database_is_made_the_owners_only(tmp_path) -> None:
    _run(tmp_path, 0o022)
    database = tmp_path / "jifen.sqlite3"
    os.chmod(database, 0o644)  # as an earlier version left it
    modes = _run(tmp_path, 0o022)
    assert set(modes.values()) == {"0o600"}, modes


def test_a_backup_is_the_owners_only(tmp_path, db) -> None:
    """It holds every person's data and the secret key."""
    from jifen.lib.backup import backup

    target = tmp_path / "jifen-backup.zip"
    target.write_bytes(b"")
    target.chmod(0o644)  # a file of the same name left readable
    previous = os.umask(0o022)
    try:
        backup(target)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
