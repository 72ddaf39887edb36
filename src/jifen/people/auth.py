"""Logging in by phone and password, throttling guessers, and API tokens."""

import functools
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import NotAuthenticated, TooManyAttempts
from jifen.lib.rawrows import Columns, cache_related, execute_planned
from jifen.people.models import ApiToken, LoginFailure, Person
from jifen.people.validation import keyed_digest, normalize_phone
from jifen.regions.models import Region

TOKEN_PREFIX = "jf_"  # noqa: S105 - a visible prefix, not a secret
# Hashed once, checked against when the phone is unknown, so the time taken
# does not tell a guesser which phones are registered.
_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(make_password(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


# LoginFailure holds every attempt the throttles count, for one window: failed logins,
# whose phone_digest is the phone's keyed hash, and self-registrations, whose
# phone_digest is that prefix and a hash under another key — one table and one pruning
# for both, told apart by the prefix (a hex digest has no colon).
_REGISTRATION = "register:"


def _held(window: int, message: str | Promise | None = None) -> TooManyAttempts:
    minutes = max(1, window // 60)
    if message is None:
        return TooManyAttempts(params={"minutes": minutes})
    return TooManyAttempts(message, params={"minutes": minutes})


def _from(address: str | None) -> Q:
    """Attempts from this address; none when the address is unknown (no REMOTE_ADDR):
    every such client in one bucket would hold back everyone without one."""
    return Q(address=address) if address else Q(pk__in=[])


def _throttle(phone_digest: str, address: str | None) -> None:
    """Hold back a login before the password is checked, as django-axes combines its keys
    (``[["username", "ip_address"], "username"]``), with the address alone never holding
    back a right password:

    - the phone from this address: after LOGIN_THROTTLE_PER_PHONE failures, held back,
      the right password included — one guesser at one phone;
    - the phone from anywhere: after LOGIN_THROTTLE_PER_PHONE_ANYWHERE failures (a higher
      limit), held back everywhere, its owner too, until the window ends — else guessers
      spread over many addresses would never stop (the trade-off django-axes makes by
      locking the username: somebody who knows a phone can keep its owner out for a
      window; staff can still serve them at the counter);
    - the address: past LOGIN_THROTTLE_PER_ADDRESS failures it is busy — somebody there
      is trying many phones — and gets only LOGIN_THROTTLE_PER_PHONE_AT_BUSY_ADDRESS
      failures at each phone. A phone it has not failed at is still checked, so the
      resident at the community office whose neighbours mistyped gets in (a whole office
      behind one NAT address used to be locked out for the window).
    """
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    since = timezone.now() - timedelta(seconds=window)
    counts = (
        LoginFailure.objects.filter(at__gte=since)
        .filter(Q(phone_digest=phone_digest) | _from(address))
        .exclude(phone_digest__startswith=_REGISTRATION)
        .aggregate(
            phone=Count("pk", filter=Q(phone_digest=phone_digest)),
            pair=Count("pk", filter=Q(phone_digest=phone_digest, address=address)),
            address=Count("pk", filter=_from(address)),
        )
    )
    if counts["phone"] >= settings.LOGIN_THROTTLE_PER_PHONE_ANYWHERE:
        raise _held(window)
    limit = settings.LOGIN_THROTTLE_PER_PHONE
    if counts["address"] >= settings.LOGIN_THROTTLE_PER_ADDRESS:
        limit = min(limit, settings.LOGIN_THROTTLE_PER_PHONE_AT_BUSY_ADDRESS)
    if counts["pair"] >= limit:
        raise _held(window)


def authenticate(*, phone: str, password: str, address: str | None) -> Person:
    """The person with this phone and password, or an error that does not say which was
    wrong. The pages and ``POST /api/v1/auth/token`` both log in here."""
    # Written as at registration (spaces, dashes, +86), so the throttle counts one phone once.
    phone = normalize_phone(phone)
    digest = keyed_digest(phone, "login")
    _throttle(digest, address)
    person = Person.objects.filter(phone=phone, is_active=True).first()
    if person is None:
        check_password(password, _dummy_hash())
        ok = False
    else:
        ok = person.check_password(password)
    if not ok:
        LoginFailure.objects.create(phone_digest=digest, address=address)
        raise NotAuthenticated(
            _("The phone number or password is not right."), code="invalid_credentials"
        )
    assert person is not None  # noqa: S101 - ok implies a person
    # The owner's own typos go; a guesser's failures from elsewhere keep counting.
    LoginFailure.objects.filter(phone_digest=digest, address=address).delete()
    return person


def throttle_registration(*, phone: str, address: str | None) -> None:
    """Count a self-registration and hold it back (429 ``too_many_attempts``) past
    REGISTER_THROTTLE_PER_PHONE attempts at one phone or REGISTER_THROTTLE_PER_ADDRESS
    from one address in the window: ``phone_taken`` must not be an oracle for which
    phones are registered, nor one address sign up a crowd of phones that are not its.
    Called by the register page and ``POST /api/v1/people`` without a token, before
    the registration itself, so every attempt counts, taken phone or not."""
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    since = timezone.now() - timedelta(seconds=window)
    digest = _REGISTRATION + keyed_digest(normalize_phone(phone), "register")
    digest = digest[: LoginFailure._meta.get_field("phone_digest").max_length]
    counts = (
        LoginFailure.objects.filter(at__gte=since, phone_digest__startswith=_REGISTRATION)
        .filter(Q(phone_digest=digest) | _from(address))
        .aggregate(
            phone=Count("pk", filter=Q(phone_digest=digest)),
            address=Count("pk", filter=_from(address)),
        )
    )
    if (
        counts["phone"] >= settings.REGISTER_THROTTLE_PER_PHONE
        or counts["address"] >= settings.REGISTER_THROTTLE_PER_ADDRESS
    ):
        raise _held(
            window,
            _(
                "Too many registrations from here. Please wait %(minutes)s minutes and try "
                "again, or ask the community office to register you."
            ),
        )
    LoginFailure.objects.create(phone_digest=digest, address=address)


def prune_login_failures() -> int:
    """Drop failed logins and registrations older than the window; run by the scheduled job."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    deleted, _detail = LoginFailure.objects.filter(at__lt=since).delete()
    return deleted


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_token(*, person: Person) -> str:
    """A new bearer token; the caller sees it once, the database keeps only its hash."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        person=person,
        digest=_digest(raw),
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS),
    )
    return raw


_TOKEN = Columns(ApiToken, "t")
_PERSON = Columns(Person, "p")
_COMMUNITY = Columns(Region, "r")


def _token_read() -> str:
    """The columns and tables of the token with its person and their community: what
    ``ApiToken.objects.select_related("person", "person__community")`` reads, written
    once (every API request passes here; the ORM took longer to build it than the
    database to answer it)."""
    quote = connection.ops.quote_name
    return (
        f"{_TOKEN.select}, {_PERSON.select}, {_COMMUNITY.select} "
        f"FROM {_TOKEN.source} "
        f"JOIN {_PERSON.source} ON p.{quote('id')} = t.{quote('person_id')} "
        f"LEFT JOIN {_COMMUNITY.source} ON r.{quote('id')} = p.{quote('community_id')} "
        f"WHERE t.{quote('digest')} = %s AND t.{quote('revoked_at')} IS NULL "
        f"AND p.{quote('is_active')} = %s"
    )


@functools.cache
def _token_sql(vendor: str) -> str:
    return f"SELECT {_token_read()}"


# A token's ``last_used_at`` is written at most once a minute: a hot client must not
# turn every read into a write.
TOUCH_EVERY = timedelta(minutes=1)


@functools.cache
def _touch_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        f"UPDATE {quote(ApiToken._meta.db_table)} SET {quote('last_used_at')} = %s "  # noqa: S608 - names from the model
        f"WHERE {quote('id')} = %s"
    )


@functools.cache
def _read_and_touch_sql(vendor: str) -> str:
    """PostgreSQL: the read and the touch in one statement (a write in a ``WITH``), so a
    request's first use of its token in a minute costs no second round trip. The touch
    takes exactly the tokens the read lets through, not expired, and not touched within
    the minute; the SELECT sees the row as it was before it (PostgreSQL's rule for
    writes in ``WITH``) and says in its first column whether it was touched."""
    quote = connection.ops.quote_name
    token, person = quote(ApiToken._meta.db_table), quote(Person._meta.db_table)
    used = quote("last_used_at")
    return (
        f"WITH touched AS (UPDATE {token} SET {used} = %s "  # noqa: S608 - names from the models; the values are parameters
        f"WHERE {quote('digest')} = %s AND {quote('revoked_at')} IS NULL "
        f"AND {quote('expires_at')} > %s AND ({used} IS NULL OR {used} <= %s) "
        f"AND {quote('person_id')} IN (SELECT {quote('id')} FROM {person} "
        f"WHERE {quote('is_active')} = %s) RETURNING 1) "
        f"SELECT EXISTS (SELECT 1 FROM touched), {_token_read()}"
    )


def person_for_token(raw: str) -> tuple[Person, ApiToken]:
    now = timezone.now()
    digest = _digest(raw)
    together = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if together:
            at = connection.ops.adapt_datetimefield_value
            execute_planned(
                cursor,
                "jifen_token",
                _read_and_touch_sql(connection.vendor),
                [at(now), digest, at(now), at(now - TOUCH_EVERY), True, digest, True],
            )
        else:
            cursor.execute(_token_sql(connection.vendor), [digest, True])
        row = cursor.fetchone()
    if row is None:
        raise NotAuthenticated(
            _("The login token is not valid; please log in again."), code="invalid_token"
        )
    touched, row = (bool(row[0]), row[1:]) if together else (False, row)
    token: ApiToken = _TOKEN.load(row)
    person: Person = _PERSON.load(row, len(_TOKEN))
    cache_related(person, "community", _COMMUNITY.load(row, len(_TOKEN) + len(_PERSON)))
    cache_related(token, "person", person)
    if token.expires_at <= now:
        raise NotAuthenticated(
            _("The login token has expired; please log in again."), code="token_expired"
        )
    if touched:
        token.last_used_at = now
    elif not together and (token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY):
        with connection.cursor() as cursor:  # written once, as the SELECT above
            cursor.execute(
                _touch_sql(connection.vendor),
                [connection.ops.adapt_datetimefield_value(now), token.pk],
            )
        token.last_used_at = now
    return person, token


def revoke_token(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def revoke_all_tokens(*, person: Person) -> int:
    return ApiToken.objects.filter(Q(person=person) & Q(revoked_at__isnull=True)).update(
        revoked_at=timezone.now()
    )
