"""docs/verification.md implemented from scratch, as a third party would: hashlib and json
only, nothing imported from jifen.publicity.

(a) The worked example's numbers are read from the document itself and recomputed, so the
    document cannot say one thing while the code does another (test_seal.py checks the
    same numbers with jifen's own code).
(a) reads the v1 example (section 12); test_verify_doc.py the v2 one (section 9).
(b) Months sealed by Jifen on generated data, driven through the HTTP API: every resident's
    proof checks out here, and the root rebuilt here from the public entries (encoded as
    the document's sections 2 and 3 say) is the published root.
(c) The document's Python and JavaScript snippets, run as they are printed.
"""

import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from jifen.points.models import Account, Transfer
from tests.conftest import make_person
from tests.publicity.conftest import Book, Month, at

DOC = Path(__file__).resolve().parents[2] / "docs" / "verification.md"
TEXT = DOC.read_text(encoding="utf-8")


# --- The document, implemented -----------------------------------------------------------------


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_of(entry: str) -> bytes:
    return sha(b"\x00" + entry.encode("utf-8"))


def node_of(left: bytes, right: bytes) -> bytes:
    return sha(b"\x01" + left + right)


def root_of(leaves: list[bytes]) -> bytes:
    if not leaves:
        return sha(b"")
    level = leaves
    while len(level) > 1:
        pairs = [node_of(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = pairs + ([level[-1]] if len(level) % 2 else [])
    return level[0]


def climb(entry: str, path: list[list[str]]) -> bytes:
    current = leaf_of(entry)
    for side, sibling in path:
        other = bytes.fromhex(sibling)
        current = node_of(other, current) if side == "L" else node_of(current, other)
    return current


def seal_of(community: str, month: str, count: int, root: str, previous: str) -> str:
    lines = ["jifen-seal-v1", community, month, str(count), root, previous]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


TOTALS = ["issued", "redeemed", "expired", "entries", "transfers", "people"]


def seal_v2_of(document: dict) -> str:
    lines = [
        "jifen-seal-v2",
        document["community"],
        document["month"],
        str(document["count"]),
        document["root"],
        document["previous_seal"],
        " ".join(f"{key}={document['totals'][key]}" for key in TOTALS),
    ]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def check(document: dict) -> list[str]:
    """The problems of a proof document, per section 8 of the document (steps 1-3)."""
    problems = []
    if document["version"] == "jifen-seal-v2":
        expected = seal_v2_of(document)
    else:
        expected = seal_of(
            document["community"],
            document["month"],
            document["count"],
            document["root"],
            document["previous_seal"],
        )
    if expected != document["seal"]:
        problems.append("seal")
    for item in document["entries"]:
        if climb(item["entry"], item["path"]).hex() != document["root"]:
            problems.append(f"entry {item['transfer']}")
        elif document["version"] == "jifen-seal-v2":
            salt = bytes.fromhex(item["salt"])
            digest = hashlib.sha256(salt + item["private"].encode("utf-8")).hexdigest()
            if json.loads(item["entry"])[9] != digest:
                problems.append(f"private {item['transfer']}")
    return problems


def encode(values: list) -> str:
    """Section 2: compact JSON, UTF-8 as itself."""
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def entry_of_row(row: dict) -> str:
    """Section 12 (v1), from a transfer's stored fields (read from the ledger, not from jifen's
    seal code)."""
    when = row["created_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    service = row["service_date"]
    return encode(
        [
            row["id"],
            row["region_id"],
            row["debit_id"],
            row["credit_id"],
            row["amount"],
            row["kind"],
            row["rule_version_id"],
            row["source_type"],
            row["source_id"],
            row["period"],
            service.isoformat() if isinstance(service, date) else None,
            row["reverses_id"],
            row["memo"],
            row["created_by_id"],
            when,
            row["idempotency_key"],
            row["request_digest"],
        ]
    )


# --- Reading the worked example out of the document ----------------------------------------------


def one(pattern: str) -> str:
    (found,) = re.findall(pattern, TEXT, re.M | re.S)
    return found


def block(info: str) -> str:
    """The body of the fenced block opened with ```<info>."""
    return one(rf"^```{re.escape(info)}\n(.*?)^```$")


ENTRIES = dict(re.findall(r"^entry (\d+) = (\[.*\])$", TEXT, re.M))
LEAVES = dict(re.findall(r"^leaf (\d+) += ([0-9a-f]{64})$", TEXT, re.M))
NODE_01 = one(r"^node 0-1 += ([0-9a-f]{64})$")
ROOT = one(r"^root += ([0-9a-f]{64})$")
SEAL = one(r"^seal += ([0-9a-f]{64})$")
JUNE_ROOT = one(r"^june root += ([0-9a-f]{64})$")
JUNE_SEAL = one(r"^june seal += ([0-9a-f]{64})$")
PROOF = json.loads(block("json proof"))


def in_order(numbered: dict[str, str]) -> list[str]:
    return [numbered[key] for key in sorted(numbered, key=int)]


def test_the_document_has_a_whole_worked_example():
    assert len(ENTRIES) == len(LEAVES) == 3
    assert PROOF["count"] == 3 and len(PROOF["entries"]) == 2


def test_each_leaf_is_the_hash_of_its_entry():
    assert [leaf_of(entry).hex() for entry in in_order(ENTRIES)] == in_order(LEAVES)


def test_the_entries_are_encoded_as_section_two_says():
    for entry in in_order(ENTRIES):
        values = json.loads(entry)
        assert len(values) == 17
        assert encode(values) == entry
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", values[14])


def test_the_node_and_the_root():
    leaves = [bytes.fromhex(leaf) for leaf in in_order(LEAVES)]
    assert node_of(leaves[0], leaves[1]).hex() == NODE_01
    assert node_of(bytes.fromhex(NODE_01), leaves[2]).hex() == ROOT
    assert root_of(leaves).hex() == ROOT


def test_the_seal_of_its_six_lines():
    lines = block("text seal-input").split("\n")
    version, community, month, count, root, previous = lines[:6]
    assert (version, root, int(count), previous) == ("jifen-seal-v1", ROOT, 3, "")
    assert hashlib.sha256("\n".join(lines[:6]).encode()).hexdigest() == SEAL
    assert seal_of(community, month, int(count), root, previous) == SEAL
    assert (PROOF["community"], PROOF["month"], PROOF["seal"]) == (community, month, SEAL)


def test_the_next_month_chains_to_it_and_an_empty_month_has_the_root_of_nothing():
    assert JUNE_ROOT == hashlib.sha256(b"").hexdigest() == root_of([]).hex()
    assert seal_of(PROOF["community"], "2025-06", 0, JUNE_ROOT, SEAL) == JUNE_SEAL


def test_the_example_proof_checks_out_and_its_paths_are_the_documented_nodes():
    assert check(PROOF) == []
    first, third = PROOF["entries"]
    assert first["entry"] == ENTRIES["0"] and third["entry"] == ENTRIES["2"]
    assert first["path"] == [["R", LEAVES["1"]], ["R", LEAVES["2"]]]
    assert third["path"] == [["L", NODE_01]]


def test_the_example_proof_fails_when_anything_changes():
    changed = json.loads(json.dumps(PROOF))
    changed["entries"][0]["entry"] = changed["entries"][0]["entry"].replace(",20,", ",200,")
    assert check(changed) == ["entry 1"]
    moved = json.loads(json.dumps(PROOF))
    moved["entries"][1]["entry"] = moved["entries"][1]["entry"].replace(".000000Z", ".000001Z")
    assert check(moved) == ["entry 3"]
    assert check({**PROOF, "count": 4}) == ["seal"]


# --- Months sealed by Jifen, checked here -------------------------------------------------------


pytest_db = pytest.mark.django_db


def _seal_a_month(api, world, month: str) -> dict:
    staff, reviewer = api(world.staff), api(world.reviewer)
    drafted = staff.post("/announcements", {"community": world.wenchang.code, "month": month})
    assert drafted.status_code == 201, drafted.content
    published = reviewer.post(f"/announcements/{drafted.json_body['id']}/publish")
    assert published.status_code == 200, published.content
    return published.json_body


@pytest_db
@pytest.mark.parametrize("count", [1, 2, 3, 5, 7, 12])
def test_proofs_of_a_generated_month_check_out_here(api, world, months, book: Book, count):
    rng = random.Random(count)
    people = [world.resident] + [make_person(world.wenchang, f"居民{i}") for i in range(3)]
    for n in range(count):
        person = rng.choice(people)
        when = at(months.last, rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), n)
        balance = Account.objects.filter(person=person).values_list("balance", flat=True)
        if n % 4 == 3 and (balance.first() or 0) >= 2:
            book.redeem(person, 2, when, memo=f'兑换 {n} "引号" \\ 反斜杠')
        else:
            book.award(person, rng.randint(1, 30), when, memo=f"服务 {n}\n第二行")
    announcement = _seal_a_month(api, world, months.last)
    seal = announcement["seal"]
    assert seal["count"] == count

    # The root rebuilt here from the public entries alone (section 7), in id order.
    public = api().get(f"/public/announcements/{announcement['id']}/entries").json_body
    fields = public["fields"]
    leaves = [leaf_of(encode([line[name] for name in fields])) for line in public["lines"]]
    assert len(leaves) == count
    assert root_of(leaves).hex() == seal["root"]
    assert seal_v2_of({**public, "count": count}) == seal["seal"]
    # The ledger's own rows, in id order, are the lines' transfers.
    ids = Transfer.objects.filter(region=world.wenchang).order_by("pk").values_list("pk", flat=True)
    assert [line["transfer"] for line in public["lines"]] == list(ids)

    seen = 0
    for person in people:
        document = api(person).get(f"/public/announcements/{announcement['id']}/proof").json_body
        assert (document["root"], document["seal"]) == (seal["root"], seal["seal"])
        assert check(document) == [], document
        for item in document["entries"]:
            assert leaf_of(item["entry"]) == leaves[item["index"]]
        seen += len(document["entries"])
    assert seen == count  # every transfer of the month is someone's


@pytest_db
def test_a_chained_month_and_a_resident_without_entries(api, last_month: Month, months, book):
    world = last_month.world
    book.award(world.resident, 8, at(months.before, 11))
    first = _seal_a_month(api, world, months.before)
    second = _seal_a_month(api, world, months.last)
    assert second["seal"]["previous"] == first["seal"]["seal"]
    document = api(world.stranger).get(f"/public/announcements/{second['id']}/proof").json_body
    assert document["entries"] == [] and check(document) == []
    assert document["previous_seal"] == first["seal"]["seal"]
    mine = api(world.resident).get(f"/public/announcements/{second['id']}/proof").json_body
    assert len(mine["entries"]) == 2 and check(mine) == []


# --- The snippets, run as printed ---------------------------------------------------------------


def _printed_output() -> list[str]:
    """The output the document says both snippets print on the worked example."""
    found = one(r"On the worked example both print:\n\n```text\n(.*?)```")
    return found.strip().split("\n")


def test_the_python_snippet_prints_what_the_document_says(tmp_path):
    (tmp_path / "verify.py").write_text(block("python verify.py"), encoding="utf-8")
    (tmp_path / "proof.json").write_text(json.dumps(PROOF, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "verify.py", "proof.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip().split("\n") == _printed_output()


def test_the_javascript_snippet_prints_what_the_document_says(tmp_path):
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("Node.js is not installed: the JavaScript snippet is not run")
    (tmp_path / "verify.js").write_text(block("js verify.js"), encoding="utf-8")
    (tmp_path / "proof.json").write_text(json.dumps(PROOF, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [node, "verify.js", "proof.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip().split("\n") == _printed_output()


def test_the_snippets_catch_a_changed_entry(tmp_path):
    changed = json.loads(json.dumps(PROOF))
    changed["entries"][1]["entry"] = changed["entries"][1]["entry"].replace(",15,", ",5,")
    (tmp_path / "verify.py").write_text(block("python verify.py"), encoding="utf-8")
    (tmp_path / "proof.json").write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "verify.py", "proof.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip().split("\n")[-1] == "transfer 3 WRONG"


def test_the_example_time_is_shanghai_time_in_utc():
    # 10:00:00.123456 in Asia/Shanghai is 02:00:00.123456Z, as the example says.
    local = datetime(2025, 5, 3, 10, 0, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert json.loads(ENTRIES["0"])[14] == local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
