"""A verifier of a sealed month written from docs/verification.md alone, as a stranger
would: the standard library's hashlib, json and urllib, and nothing of Jifen's.

``fetch`` reads every page of ``GET /api/v1/public/announcements/{id}/entries`` over
HTTP; ``check`` rebuilds the month's root, totals and seal from those lines and says
what does not agree with what the server published. (The tests load this file as a
module of its own; keep it free of any ``jifen`` import.)
"""

import hashlib
import json
import urllib.request

FIELDS = [
    "transfer",
    "date",
    "debit",
    "credit",
    "amount",
    "kind",
    "item",
    "service_date",
    "reverses",
    "private",
]
TOTALS = ["issued", "redeemed", "expired", "entries", "transfers", "people"]
HOLDERS = ["person", "organization"]
MAX_SAFE = 2**53 - 1


def get_json(url):
    with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 - http(s) only
        return json.loads(answer.read().decode("utf-8"))


def fetch(base_url, announcement_id, get=get_json):
    """The month's first page (its head: seal, root, totals ...) and all of its lines."""
    url = f"{base_url}/api/v1/public/announcements/{announcement_id}/entries"
    head = get(f"{url}?page=1")
    lines = list(head["lines"])
    for page in range(2, head["pages"] + 1):
        lines.extend(get(f"{url}?page={page}")["lines"])
    return head, lines


def sha(data):
    return hashlib.sha256(data).digest()


def encode(values):
    for value in values:
        if isinstance(value, int) and not -MAX_SAFE <= value <= MAX_SAFE:
            raise ValueError("integer out of range")
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def leaf(line):
    return sha(b"\x00" + encode([line[name] for name in FIELDS]))


def root(leaves):
    if not leaves:
        return sha(b"")
    level = list(leaves)
    while len(level) > 1:
        up = [sha(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2 == 1:
            up.append(level[-1])
        level = up
    return level[0]


def totals(lines):
    issued = redeemed = expired = entries = 0
    holders = set()
    for line in lines:
        debit_kind = line["debit"].split(":", 1)[0]
        credit_kind = line["credit"].split(":", 1)[0]
        if debit_kind == "issuer":
            issued += line["amount"]
        if credit_kind == "issuer":
            issued -= line["amount"]
        if line["kind"] == "redemption":
            redeemed += line["amount"]
        if line["kind"] == "refund":
            redeemed -= line["amount"]
        if line["kind"] == "expiry":
            expired += line["amount"]
        if credit_kind in HOLDERS:
            entries += 1
            holders.add(line["credit"])
        elif debit_kind in HOLDERS:
            entries += 1
            holders.add(line["debit"])
    return {
        "issued": issued,
        "redeemed": redeemed,
        "expired": expired,
        "entries": entries,
        "transfers": len(lines),
        "people": len(holders),
    }


def seal(head, count, root_hex, month_totals):
    last = " ".join(f"{key}={month_totals[key]}" for key in TOTALS)
    text = "\n".join(
        [
            "jifen-seal-v2",
            head["community"],
            head["month"],
            str(count),
            root_hex,
            head["previous_seal"],
            last,
        ]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check(head, lines):
    """What does not agree (an empty list: the month is what its seal says)."""
    if head["version"] != "jifen-seal-v2" or not head["rebuildable"]:
        return ["not rebuildable in public: " + head["version"]]
    problems = []
    ids = [line["transfer"] for line in lines]
    if ids != sorted(set(ids)):
        problems.append("lines not in ascending transfer id order")
    rebuilt = root([leaf(line) for line in lines]).hex()
    if len(lines) != head["count"]:
        problems.append(f"count: {len(lines)} lines, the seal says {head['count']}")
    if rebuilt != head["root"]:
        problems.append(f"root: the lines give {rebuilt}, the seal says {head['root']}")
    worked_out = totals(lines)
    if worked_out != head["totals"]:
        problems.append(f"totals: the lines give {worked_out}, the seal says {head['totals']}")
    if seal(head, head["count"], head["root"], head["totals"]) != head["seal"]:
        problems.append("seal: does not follow from its lines")
    return problems
