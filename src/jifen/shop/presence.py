"""Proof that a resident is at the counter (issue 12; CONTRACT, "Wave 2: hardening rules").

A merchant takes a resident's points only with proof that the resident is there: the
code of their volunteer card (its QR scanned, or the code printed under it typed —
``activities.cards``), or a one-time pay code (付款码) their phone shows, as Chinese
payment apps do. Staff at the community's counter may also name a resident by id (the
elderly without a phone or card); a merchant may not.

The pay code: 16 digits (15 random, the last a Luhn check digit, so a typo is told as a
typo), valid for 120 seconds, used once; a new one replaces the one shown before. Only a
keyed hash of it is stored. It is used — compare-and-set on its row — in the same
transaction as the order it pays for, so of two counters typing it at once exactly one
takes the points, and a refused order leaves it usable.

Guessing: a well-formed card or pay code that names nobody counts as a failure of the
operator who sent it; after ``FAILURES_ALLOWED`` in ``FAILURE_WINDOW`` every further
attempt by them is refused (429) until the window passes — the right code too. With
10¹⁵ pay codes, of which a community has a handful alive at a time, ten guesses in
fifteen minutes find one about once in 10¹¹ tries.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.activities import cards
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied, TooManyAttempts
from jifen.people import authz
from jifen.people.models import Merchant, Person
from jifen.people.validation import keyed_digest, luhn_digit
from jifen.shop.models import CODE_LENGTH, PayCode, PresenceFailure

PAYCODE_DIGITS = 16
PAYCODE_SECONDS = 120
PAYCODE_PREFIX = "JFP:"  # what the pay code's QR holds, before the digits
FAILURES_ALLOWED = 10
FAILURE_WINDOW = timedelta(minutes=15)

NUMBER_ALONE = _(
    "A volunteer number alone is not enough. Type the whole code printed under the card's "
    "QR code (the number and the 8 letters and digits after it), or the 16-digit pay code "
    "on the resident's phone."
)


@dataclass(frozen=True)
class Presence:
    """The resident proved to be at the counter, and how."""

    person: Person
    via: str  # "card" or "paycode"
    paycode_id: int | None = None


# --- The pay code -------------------------------------------------------------------------


def with_check_digit(body: str) -> str:
    return body + luhn_digit(body)


def _digest(code: str) -> str:
    return keyed_digest(code, "paycode")


def issue_paycode(*, person: Person) -> tuple[str, datetime]:
    """A fresh pay code for the person's phone, and when it expires; the codes shown
    before and not used are void from now on."""
    for _attempt in range(3):
        code = with_check_digit("".join(secrets.choice("0123456789") for _ in range(15)))
        expires = timezone.now() + timedelta(seconds=PAYCODE_SECONDS)
        try:
            with transaction.atomic():
                PayCode.objects.filter(person=person, used_at__isnull=True).delete()
                PayCode.objects.create(person=person, digest=_digest(code), expires_at=expires)
        except IntegrityError:  # the same 16 digits alive for someone else: draw again
            continue
        return code, expires
    raise Conflict(_("Please try again."))  # pragma: no cover - one in 10¹⁵ three times


def normalize_paycode(text: str) -> str:
    squeezed = cards.squeeze(text)
    return squeezed[len("JFP") :] if squeezed.startswith("JFP") else squeezed


def kind_of(text: str) -> str:
    """What was scanned or typed at a counter: ``card``, ``paycode``, ``order`` (a
    pickup code), ``number`` (a volunteer number alone) or ``unknown``."""
    head = (text or "").strip().upper()
    if head.startswith(f"{cards.PREFIX}:"):
        return "card"
    if head.startswith(PAYCODE_PREFIX):
        return "paycode"
    if head.startswith("JFO"):
        return "order"
    squeezed = cards.squeeze(text)
    if squeezed.isdigit() and len(squeezed) == PAYCODE_DIGITS:
        return "paycode"
    if cards.looks_typed(text):
        return "card"
    if cards.is_volunteer_no(text):
        return "number"
    if len(squeezed) == CODE_LENGTH:
        return "order"
    return "unknown"


# --- Guessing is held back ------------------------------------------------------------------


def failures_of(actor: Person) -> int:
    since = timezone.now() - FAILURE_WINDOW
    return PresenceFailure.objects.filter(actor=actor, at__gte=since).count()


def _failed(actor: Person) -> None:
    # Committed at once when called outside a transaction, as the views and the API do:
    # the request itself fails and rolls back whatever it wrote.
    PresenceFailure.objects.create(actor=actor)


def _require_taker(actor: Person) -> None:
    """Only someone who runs a counter presents a resident's proof: a merchant's operator,
    or staff of some community's shop. (Which resident and offer, the order decides.)"""
    if authz.can(actor, authz.MANAGE_SHOP):
        return
    if Merchant.objects.filter(operators=actor, is_active=True).exists():
        return
    raise PermissionDenied(
        _("Only a partner merchant or staff at the counter take points with a card or pay code.")
    )


def identify(*, actor: Person, card: str = "", paycode: str = "") -> Presence:
    """The resident whose card or pay code the actor presents. Call it outside a
    transaction: a guess that names nobody is counted even though the request fails."""
    _require_taker(actor)
    if failures_of(actor) >= FAILURES_ALLOWED:
        raise TooManyAttempts(params={"minutes": int(FAILURE_WINDOW.total_seconds() // 60)})
    if card:
        person = cards.person_from_card(card)
        if person is not None:
            return Presence(person=person, via="card")
        if cards.is_volunteer_no(card):  # a mistake, not a guess: say what to type
            raise InvalidInput(NUMBER_ALONE, code="invalid_card", field="card")
        _failed(actor)
        raise InvalidInput(
            _("This is not a volunteer card of ours."), code="invalid_card", field="card"
        )
    code = normalize_paycode(paycode)
    if len(code) != PAYCODE_DIGITS or not code.isdigit() or luhn_digit(code[:-1]) != code[-1]:
        raise InvalidInput(
            _("A pay code has 16 digits, and this one is mistyped: please type it again."),
            code="invalid_paycode",
            field="paycode",
        )
    row = (
        PayCode.objects.select_related("person", "person__community")
        .filter(digest=_digest(code))
        .first()
    )
    if row is None or not row.person.is_active:
        _failed(actor)
        raise InvalidInput(
            _("No pay code like this is waiting. Ask the resident to refresh it."),
            code="invalid_paycode",
            field="paycode",
        )
    if row.used_at is not None:
        raise _used()
    if row.expires_at <= timezone.now():
        raise _expired()
    return Presence(person=row.person, via="paycode", paycode_id=row.pk)


def _used() -> Conflict:
    return Conflict(
        _("This pay code was used already. Ask the resident to refresh it."),
        code="paycode_used",
        field="paycode",
    )


def _expired() -> Conflict:
    return Conflict(
        _("This pay code has expired. Ask the resident to refresh it."),
        code="paycode_expired",
        field="paycode",
    )


def consume(proof: Presence, actor: Person) -> None:
    """(Inside the order's transaction.) Use the pay code, once: of two counters using it
    at once, the second waits on the row and then finds it used."""
    if proof.paycode_id is None:
        return
    now = timezone.now()
    done = PayCode.objects.filter(
        pk=proof.paycode_id, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, used_by=actor)
    if done:
        return
    row = PayCode.objects.filter(pk=proof.paycode_id).first()
    if row is None or row.used_at is not None:  # used, or replaced by a newer one
        raise _used()
    raise _expired()


def prune(now: datetime | None = None) -> int:
    """(From ``jifen tick``.) Pay codes past their time and failures past the window."""
    now = now or timezone.now()
    codes, _detail = PayCode.objects.filter(expires_at__lt=now).delete()
    failures, _detail = PresenceFailure.objects.filter(at__lt=now - FAILURE_WINDOW).delete()
    return codes + failures
