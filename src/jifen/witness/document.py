"""The checkpoint document as pure functions: its chain, its canonical bytes, its signature.

docs/checkpoints.md specifies them for anyone who keeps a copy. Nothing here reads the
database: ``jifen verify --against FILE`` and the signing service both use these.
"""

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = "jifen-checkpoint-v1"
SIGNATURE_ALGORITHM = "ed25519"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
LINE_FIELDS = ("community", "kind", "period", "subject", "count", "root", "seal")
TEXT_FIELDS = ("community", "kind", "period", "subject", "root", "seal", "chain")
# What a line's text fields may not hold: they are joined by tabs, the chain by newlines.
FORBIDDEN = re.compile(r"[\t\n\r]")


def line(entry: dict[str, Any]) -> str:
    """An entry's line as it enters the chain: its fields joined by tabs."""
    return "\t".join(str(entry[f]) for f in LINE_FIELDS)


def chain(previous: str, entry_line: str) -> str:
    """The chain hash after an entry: SHA-256 (hex) of the version, the previous chain
    hash (empty for the first entry) and the entry's line, joined by newlines."""
    return hashlib.sha256("\n".join([VERSION, previous, entry_line]).encode()).hexdigest()


class Unreadable(ValueError):
    """A checkpoint file that is not a checkpoint, or whose own chain does not add up."""


def check_chain(entries: Sequence[dict[str, Any]], size: int, head: str) -> None:
    """Raise ``Unreadable`` unless the entries are 0..size-1 in order and their chain
    leads to ``head``."""
    if len(entries) != size:
        raise Unreadable(f"the file says size {size} but holds {len(entries)} entries")
    previous = ""
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise Unreadable(f"entry {position} is not an object")
        missing = [f for f in (*LINE_FIELDS, "index", "chain") if f not in entry]
        if missing:
            raise Unreadable(f"entry {position} lacks {', '.join(missing)}")
        wrong = [f for f in TEXT_FIELDS if not isinstance(entry[f], str)] + [
            f
            for f in ("index", "count")
            if not isinstance(entry[f], int) or isinstance(entry[f], bool) or entry[f] < 0
        ]
        if wrong:
            raise Unreadable(f"entry {position}: {', '.join(wrong)} of the wrong type")
        if entry["index"] != position:
            raise Unreadable(f"entry {position} says index {entry['index']!r}")
        expected = chain(previous, line(entry))
        if entry["chain"] != expected:
            raise Unreadable(f"entry {position}: its chain hash does not follow from the entries")
        previous = expected
    if previous != head:
        raise Unreadable("the head is not the chain hash of the last entry")


def parse(raw: bytes) -> dict[str, Any]:
    """A checkpoint file read and checked on its own (shape and chain), or ``Unreadable``."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Unreadable(f"not a JSON file: {str(exc)[:200]}") from None
    if not isinstance(document, dict):
        raise Unreadable("not a checkpoint: the file is not a JSON object")
    if document.get("version") != VERSION:
        raise Unreadable(f"not a checkpoint of version {VERSION}")
    size, head, region = document.get("size"), document.get("head"), document.get("region")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise Unreadable("the size is not a whole number")
    if not isinstance(region, str) or not region:
        raise Unreadable("the file names no region")
    if not isinstance(head, str) or (size and not HEX64.match(head)) or (not size and head):
        raise Unreadable("the head is not a SHA-256 in lowercase hex")
    entries = document.get("entries")
    if not isinstance(entries, list):
        raise Unreadable("the file has no list of entries")
    check_chain(entries, size, head)
    return document


# --- The signature ------------------------------------------------------------------------


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes a signature covers: the document without its ``signature`` member, as
    JSON with sorted keys, no spaces, UTF-8 (not ASCII-escaped)."""
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(unsigned, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise Unreadable("the key is not an Ed25519 key")
    return key


def sign(document: dict[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """The document with its signer's key named (``key``, signed too) and the signature
    (base64 of the 64-byte Ed25519 signature over ``canonical``) embedded."""
    signed = {k: v for k, v in document.items() if k != "signature"}
    signed["key"] = fingerprint(private_key.public_key())
    signed["signature"] = base64.b64encode(private_key.sign(canonical(signed))).decode()
    return signed


def verify(document: dict[str, Any], keys: dict[str, str]) -> str:
    """Check an embedded signature against the published keys (fingerprint → PEM): the
    fingerprint of the key that signed, or ``Unreadable`` naming what is wrong."""
    value, name = document.get("signature"), document.get("key")
    if not isinstance(value, str) or not isinstance(name, str):
        raise Unreadable("the signature or the name of its key is missing")
    pem = keys.get(name)
    if pem is None:
        raise Unreadable(f"the key {name[:16]} that signed is not among the published keys")
    key = load_public(pem)
    if fingerprint(key) != name:
        raise Unreadable(f"the published key {name[:16]} does not have that fingerprint")
    try:
        raw = base64.b64decode(value, validate=True)
        key.verify(raw, canonical(document))
    except (InvalidSignature, ValueError):
        raise Unreadable(
            "the signature does not match the file: it was changed or forged"
        ) from None
    return name
