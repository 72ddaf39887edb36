"""Logging in by phone and password, throttling guessers, and API tokens."""

import functools
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import NotAuthenticated, TooManyAttempts
from jifen.lib.rawrows import Columns, cache_related
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


def _throttle(phone_digest: str, address: str | None) -> None:
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    since = timezone.now() - timedelta(seconds=window)
    recent = LoginFailure.objects.filter(at__gte=since)
    minutes = max(1, window // 60)
    if recent.filter(phone_digest=phone_digest).count() >= settings.LOGIN_THROTTLE_PER_PHONE:
        raise TooManyAttempts(params={"minutes": minutes})
    if address and recent.filter(address=address).count() >= settings.LOGIN_THROTTLE_PER_ADDRESS:
        raise TooManyAttempts(params={"minutes": minutes})


def authenticate(*, phone: str, password: str, address: str | None) -> Person:
    """The person with this phone and password, or an error that does not say which was wrong."""
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
    LoginFailure.objects.filter(phone_digest=digest).delete()
    return person


def prune_login_failures() -> int:
    """Drop failures older than the window; run by the scheduled job."""
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


@functools.cache
def _token_sql(vendor: str) -> str:
    """The token with its person and their community: what
    ``ApiToken.objects.select_related("person", "person__community")`` reads, written
    once (every API request passes here; the ORM took longer to build it than the
    database to answer it)."""
    quote = connection.ops.quote_name
    return (
        f"SELECT {_TOKEN.select}, {_PERSON.select}, {_COMMUNITY.select} "  # noqa: S608 - names from the models; the values are parameters
        f"FROM {_TOKEN.source} "
        f"JOIN {_PERSON.source} ON p.{quote('id')} = t.{quote('person_id')} "
        f"LEFT JOIN {_COMMUNITY.source} ON r.{quote('id')} = p.{quote('community_id')} "
        f"WHERE t.{quote('digest')} = %s AND t.{quote('revoked_at')} IS NULL "
        f"AND p.{quote('is_active')} = %s"
    )


def person_for_token(raw: str) -> tuple[Person, ApiToken]:
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(connection.vendor), [_digest(raw), True])
        row = cursor.fetchone()
    if row is None:
        raise NotAuthenticated(
            _("The login token is not valid; please log in again."), code="invalid_token"
        )
    token: ApiToken = _TOKEN.load(row)
    person: Person = _PERSON.load(row, len(_TOKEN))
    cache_related(person, "community", _COMMUNITY.load(row, len(_TOKEN) + len(_PERSON)))
    cache_related(token, "person", person)
    now = timezone.now()
    if token.expires_at <= now:
        raise NotAuthenticated(
            _("The login token has expired; please log in again."), code="token_expired"
        )
    # Touch at most once a minute: a hot client must not turn every read into a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return person, token


def revoke_token(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def revoke_all_tokens(*, person: Person) -> int:
    return ApiToken.objects.filter(Q(person=person) & Q(revoked_at__isnull=True)).update(
        revoked_at=timezone.now()
    )
