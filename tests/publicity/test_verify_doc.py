"""docs/verification.md's v2 sections, as a stranger reads them: every number of the
worked example (section 9) recomputed from the text with hashlib and json, the same
numbers from Jifen's own seal code, the document's code blocks run as printed
(rebuild.py, verify.py, verify.js), and the encoding rule of section 2 as Python
really writes it."""

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jifen.publicity import seal

DOC = Path(__file__).resolve().parents[2] / "docs" / "verification.md"
TEXT = DOC.read_text(encoding="utf-8")


def one(pattern: str) -> str:
    (found,) = re.findall(pattern, TEXT, re.M | re.S)
    return found


def block(info: str) -> str:
    return one(rf"^```{re.escape(info)}\n(.*?)^```$")


def numbered(name: str, value: str = r"\S.*") -> list[str]:
    found = dict(re.findall(rf"^v2 {name} (\d+) = ({value})$", TEXT, re.M))
    return [found[key] for key in sorted(found, key=int)]


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


HEX = "[0-9a-f]{64}"
PRIVATE = numbered("private")
SALTS = numbered("salt", "[0-9a-f]{32}")
DIGESTS = numbered("digest", HEX)
ENTRIES = numbered("entry")
LEAVES = numbered("leaf", HEX)
NODE_01 = one(rf"^v2 node 0-1 = ({HEX})$")
ROOT = one(rf"^v2 root += ({HEX})$")
SEAL = one(rf"^v2 seal += ({HEX})$")
DECEMBER_ROOT = one(rf"^v2 december root = ({HEX})$")
DECEMBER_SEAL = one(rf"^v2 december seal = ({HEX})$")
PUBLIC = json.loads(block("json v2-entries"))
PROOF = json.loads(block("json v2-proof"))
TOTALS = ["issued", "redeemed", "expired", "entries", "transfers", "people"]


def encode(values: list) -> bytes:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def test_the_example_is_whole():
    assert len(PRIVATE) == len(SALTS) == len(DIGESTS) == len(ENTRIES) == len(LEAVES) == 3
    assert len(PUBLIC["lines"]) == 3 and len(PROOF["entries"]) == 2


def test_the_digests_are_of_salt_and_private_entry_and_in_the_public_lines():
    for private, salt, digest, line in zip(PRIVATE, SALTS, DIGESTS, PUBLIC["lines"], strict=True):
        assert encode(json.loads(private)) == private.encode()  # encoded as section 2 says
        assert sha(bytes.fromhex(salt) + private.encode()).hex() == digest == line["private"]
        assert seal.private_digest(bytes.fromhex(salt), private.encode()) == digest


def test_the_entries_are_the_public_lines_in_the_leaf_order():
    assert PUBLIC["fields"] == list(seal.PUBLIC_FIELDS)
    for entry, line in zip(ENTRIES, PUBLIC["lines"], strict=True):
        assert list(line) == PUBLIC["fields"]
        assert encode([line[name] for name in PUBLIC["fields"]]).decode() == entry
        assert seal.entry_v2(list(line.values())).decode() == entry


def test_the_leaves_node_root_totals_and_seal():
    leaves = [sha(b"\x00" + entry.encode()) for entry in ENTRIES]
    assert [leaf.hex() for leaf in leaves] == LEAVES
    node = sha(b"\x01" + leaves[0] + leaves[1])
    assert node.hex() == NODE_01
    assert sha(b"\x01" + node + leaves[2]).hex() == ROOT == seal.root(leaves).hex()
    assert PUBLIC["root"] == PROOF["root"] == ROOT
    lines = [list(line.values()) for line in PUBLIC["lines"]]
    assert seal.totals_of(lines) == PUBLIC["totals"] == PROOF["totals"]
    assert PUBLIC["totals"] == {
        "issued": 30,
        "redeemed": 15,
        "expired": 0,
        "entries": 3,
        "transfers": 3,
        "people": 2,
    }
    text = block("text v2-seal-input").rstrip("\n")
    assert text.split("\n") == [
        "jifen-seal-v2",
        PUBLIC["community"],
        PUBLIC["month"],
        "3",
        ROOT,
        "",
        " ".join(f"{key}={PUBLIC['totals'][key]}" for key in TOTALS),
    ]
    assert hashlib.sha256(text.encode()).hexdigest() == SEAL == PUBLIC["seal"] == PROOF["seal"]
    assert seal.seal_v2(PUBLIC["community"], PUBLIC["month"], 3, ROOT, "", PUBLIC["totals"]) == SEAL


def test_the_empty_month_after_it_chains_to_it():
    assert DECEMBER_ROOT == hashlib.sha256(b"").hexdigest()
    zeros = dict.fromkeys(TOTALS, 0)
    lines = ["jifen-seal-v2", PUBLIC["community"], "2026-12", "0", DECEMBER_ROOT, SEAL]
    lines.append(" ".join(f"{key}=0" for key in TOTALS))
    assert hashlib.sha256("\n".join(lines).encode()).hexdigest() == DECEMBER_SEAL
    assert seal.seal_v2(PUBLIC["community"], "2026-12", 0, DECEMBER_ROOT, SEAL, zeros) == (
        DECEMBER_SEAL
    )


def test_the_proof_has_a_left_step_and_a_promotion_that_fit_its_places():
    first, third = PROOF["entries"]
    assert (first["index"], third["index"], PROOF["count"]) == (0, 2, 3)
    assert first["path"] == [["R", LEAVES[1]], ["R", LEAVES[2]]]
    assert third["path"] == [["L", NODE_01]]  # promoted past the first level, then left
    for item in PROOF["entries"]:
        assert [side for side, _ in item["path"]] == seal.sides(item["index"], PROOF["count"])
        assert item["entry"] == ENTRIES[item["index"]]
        assert item["private"] == PRIVATE[item["index"]] and item["salt"] == SALTS[item["index"]]


def test_jifens_own_check_accepts_the_example_proof():
    from jifen.publicity import selectors  # noqa: PLC0415 - pure: no database read

    result = selectors.check_document(PROOF)
    assert result.ok and result.seal_ok, result.problems
    assert result.entries[0].fields["memo"] == "江滨花园3栋楼道清扫 2 小时"


# --- Section 2: the escape rule, as Python writes it ------------------------------------------


def test_the_escape_rule_of_section_two_is_what_python_writes():
    short = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}
    for code in range(0x20):
        written = encode([chr(code)]).decode()[2:-2]
        assert written == short.get(code, f"\\u{code:04x}"), code
    assert encode(['"']).decode() == '["\\""]' and encode(["\\"]).decode() == '["\\\\"]'
    for code in (0x2F, 0x7F, 0x2028, 0x2029, 0x697C, 0x1F600):
        assert encode([chr(code)]).decode() == f'["{chr(code)}"]'
    assert encode([2**53 - 1, -(2**53 - 1), None]) == b"[9007199254740991,-9007199254740991,null]"
    with pytest.raises(ValueError):
        seal.encode([2**53])
    with pytest.raises(ValueError):
        seal.totals_line({**dict.fromkeys(TOTALS, 0), "issued": -(2**53)})


# --- The code blocks, run as printed ------------------------------------------------------------


def run(tmp_path: Path, command: list[str], name: str, document: dict) -> list[str]:
    (tmp_path / name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        command + [name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().split("\n")


def test_rebuild_py_prints_what_the_document_says(tmp_path):
    (tmp_path / "rebuild.py").write_text(block("python rebuild.py"), encoding="utf-8")
    printed = block("text rebuild-output").strip().split("\n")
    assert run(tmp_path, [sys.executable, "rebuild.py"], "entries.json", PUBLIC) == printed
    changed = json.loads(json.dumps(PUBLIC))
    changed["lines"][1]["amount"] = 210
    out = run(tmp_path, [sys.executable, "rebuild.py"], "entries.json", changed)
    assert [line.split()[-1] for line in out] == ["WRONG", "WRONG", "WRONG"]


@pytest.mark.parametrize("language", ["python", "js"])
def test_the_verify_snippets_print_what_the_document_says(tmp_path, language):
    if language == "python":
        (tmp_path / "verify.py").write_text(block("python verify.py"), encoding="utf-8")
        command = [sys.executable, "verify.py"]
    else:
        node = shutil.which("node") or shutil.which("nodejs")
        if node is None:
            pytest.skip("Node.js is not installed: the JavaScript snippet is not run")
        (tmp_path / "verify.js").write_text(block("js verify.js"), encoding="utf-8")
        command = [node, "verify.js"]
    printed = block("text v2-verify-output").strip().split("\n")
    assert run(tmp_path, command, "proof.json", PROOF) == printed
    # A changed memo in the proof no longer opens the digest; a moved index no longer fits.
    lied = json.loads(json.dumps(PROOF))
    lied["entries"][1]["private"] = lied["entries"][1]["private"].replace("1 瓶", "2 瓶")
    assert run(tmp_path, command, "proof.json", lied)[-1] == "transfer 3 WRONG"
    moved = json.loads(json.dumps(PROOF))
    moved["entries"][0]["index"] = 1
    assert run(tmp_path, command, "proof.json", moved)[1] == "transfer 1 WRONG"
    totals = json.loads(json.dumps(PROOF))
    totals["totals"]["issued"] = 31
    assert run(tmp_path, command, "proof.json", totals)[0].endswith("WRONG")


def test_the_document_cites_nothing_outside_the_repository():
    assert "CONTRACT" not in TEXT and "ARCHITECTURE" not in TEXT
