"""The seal of a disclosure, as pure functions (docs/checkpoints.md, "Disclosures").

- Content: one JSON object with sorted keys, no spaces, UTF-8 (not ASCII-escaped):
  ``format`` (``jifen-disclosure-v1``), ``region`` (code), ``id``, ``series``,
  ``version``, ``kind``, ``category``, ``period``, ``decided_on`` (ISO date or ""),
  ``title``, ``body``, ``table``, ``report``, ``correction_note``, ``published_at``
  (UTC, microseconds, ``Z``) and ``attachments``: ``[{"name", "sha256"}]`` in upload
  order, each the SHA-256 (hex) of the file's bytes.
- Root: SHA-256 (hex) of the content's bytes.
- Seal: SHA-256 (hex) of the lines ``jifen-disclosure-v1``, region code, id, version,
  number of attachments, root and the previous seal of the region's disclosures (empty
  for the first sealed one), joined by ``\\n``: a region's disclosures chain, so one
  cannot vanish from between two others.
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

FORMAT = "jifen-disclosure-v1"


def content(
    *,
    region: str,
    id: int,
    series: int,
    version: int,
    kind: str,
    category: str,
    period: str,
    decided_on: date | None,
    title: str,
    body: str,
    table: Any,
    report: Any,
    correction_note: str,
    published_at: datetime,
    attachments: Sequence[tuple[str, str]],
) -> bytes:
    document = {
        "format": FORMAT,
        "region": region,
        "id": id,
        "series": series,
        "version": version,
        "kind": kind,
        "category": category,
        "period": period,
        "decided_on": decided_on.isoformat() if decided_on else "",
        "title": title,
        "body": body,
        "table": table or {},
        "report": report or {},
        "correction_note": correction_note,
        "published_at": published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "attachments": [{"name": name, "sha256": digest} for name, digest in attachments],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def root(content_bytes: bytes) -> str:
    return hashlib.sha256(content_bytes).hexdigest()


def seal(region: str, id: int, version: int, count: int, root_hex: str, previous: str) -> str:
    text = "\n".join([FORMAT, region, str(id), str(version), str(count), root_hex, previous])
    return hashlib.sha256(text.encode()).hexdigest()
