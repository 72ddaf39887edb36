"""The seal's arithmetic as pure functions (jifen.publicity.seal): known vectors, every odd
count, a proof for every leaf, the empty month, and the canonical entry of a transfer."""

import hashlib
import json
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from jifen.publicity import seal

DOC = Path(__file__).resolve().parents[2] / "docs" / "verification.md"


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaves(n: int) -> list[bytes]:
    """Leaves of the entries [1], [2], ... [n]."""
    return [seal.leaf_hash(f"[{i}]".encode()) for i in range(1, n + 1)]


# --- Hashes ------------------------------------------------------------------------------------


def test_a_leaf_is_the_hash_of_0x00_and_the_entry():
    assert seal.leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert seal.leaf_hash(b"[1]") == sha(b"\x00[1]")


def test_a_node_is_the_hash_of_0x01_and_its_two_children():
    left, right = sha(b"left"), sha(b"right")
    assert seal.node_hash(left, right) == sha(b"\x01" + left + right)
    assert seal.node_hash(left, right) != seal.node_hash(right, left)


def test_a_leaf_cannot_pass_for_a_node():
    # The prefixes keep the two apart: the 64 bytes of two children hashed as an entry
    # give another hash than the node over them.
    a, b = sha(b"a"), sha(b"b")
    assert seal.leaf_hash(a + b) != seal.node_hash(a, b)


# --- Roots -------------------------------------------------------------------------------------


def test_the_root_of_no_leaves_is_the_hash_of_nothing():
    assert seal.root([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert seal.tree([]) == [[]]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "40c6cc0fbd30c348d9ab559ed604c8da3de08a2ead631998a723632a12b305e6"),
        (2, "bce592801498ff797cea9a7f4d9de92a85e531119c4eb4cec7d2731e325e306c"),
        (3, "b04b22bac9e3f707f5296a57f83bb4c9ba961c7c9e1fa620d1bac6489699a11f"),
        (5, "5525950ce53df7e0ef7c81195c27fd793592b1b765da77ad16de75f361a16e7e"),
    ],
)
def test_known_roots(count, expected):
    assert seal.root(leaves(count)).hex() == expected


def test_the_root_of_one_leaf_is_that_leaf():
    (only,) = leaves(1)
    assert seal.root([only]) == only


def test_odd_counts_move_the_last_node_up_unchanged():
    n = seal.node_hash
    l1, l2, l3, l4, l5, l6, l7 = leaves(7)
    assert seal.root([l1, l2]) == n(l1, l2)
    assert seal.root([l1, l2, l3]) == n(n(l1, l2), l3)
    assert seal.root([l1, l2, l3, l4, l5]) == n(n(n(l1, l2), n(l3, l4)), l5)
    assert seal.root([l1, l2, l3, l4, l5, l6, l7]) == n(n(n(l1, l2), n(l3, l4)), n(n(l5, l6), l7))


def test_the_last_leaf_is_never_paired_with_a_copy_of_itself():
    # Bitcoin's rule (duplicate the odd node) would make [1,2,3] and [1,2,3,3] share a
    # root; here they do not.
    three = leaves(3)
    assert seal.root(three) != seal.root([*three, three[-1]])


def test_the_tree_holds_every_level_up_to_the_root():
    for count in range(1, 20):
        levels = seal.tree(leaves(count))
        assert levels[0] == leaves(count)
        assert levels[-1] == [seal.root(leaves(count))]
        for below, above in zip(levels, levels[1:], strict=False):
            assert len(above) == (len(below) + 1) // 2


# --- Proofs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 33])
def test_every_leaf_climbs_its_path_to_the_root(count):
    all_leaves = leaves(count)
    root = seal.root(all_leaves)
    levels = seal.tree(all_leaves)
    for index, leaf in enumerate(all_leaves):
        path = seal.proof(all_leaves, index)
        assert path == seal.path(levels, index)
        assert seal.climb(leaf, path) == root
        assert len(path) <= max(1, (count - 1).bit_length())
        assert all(side in ("L", "R") and len(sibling) == 32 for side, sibling in path)


@pytest.mark.parametrize("count", [2, 3, 5, 7])
def test_a_path_does_not_fit_another_leaf(count):
    all_leaves = leaves(count)
    root = seal.root(all_leaves)
    for index in range(count):
        path = seal.proof(all_leaves, index)
        other = all_leaves[(index + 1) % count]
        assert seal.climb(other, path) != root
        assert seal.climb(seal.leaf_hash(b"[999]"), path) != root


def test_paths_of_three_and_five_leaves_by_hand():
    n = seal.node_hash
    l1, l2, l3, l4, l5 = leaves(5)
    assert seal.proof([l1, l2, l3], 0) == [("R", l2), ("R", l3)]
    assert seal.proof([l1, l2, l3], 1) == [("L", l1), ("R", l3)]
    # The odd last leaf skips the level where it is alone: one step, not two.
    assert seal.proof([l1, l2, l3], 2) == [("L", n(l1, l2))]
    assert seal.proof([l1, l2, l3, l4, l5], 4) == [("L", n(n(l1, l2), n(l3, l4)))]
    assert seal.proof([l1, l2, l3, l4, l5], 3) == [("L", l3), ("L", n(l1, l2)), ("R", l5)]


def test_the_only_leaf_has_an_empty_path():
    (only,) = leaves(1)
    assert seal.proof([only], 0) == []
    assert seal.climb(only, []) == only


def test_a_proof_outside_the_leaves_is_refused():
    with pytest.raises(IndexError):
        seal.proof(leaves(3), 3)
    with pytest.raises(IndexError):
        seal.proof([], 0)


# --- Entries and the seal -----------------------------------------------------------------------


def test_an_entry_is_a_compact_json_array_of_every_field_in_order():
    shanghai = ZoneInfo("Asia/Shanghai")
    row = (
        101,
        5,
        3,
        9,
        20,
        "award",
        2,
        "claim",
        77,
        "",
        date(2025, 5, 3),
        None,
        "江滨花园3栋楼道清扫 2 小时",
        None,
        datetime(2025, 5, 3, 10, 0, 0, 5, tzinfo=shanghai),
        "claim:77",
        "ab" * 32,
    )
    assert len(row) == len(seal.FIELDS) == 17
    text = seal.entry(row).decode()
    assert text == (
        '[101,5,3,9,20,"award",2,"claim",77,"","2025-05-03",null,'
        '"江滨花园3栋楼道清扫 2 小时",null,"2025-05-03T02:00:00.000005Z","claim:77",'
        f'"{"ab" * 32}"]'
    )
    assert json.loads(text)[14] == "2025-05-03T02:00:00.000005Z"  # UTC, microseconds, Z


def test_an_entry_keeps_quotes_and_backslashes_json_escaped():
    row = [1] + [None] * 11 + ['say "hi" \\ 你好'] + [None] * 4
    assert '"say \\"hi\\" \\\\ 你好"' in seal.entry(row).decode()


def test_the_seal_hashes_its_six_lines():
    root = seal.root(leaves(3)).hex()
    text = f"jifen-seal-v1\n350524100001\n2025-05\n3\n{root}\n"
    assert (
        seal.seal("350524100001", "2025-05", 3, root, "")
        == hashlib.sha256(text.encode()).hexdigest()
    )
    assert seal.seal("350524100001", "2025-05", 3, root, "") == (
        "0778b5a607658bd9b58e06bf13e2ac791d77e83dca544775650e6ed8709226b1"
    )
    chained = seal.seal("350524100001", "2025-06", 0, seal.root([]).hex(), "0778b5a6" * 8)
    assert (
        chained
        == hashlib.sha256(
            (
                f"jifen-seal-v1\n350524100001\n2025-06\n0\n{seal.root([]).hex()}\n{'0778b5a6' * 8}"
            ).encode()
        ).hexdigest()
    )


# --- The worked example of docs/verification.md, against this code ---------------------------


def test_the_documented_worked_example_is_what_this_code_computes():
    """tests/publicity/test_independent_check.py checks the document with its own code; this
    checks it with jifen's, so neither the document nor the code can drift away."""
    text = DOC.read_text(encoding="utf-8")
    entries = dict(re.findall(r"^entry (\d+) = (\[.*\])$", text, re.M))
    listed = dict(re.findall(r"^leaf (\d+) += ([0-9a-f]{64})$", text, re.M))
    assert entries and entries.keys() == listed.keys()
    computed = [seal.leaf_hash(entries[i].encode()) for i in sorted(entries, key=int)]
    assert [leaf.hex() for leaf in computed] == [listed[i] for i in sorted(listed, key=int)]
    (root,) = re.findall(r"^root += ([0-9a-f]{64})$", text, re.M)
    assert seal.root(computed).hex() == root
    (sealed,) = re.findall(r"^seal += ([0-9a-f]{64})$", text, re.M)
    (lines,) = re.findall(r"```text seal-input\n(.*?)```", text, re.S)
    version, code, month, count, root_line, previous = lines.split("\n")[:6]
    assert (version, root_line, int(count)) == (seal.VERSION, root, len(computed))
    assert seal.seal(code, month, int(count), root, previous) == sealed
