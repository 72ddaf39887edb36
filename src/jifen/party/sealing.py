"""The seal of an employer's quarterly statement (服务登记卡), as pure functions.

docs/party.md specifies it for third parties. The Merkle tree is the 公示 month's
(``publicity.seal``: leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖ right), an
odd last node moves up unchanged, the root of no leaves SHA-256 of nothing); the entries
and the seal are the statement's own:

- A member's line: the JSON array ``["member", volunteer number, masked name (empty
  until the person agreed to publication), months reported home, services, hours (text,
  e.g. "3.5"), points]``; the unit's own line, last:
  ``["unit", organisation id, organisation name, points]``. Compact JSON, UTF-8, not
  ASCII-escaped. Only what the public page shows is sealed, so anyone can recompute the
  root from the published lines.
- Seal: SHA-256 of the lines ``jifen-statement-v1``, organisation id, quarter (``2026Q4``),
  leaf count, root (hex) and the unit's previous statement's seal (hex, empty for its
  first), joined by ``\\n``.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from jifen.publicity.seal import leaf_hash, root

VERSION = "jifen-statement-v1"


def entry(line: Mapping[str, Any]) -> bytes:
    """The canonical entry of one published line."""
    if line["kind"] == "unit":
        values: list[Any] = ["unit", line["organization"], line["name"], line["points"]]
    else:
        values = [
            "member",
            line["volunteer_no"],
            line["name"],
            line["reports"],
            line["services"],
            line["hours"],
            line["points"],
        ]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def leaves(lines: Sequence[Mapping[str, Any]]) -> list[bytes]:
    return [leaf_hash(entry(line)) for line in lines]


def seal(organization_id: int, quarter: str, count: int, root_hex: str, previous: str) -> str:
    text = "\n".join([VERSION, str(organization_id), quarter, str(count), root_hex, previous])
    return hashlib.sha256(text.encode()).hexdigest()


def sealed(
    organization_id: int, quarter: str, lines: Sequence[Mapping[str, Any]], previous: str
) -> tuple[list[bytes], str, str]:
    """(leaves, root hex, seal) of the lines."""
    found = leaves(lines)
    root_hex = root(found).hex()
    return found, root_hex, seal(organization_id, quarter, len(found), root_hex, previous)


def public(line: Mapping[str, Any]) -> dict[str, Any]:
    """The published fields of a stored line (what is sealed; no person id, no full name)."""
    if line["kind"] == "unit":
        keys: tuple[str, ...] = ("kind", "organization", "name", "points")
    else:
        keys = ("kind", "volunteer_no", "name", "reports", "services", "hours", "points")
    return {k: line[k] for k in keys}
