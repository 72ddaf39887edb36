"""The seal of a community's month: a Merkle tree over its transfers, as pure functions.

docs/verification.md specifies it for third parties, with worked examples; the tests
``tests/publicity/test_independent_check.py`` and ``tests/publicity/public_verifier.py``
implement that document from scratch.

Two leaf formats. A month is sealed under the one of its time and verified under it for
good (``Announcement.version``):

**v2** (``jifen-seal-v2``, every month published from December 2026): the leaf is made of
public fields only (``PUBLIC_FIELDS``) and a salted digest of the private ones
(``PRIVATE_FIELDS``), so that anyone rebuilds the month's root from
``GET /public/announcements/{id}/entries`` alone; the seal also covers the month's
published totals (``TOTALS``).

**v1** (``jifen-seal-v1``, the months published before):

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
V1, V2 = 1, 2
VERSION = "jifen-seal-v1"  # the seal's first line under v1
VERSION_V2 = "jifen-seal-v2"
VERSIONS = {V1: VERSION, V2: VERSION_V2}
CURRENT = V2
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


def sides(index: int, count: int) -> list[str]:
    """The sides a path from leaf ``index`` of ``count`` must have, in order: a verifier
    checks a proof's path against them, so that it cannot pass a leaf off at another place
    or make a tree of another shape."""
    if not 0 <= index < count:
        raise IndexError(index)
    expected: list[str] = []
    width = count
    while width > 1:
        if index % 2 == 1:
            expected.append("L")
        elif index + 1 < width:
            expected.append("R")
        # else: the last node of an odd level moves up alone, no step
        index //= 2
        width = (width + 1) // 2
    return expected


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


# --- v2: a leaf anyone can rebuild --------------------------------------------------------------

# Every integer of a v2 leaf or seal lies within what a double holds exactly, so that a
# verifier in JavaScript reads the same number.
MAX_SAFE_INTEGER = 2**53 - 1
PUBLIC_FIELDS = (
    "transfer",  # integer: the transfer id
    "date",  # "YYYY-MM-DD": the day it was written, in the deployment's time zone
    "debit",  # the account points leave: "<kind>:<volunteer number>" or "<kind>:#<account id>"
    "credit",  # the account points reach, likewise
    "amount",  # integer above 0
    "kind",  # award, bonus, redemption, refund, reversal, adjustment, expiry, settlement, ...
    "item",  # the point item's code ("" when none priced it)
    "service_date",  # "YYYY-MM-DD" or null
    "reverses",  # integer or null: the transfer it reverses
    "private",  # 64 hex: SHA-256(salt ‖ the private entry)
)
PRIVATE_FIELDS = (
    "region_id",
    "rule_version_id",
    "source_type",
    "source_id",
    "period",
    "memo",
    "created_by_id",
    "created_at",
    "idempotency_key",
    "request_digest",
)
SALT_BYTES = 16
# The month's published totals, in the order the seal's last line gives them.
TOTALS = ("issued", "redeemed", "expired", "entries", "transfers", "people")
HOLDERS = ("person", "organization")  # accounts whose owners' points a line shows
ISSUER = "issuer"


def _safe(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("no booleans in an entry")
    if isinstance(value, int) and not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise ValueError(f"integer {value} outside ±(2^53−1)")
    return _value(value)


def encode(values: Sequence[Any]) -> bytes:
    """Compact JSON of the values in UTF-8, non-ASCII as itself (docs/verification.md §2)."""
    safe = [_safe(v) for v in values]
    return json.dumps(safe, ensure_ascii=False, separators=(",", ":")).encode()


def account_label(kind: str, account_id: int, volunteer_no: str | None) -> str:
    """How a v2 leaf names an account: a resident by their volunteer number, any other
    account (or a resident without a number) by its row id after ``#``."""
    if kind == "person" and volunteer_no:
        return f"person:{volunteer_no}"
    return f"{kind}:#{account_id}"


def label_kind(label: str) -> str:
    return label.split(":", 1)[0]


def private_entry(row: Sequence[Any]) -> bytes:
    """The private fields of a transfer (``PRIVATE_FIELDS`` values, in order), encoded."""
    return encode(row)


def private_digest(salt: bytes, private: bytes) -> str:
    return hashlib.sha256(salt + private).hexdigest()


def entry_v2(public: Sequence[Any]) -> bytes:
    """The v2 entry: the ``PUBLIC_FIELDS`` values, the private digest last."""
    if len(public) != len(PUBLIC_FIELDS):
        raise ValueError("a v2 entry has ten values")
    return encode(public)


def totals_of(lines: Sequence[Sequence[Any]]) -> dict[str, int]:
    """The month's totals from its v2 lines (``PUBLIC_FIELDS`` values), as anyone works
    them out from the public entries."""
    issued = redeemed = expired = entries = 0
    holders: set[str] = set()
    for line in lines:
        debit, credit, amount, kind = line[2], line[3], line[4], line[5]
        debit_kind, credit_kind = label_kind(debit), label_kind(credit)
        if debit_kind == ISSUER:
            issued += amount
        if credit_kind == ISSUER:
            issued -= amount
        if kind == "redemption":
            redeemed += amount
        elif kind == "refund":
            redeemed -= amount
        elif kind == "expiry":
            expired += amount
        if credit_kind in HOLDERS:
            entries += 1
            holders.add(credit)
        elif debit_kind in HOLDERS:
            entries += 1
            holders.add(debit)
    return {
        "issued": issued,
        "redeemed": redeemed,
        "expired": expired,
        "entries": entries,
        "transfers": len(lines),
        "people": len(holders),
    }


def totals_line(totals: dict[str, Any]) -> str:
    """``issued=… redeemed=… expired=… entries=… transfers=… people=…``: decimal, one
    space between."""
    parts = []
    for key in TOTALS:
        value = totals[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"total {key} is not an integer")
        _safe(value)
        parts.append(f"{key}={value}")
    return " ".join(parts)


def seal_v2(
    community_code: str,
    month: str,
    count: int,
    root_hex: str,
    previous: str,
    totals: dict[str, Any],
) -> str:
    text = "\n".join(
        [VERSION_V2, community_code, month, str(count), root_hex, previous, totals_line(totals)]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def seal_of(
    version: int,
    community_code: str,
    month: str,
    count: int,
    root_hex: str,
    previous: str,
    totals: dict[str, Any] | None,
) -> str:
    """The seal under the announcement's version."""
    if version == V1:
        return seal(community_code, month, count, root_hex, previous)
    if version == V2:
        return seal_v2(community_code, month, count, root_hex, previous, totals or {})
    raise ValueError(f"unknown seal version {version}")


_SALT_ROW = 8 + SALT_BYTES  # 8 bytes of transfer id, 16 of salt


def pack_salts(salts: dict[int, bytes]) -> bytes:
    return b"".join(pk.to_bytes(8, "big") + salts[pk] for pk in sorted(salts))


def unpack_salts(data: bytes | memoryview | None) -> dict[int, bytes]:
    raw = bytes(data or b"")
    if len(raw) % _SALT_ROW:
        raise ValueError(f"the stored salts ({len(raw)} bytes) are not whole entries")
    return {
        int.from_bytes(raw[i : i + 8], "big"): raw[i + 8 : i + _SALT_ROW]
        for i in range(0, len(raw), _SALT_ROW)
    }
