"""The seal of a community's month: a Merkle tree over its transfers, as pure functions.

docs/verification.md specifies it for third parties, with a worked example; the test
``tests/publicity/test_independent_check.py`` implements that document from scratch.

- Entry: a transfer's stored fields, in a fixed order, as a compact JSON array
  (UTF-8, not ASCII-escaped): id, region, debit, credit, amount, kind, rule version,
  source type, source id, period, service date, reversed transfer, memo, created by,
  created at (UTC, microseconds, ``Z``), idempotency key, request digest.
- Leaf: SHA-256(0x00 ‖ entry). Node: SHA-256(0x01 ‖ left ‖ right). Leaves in transfer
  id order; each level pairs neighbours, an odd last node moves up unchanged.
- Root of no leaves: SHA-256 of nothing.
- Seal: SHA-256 of the lines ``jifen-seal-v1``, community code, month, leaf count,
  root (hex) and the community's previous seal (hex, empty for the first), joined by
  ``\\n``: each month's seal chains to the one before, so a month cannot vanish.
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

LEAF, NODE = b"\x00", b"\x01"
VERSION = "jifen-seal-v1"
FIELDS = (
    "id",
    "region_id",
    "debit_id",
    "credit_id",
    "amount",
    "kind",
    "rule_version_id",
    "source_type",
    "source_id",
    "period",
    "service_date",
    "reverses_id",
    "memo",
    "created_by_id",
    "created_at",
    "idempotency_key",
    "request_digest",
)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def entry(row: Sequence[Any]) -> bytes:
    """The canonical entry of a transfer given as its ``FIELDS`` values, in order."""
    return json.dumps([_value(v) for v in row], ensure_ascii=False, separators=(",", ":")).encode()


def leaf_hash(entry_bytes: bytes) -> bytes:
    return hashlib.sha256(LEAF + entry_bytes).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    while len(level) > 1:
        level = _up(level)
    return level[0]


def _up(level: Sequence[bytes]) -> list[bytes]:
    """The level above: neighbours paired, an odd last node moved up unchanged."""
    paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        paired.append(level[-1])
    return paired


def tree(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree, the leaves first and the root (alone) last: worked out
    once, it gives the path of any number of leaves (``path``)."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        levels.append(_up(levels[-1]))
    return levels


def path(levels: Sequence[Sequence[bytes]], index: int) -> list[tuple[str, bytes]]:
    """The path from leaf ``index`` to the root of ``tree(leaves)``: (side of the sibling,
    sibling), "L" when the sibling is on the left. Levels where the node moves up alone
    add nothing."""
    steps: list[tuple[str, bytes]] = []
    for level in levels[:-1]:
        if index % 2 == 1:
            steps.append(("L", level[index - 1]))
        elif index + 1 < len(level):
            steps.append(("R", level[index + 1]))
        index //= 2
    return steps


def proof(leaves: Sequence[bytes], index: int) -> list[tuple[str, bytes]]:
    """The path from leaf ``index`` to the root (see ``path``)."""
    if not 0 <= index < len(leaves):
        raise IndexError(index)
    return path(tree(leaves), index)


def climb(leaf: bytes, steps: Sequence[tuple[str, bytes]]) -> bytes:
    """The root that a leaf and its path lead to."""
    current = leaf
    for side, sibling in steps:
        current = node_hash(sibling, current) if side == "L" else node_hash(current, sibling)
    return current


def seal(community_code: str, month: str, count: int, root_hex: str, previous: str) -> str:
    text = "\n".join([VERSION, community_code, month, str(count), root_hex, previous])
    return hashlib.sha256(text.encode()).hexdigest()


# --- The leaves kept at sealing ---------------------------------------------------------------
# An announcement stores its month's leaves as they were sealed, so that a resident's proof
# runs through them whatever happened to anyone else's rows since. Read by the proofs
# (selectors) and written and checked by the seal's services: it lives here, below both.

_LEAF_ROW = 40  # 8 bytes of transfer id, 32 of leaf hash


def pack_leaves(ids: list[int], leaves: list[bytes]) -> bytes:
    return b"".join(i.to_bytes(8, "big") + leaf for i, leaf in zip(ids, leaves, strict=True))


def unpack_leaves(data: bytes | memoryview | None) -> dict[int, bytes]:
    raw = bytes(data or b"")
    if len(raw) % _LEAF_ROW:
        raise ValueError(f"the stored leaves ({len(raw)} bytes) are not whole entries")
    return {
        int.from_bytes(raw[i : i + 8], "big"): raw[i + 8 : i + _LEAF_ROW]
        for i in range(0, len(raw), _LEAF_ROW)
    }
