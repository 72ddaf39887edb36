import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


def jifen(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JIFEN_DATA_DIR": str(data_dir)}
    env.pop("JIFEN_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "jifen", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(
    os.environ.get("JIFEN_DATABASE_URL", "").startswith("postgres"),
    reason="runs its own SQLite instances: once, in the SQLite pass",
)
def test_a_backup_restores_into_a_new_instance_and_verifies(tmp_path):
    source, target, archive = tmp_path / "a", tmp_path / "b", tmp_path / "backup.zip"
    for step in (
        ("migrate", "-v0"),
        ("seed", "demo"),
        ("tick", "--as-of", "2030-01-01"),
        ("backup", str(archive)),
    ):
        assert jifen(source, *step).returncode == 0, step
    assert jifen(target, "migrate", "-v0").returncode == 0
    restored = jifen(target, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "ledger verified" in restored.stdout
    assert (target / "secret_key").read_text() == (source / "secret_key").read_text()
    again = jifen(target, "restore", str(archive))
    assert again.returncode != 0
    assert "not empty" in again.stderr
    with zipfile.ZipFile(archive) as zf:
        assert {"manifest.json", "data.json", "secret_key"} <= set(zf.namelist())


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "x.zip"
    with zipfile.ZipFile(bogus, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(CommandError, match="not a Jifen backup"):
        call_command("restore", str(bogus))
