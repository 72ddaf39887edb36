"""Checkpoints above the community: every published seal, chained per county and per town.

A community seals its month (publicity), a disclosure (disclosure) or a unit's quarterly
statement (party); the seal is then written into the log of every county and town above
the community, in the order published. A log's checkpoint is its size and the chain hash
of its last entry: a file anyone can keep, and later hold against the server (``jifen
verify --against FILE``), as Certificate Transparency's checkpoints are held against a log.
The logs are append-only: a seal once witnessed is never rewritten here, and a rewrite
elsewhere shows as a seal that no longer matches what an earlier checkpoint holds.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jifen.regions.models import Level

# The levels that keep a log: every county and town above a community.
WITNESS_LEVELS = (Level.COUNTY, Level.TOWN)


class Kind(models.TextChoices):
    MONTH = "month", _("monthly announcement")
    DISCLOSURE = "disclosure", _("village affairs disclosure")
    STATEMENT = "statement", _("quarterly statement for an employer")


class Log(models.Model):
    """The log of one county or town: its size and the chain hash of its last entry."""

    region = models.OneToOneField(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    size = models.PositiveBigIntegerField(default=0)
    head = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("checkpoint log")
        verbose_name_plural = _("checkpoint logs")

    def __str__(self) -> str:
        return f"{self.region_id}: {self.size}"


class Entry(models.Model):
    """One witnessed seal at its place in a log."""

    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="entries")
    index = models.PositiveBigIntegerField()  # 0-based position in the log
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=16)  # 2026-11, 2026Q4, a date
    # What within the period: "" for a month, the disclosure's or the unit's id.
    subject = models.CharField(max_length=32, blank=True)
    count = models.PositiveIntegerField()
    root = models.CharField(max_length=64)
    seal = models.CharField(max_length=64)
    # SHA-256 over the previous entry's chain and this entry's line (see services).
    chain = models.CharField(max_length=64)
    witnessed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("witnessed seal")
        verbose_name_plural = _("witnessed seals")
        constraints = [
            models.UniqueConstraint(fields=["log", "index"], name="witness_entry_once"),
        ]
        indexes = [models.Index(fields=["community", "kind", "period"])]

    def __str__(self) -> str:
        return f"{self.log_id}#{self.index} {self.kind} {self.period}"


class SigningKey(models.Model):
    """A county's or town's Ed25519 key for the monthly signed copy of its checkpoint.

    The private key is stored only as an encrypted PKCS#8 PEM under a passphrase its
    administrator chose (never stored, never logged): the server cannot sign without it.
    A new key supersedes the old one; the old public key stays listed, so signatures it
    made still verify."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    public_pem = models.TextField()
    # SHA-256 of the raw 32-byte public key, hex: names the key in a signature.
    fingerprint = models.CharField(max_length=64, unique=True)
    encrypted_private_pem = models.TextField()
    created_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("checkpoint signing key")
        verbose_name_plural = _("checkpoint signing keys")
        constraints = [
            models.UniqueConstraint(
                fields=["region"],
                condition=models.Q(superseded_at__isnull=True),
                name="witness_one_current_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id}: {self.fingerprint[:16]}"


class Signature(models.Model):
    """One signed copy of a checkpoint handed to its region's office (what was signed:
    size and head; the file itself is the office's)."""

    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="signatures")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    size = models.PositiveBigIntegerField()
    head = models.CharField(max_length=64, blank=True)
    signature = models.CharField(max_length=128)
    signed_by = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, related_name="+"
    )
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["-signed_at", "-id"]
        verbose_name = _("signed checkpoint")
        verbose_name_plural = _("signed checkpoints")

    def __str__(self) -> str:
        return f"{self.region_id} #{self.size}"


class SigningFailure(models.Model):
    """A wrong passphrase typed to sign with a key: counted per key, so that guessing it
    through the console is held back (docs/checkpoints.md, section 5)."""

    key = models.ForeignKey(SigningKey, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "at"])]

    def __str__(self) -> str:
        return f"{self.key_id} {self.at:%Y-%m-%d %H:%M:%S}"
