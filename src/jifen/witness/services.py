"""Writing a seal into the logs above its community.

``witness`` is called by every domain that seals, inside the transaction that publishes
the seal: the seal and its witnesses commit together or not at all.
"""

import secrets
from datetime import timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.lib.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Region
from jifen.witness import document
from jifen.witness.document import chain
from jifen.witness.models import (
    WITNESS_LEVELS,
    Entry,
    Kind,
    Log,
    Signature,
    SigningFailure,
    SigningKey,
)
from jifen.witness.selectors import checkpoint


def line(
    *, community_code: str, kind: str, period: str, subject: str, count: int, root: str, seal: str
) -> str:
    """The entry's line as it enters the chain: its fields joined by tabs."""
    return document.line(
        {
            "community": community_code,
            "kind": kind,
            "period": period,
            "subject": subject,
            "count": count,
            "root": root,
            "seal": seal,
        }
    )


def witnesses_of(community: Region) -> list[Region]:
    """The county and town above (or at) a community, top first."""
    codes = [c for c in community.path.strip("/").split("/")]
    return list(Region.objects.filter(code__in=codes, level__in=WITNESS_LEVELS).order_by("path"))


def witness(
    *,
    community: Region,
    kind: str,
    period: str,
    seal: str,
    root: str,
    count: int,
    subject: str = "",
) -> list[Entry]:
    """Append a published seal to the log of every county and town above ``community``.
    Call inside the publishing transaction."""
    Kind(kind)  # a kind the logs know, or ValueError
    for name, value in (("period", period), ("subject", subject), ("seal", seal), ("root", root)):
        if not isinstance(value, str) or document.FORBIDDEN.search(value):
            raise ValueError(f"a witnessed {name} is text without tabs or line breaks")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError("a witnessed count is a whole number")
    now = timezone.now()
    text = line(
        community_code=community.code,
        kind=kind,
        period=period,
        subject=subject,
        count=count,
        root=root,
        seal=seal,
    )
    written = []
    for region in witnesses_of(community):
        Log.objects.get_or_create(region=region)
        log = Log.objects.select_for_update().get(region=region)
        head = chain(log.head, text)
        written.append(
            Entry.objects.create(
                log=log,
                index=log.size,
                community=community,
                kind=kind,
                period=period,
                subject=subject,
                count=count,
                root=root,
                seal=seal,
                chain=head,
                witnessed_at=now,
            )
        )
        log.size += 1
        log.head = head
        log.save(update_fields=["size", "head", "updated_at"])
    return written


# --- Signing keys and the signed monthly copy ------------------------------------------------

MIN_PASSPHRASE = 12
MAX_PASSPHRASE = 1024
# scrypt's cost: ~0.1 s and 32 MiB per try, so a stolen database is slow to guess at.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SEALED_PREFIX = "jifen-key-v1"


def _passphrase(value: object) -> bytes:
    if not isinstance(value, str) or not MIN_PASSPHRASE <= len(value) <= MAX_PASSPHRASE:
        raise InvalidInput(
            _("The passphrase has at least %(min)s characters."),
            field="passphrase",
            params={"min": MIN_PASSPHRASE},
        )
    return value.encode()


def _kek(passphrase: bytes, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(passphrase)


def seal_private(private_key: Ed25519PrivateKey, passphrase: bytes) -> str:
    """The private key encrypted under the passphrase: scrypt → AES-256-GCM, as text."""
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    box = AESGCM(_kek(passphrase, salt)).encrypt(nonce, raw, SEALED_PREFIX.encode())
    return "$".join([SEALED_PREFIX, salt.hex(), nonce.hex(), box.hex()])


def open_private(sealed: str, passphrase: bytes) -> Ed25519PrivateKey:
    try:
        prefix, salt, nonce, box = sealed.split("$")
        if prefix != SEALED_PREFIX:
            raise ValueError(prefix)
        raw = AESGCM(_kek(passphrase, bytes.fromhex(salt))).decrypt(
            bytes.fromhex(nonce), bytes.fromhex(box), SEALED_PREFIX.encode()
        )
    except InvalidTag:
        raise InvalidInput(
            _("That is not the passphrase of this key."), field="passphrase"
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def _signing_region(actor: Person | None, region: Region) -> Region:
    if region.level not in WITNESS_LEVELS:
        raise InvalidInput(_("Only a county or a town keeps a checkpoint."), field="region")
    authz.require(actor, authz.SIGN_CHECKPOINTS, region)
    return region


def current_key(region: Region) -> SigningKey | None:
    return SigningKey.objects.filter(region=region, superseded_at__isnull=True).first()


@transaction.atomic
def create_key(
    *, actor: Person | None, region: Region, passphrase: str, replace: bool = False
) -> SigningKey:
    """A new signing key for a county or town; the one before (if any) is superseded —
    only when ``replace`` says so (409 ``key_exists`` otherwise) — and its public key
    stays published so its signatures still verify."""
    _signing_region(actor, region)
    secret = _passphrase(passphrase)
    list(Region.objects.select_for_update().filter(pk=region.pk).values_list("pk"))
    now = timezone.now()
    old = current_key(region)
    if old is not None and not replace:
        raise Conflict(
            _("This region already has a signing key: confirm that it is to be superseded."),
            code="key_exists",
        )
    if old is not None:
        old.superseded_at = now
        old.save(update_fields=["superseded_at"])
    private_key = Ed25519PrivateKey.generate()
    public_key = private_key.public_key()
    key = SigningKey.objects.create(
        region=region,
        public_pem=document.public_pem(public_key),
        fingerprint=document.fingerprint(public_key),
        encrypted_private_pem=seal_private(private_key, secret),
        created_by=actor,
        created_at=now,
    )
    record(
        actor=actor,
        action="witness.create_key",
        target=key,
        region=region,
        after={"fingerprint": key.fingerprint, "supersedes": old.fingerprint if old else ""},
    )
    return key


# Wrong passphrases allowed per key in a window before signing with it is held back: the
# scrypt cost slows one guess; this stops a stolen console session from guessing on.
SIGN_FAILURES_ALLOWED = 5
SIGN_FAILURE_WINDOW = timedelta(minutes=15)


def sign(*, actor: Person | None, region: Region, passphrase: str) -> dict[str, Any]:
    """The region's current checkpoint, signed with its key (the passphrase opens it for
    this one signature): the file the town's or county's office archives.

    A wrong passphrase is counted against the key and recorded in the audit trail (both
    kept although the call fails: call it outside a transaction, as the console does);
    after ``SIGN_FAILURES_ALLOWED`` in ``SIGN_FAILURE_WINDOW`` the key signs nothing
    until the window has passed (429), the right passphrase included."""
    _signing_region(actor, region)
    secret = _passphrase(passphrase)
    signed = _sign_or_count(actor, region, secret)
    if signed is None:
        raise InvalidInput(_("That is not the passphrase of this key."), field="passphrase")
    return signed


@transaction.atomic
def _sign_or_count(actor: Person | None, region: Region, secret: bytes) -> dict[str, Any] | None:
    # The key's row is locked: guesses at one key are tried one after another, so a burst
    # of them in parallel is counted as it comes, not all let through at once.
    key = (
        SigningKey.objects.select_for_update()
        .filter(region=region, superseded_at__isnull=True)
        .first()
    )
    if key is None:
        raise NotFound(_("This region has no signing key yet; create one first."))
    now = timezone.now()
    recent = SigningFailure.objects.filter(key=key, at__gte=now - SIGN_FAILURE_WINDOW)
    if recent.count() >= SIGN_FAILURES_ALLOWED:
        raise TooManyAttempts(params={"minutes": int(SIGN_FAILURE_WINDOW.total_seconds() // 60)})
    try:
        private_key = open_private(key.encrypted_private_pem, secret)
    except InvalidInput:
        SigningFailure.objects.create(key=key, actor=actor, at=now)
        SigningFailure.objects.filter(key=key, at__lt=now - SIGN_FAILURE_WINDOW).delete()
        record(
            actor=actor,
            action="witness.sign_refused",
            target=key,
            region=region,
            after={"fingerprint": key.fingerprint},
        )
        return None
    if document.fingerprint(private_key.public_key()) != key.fingerprint:
        raise Conflict(_("The stored key does not match its public key."), code="key_mismatch")
    signed = document.sign(checkpoint(region), private_key)
    row = Signature.objects.create(
        key=key,
        region=region,
        size=signed["size"],
        head=signed["head"],
        signature=signed["signature"],
        signed_by=actor,
        signed_at=timezone.now(),
    )
    record(
        actor=actor,
        action="witness.sign",
        target=row,
        region=region,
        after={"size": row.size, "head": row.head, "fingerprint": key.fingerprint},
    )
    return signed
