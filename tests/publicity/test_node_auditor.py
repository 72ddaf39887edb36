"""The outside auditor's verifier, written in Node from docs/verification.md and
docs/checkpoints.md alone (``node_auditor.mjs``), run against a live server: it rebuilds
the published month from the public entries, checks a resident's proof against the public
lines, checks the county's checkpoint and keeps it; after a thorough insider rewrite of
the month (transfer, balances, root, seal, leaves, totals and the logs rechained) it
names the month whose witnessed seal changed. Skipped where Node is not installed."""

import shutil
import subprocess
from pathlib import Path

import pytest

from jifen.publicity.models import Announcement
from tests.conftest import PASSWORD
from tests.publicity.conftest import Month

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node") or shutil.which("nodejs")

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def audit(base: str, community: str, county: str, folder: Path, phone: str) -> tuple[int, str]:
    done = subprocess.run(
        [NODE or "node", str(HERE / "node_auditor.mjs"), base, community, county, str(folder)]
        + [phone, PASSWORD],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.django_db(transaction=True)
def test_the_node_auditor_rebuilds_checks_keeps_and_then_catches_the_rewrite(
    live_server, last_month: Month, published: Announcement, tmp_path: Path
):
    from tests.witness.test_against import rewrite_thoroughly

    world = last_month.world
    base = f"{live_server.url}/api/v1"
    kept = tmp_path / "kept"
    code, out = audit(base, world.wenchang.code, world.county.code, kept, world.resident.phone)
    assert code == 0, out
    assert "root rebuilt" in out and "seal rebuilt" in out and "WRONG" not in out
    assert f"checkpoint holds {world.wenchang.code} {last_month.month}" in out
    assert any(line.startswith("ok    proof") and "transfer" in line for line in out.splitlines())
    assert [p.name for p in kept.glob("checkpoint-*.json")]
    # The insider rewrites the month thoroughly: the server agrees with itself ...
    rewrite_thoroughly(published, last_month.transfers[0], 200)
    code, out = audit(base, world.wenchang.code, world.county.code, kept, world.resident.phone)
    # ... but not with the checkpoint kept before.
    assert code == 1, out
    assert f"CHANGED {world.wenchang.code} month {last_month.month}" in out
    assert list(kept.glob("REWRITTEN-*.json"))
