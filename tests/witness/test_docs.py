"""docs/checkpoints.md's scripts, run exactly as printed: the history keepers (Python, and
Node where installed) on real checkpoints, the signature checks (Python, openssl)."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jifen.witness import selectors, services
from tests.publicity.conftest import Month
from tests.witness.conftest import PASSPHRASE, checkpoint_bytes

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "checkpoints.md"
BLOCK = re.compile(r"<!-- file: (?P<name>[\w.]+) -->\n```\w+\n(?P<code>.*?)\n```", re.S)


def scripts() -> dict[str, str]:
    return {m["name"]: m["code"] + "\n" for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))}


def test_the_doc_has_every_script():
    assert set(scripts()) == {
        "keep_checkpoints.py",
        "keep_checkpoints.mjs",
        "verify_signature.py",
        "verify_signature.mjs",
        "verify_openssl.sh",
    }


@pytest.fixture
def three_files(last_month: Month, published, tmp_path: Path) -> tuple[Path, Path, Path]:
    """The county's checkpoint at size 1, then at size 2, then a rewritten one."""
    world = last_month.world
    first = tmp_path / "first.json"
    first.write_bytes(checkpoint_bytes(selectors.checkpoint(world.county)))
    services.witness(
        community=world.jinyue,
        kind="month",
        period=last_month.month,
        seal="a" * 64,
        root="b" * 64,
        count=1,
    )
    second = tmp_path / "second.json"
    second.write_bytes(checkpoint_bytes(selectors.checkpoint(world.county)))
    # A log rebuilt from scratch with the first entry's seal changed: well formed, but
    # it does not extend what was kept.
    doc = json.loads(second.read_bytes())
    doc["entries"][0]["seal"] = "c" * 64
    previous = ""
    from jifen.witness import document

    for entry in doc["entries"]:
        previous = entry["chain"] = document.chain(previous, document.line(entry))
    doc["head"] = previous
    third = tmp_path / "third.json"
    third.write_bytes(checkpoint_bytes(doc))
    return first, second, third


def _keep(command: list[str], files: tuple[Path, Path, Path], folder: Path) -> None:
    first, second, third = files
    runs = [
        subprocess.run([*command, str(f), str(folder)], capture_output=True, text=True, check=False)
        for f in (first, second, third)
    ]
    assert [r.returncode for r in runs] == [0, 0, 1], [r.stdout + r.stderr for r in runs]
    assert "ALERT" in runs[2].stdout
    assert sorted(p.name for p in folder.glob("checkpoint-*.json")) == [
        "checkpoint-350524-1.json",
        "checkpoint-350524-2.json",
    ]
    assert (folder / "REWRITTEN-350524-2.json").exists()
    assert len((folder / "history.txt").read_text().splitlines()) == 2


def test_the_python_history_keeper(three_files, tmp_path: Path):
    script = tmp_path / "keep_checkpoints.py"
    script.write_text(scripts()["keep_checkpoints.py"])
    _keep([sys.executable, str(script)], three_files, tmp_path / "history")


def test_the_python_history_keeper_refuses_a_broken_file(three_files, tmp_path: Path):
    script = tmp_path / "keep_checkpoints.py"
    script.write_text(scripts()["keep_checkpoints.py"])
    broken = json.loads(three_files[0].read_bytes())
    broken["head"] = "0" * 64
    path = tmp_path / "broken.json"
    path.write_bytes(checkpoint_bytes(broken))
    done = subprocess.run(
        [sys.executable, str(script), str(path), str(tmp_path / "h")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and not list((tmp_path / "h").glob("checkpoint-*"))


def test_the_node_history_keeper(three_files, tmp_path: Path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Node script of docs/checkpoints.md was not run")
    script = tmp_path / "keep_checkpoints.mjs"
    script.write_text(scripts()["keep_checkpoints.mjs"])
    _keep([node, str(script)], three_files, tmp_path / "history")


@pytest.fixture
def signed(last_month: Month, published, tmp_path: Path) -> tuple[Path, Path]:
    world = last_month.world
    key = services.create_key(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    doc = services.sign(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    pem = tmp_path / "key.pem"
    pem.write_text(key.public_pem)
    return path, pem


def test_the_python_signature_check(signed, tmp_path: Path):
    path, pem = signed
    script = tmp_path / "verify_signature.py"
    script.write_text(scripts()["verify_signature.py"])
    ok = subprocess.run(
        [sys.executable, str(script), str(path), str(pem)], capture_output=True, text=True
    )
    assert ok.returncode == 0 and "signature OK" in ok.stdout, ok.stderr
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["size"] += 1
    path.write_text(json.dumps(doc), encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, str(script), str(path), str(pem)], capture_output=True, text=True
    )
    assert bad.returncode != 0


def test_the_openssl_signature_check(signed, tmp_path: Path):
    if shutil.which("openssl") is None:
        pytest.skip(
            "openssl is not installed: the openssl check of docs/checkpoints.md was not run"
        )
    path, pem = signed
    script = tmp_path / "verify_openssl.sh"
    script.write_text(scripts()["verify_openssl.sh"])
    ok = subprocess.run(
        ["sh", str(script), str(path), str(pem)], capture_output=True, text=True, cwd=tmp_path
    )
    assert ok.returncode == 0 and "Signature Verified Successfully" in ok.stdout, ok.stderr
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["head"] = "f" * 64
    path.write_text(json.dumps(doc), encoding="utf-8")
    bad = subprocess.run(
        ["sh", str(script), str(path), str(pem)], capture_output=True, text=True, cwd=tmp_path
    )
    assert bad.returncode != 0


def test_the_node_signature_check(signed, tmp_path: Path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Node signature check was not run")
    path, pem = signed
    script = tmp_path / "verify_signature.mjs"
    script.write_text(scripts()["verify_signature.mjs"])
    ok = subprocess.run([node, str(script), str(path), str(pem)], capture_output=True, text=True)
    assert ok.returncode == 0 and "signature OK" in ok.stdout, ok.stdout + ok.stderr
    for change in ("size", "entries", "key"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if change == "size":
            doc["size"] += 1
        elif change == "entries":
            doc["entries"][0]["count"] += 1
        else:
            doc["key"] = "0" * 64
        changed = tmp_path / f"changed-{change}.json"
        changed.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        bad = subprocess.run(
            [node, str(script), str(changed), str(pem)], capture_output=True, text=True
        )
        assert bad.returncode == 1, change
