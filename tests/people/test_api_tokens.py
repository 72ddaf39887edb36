from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jifen.lib.errors import NotAuthenticated
from jifen.people.auth import issue_token, person_for_token, revoke_all_tokens, revoke_token
from jifen.people.models import ApiToken


def test_a_token_is_shown_once_and_only_its_hash_is_stored(world):
    raw = issue_token(person=world.resident)
    assert raw.startswith("jf_") and len(raw) > 40
    token = ApiToken.objects.get(person=world.resident)
    assert raw not in token.digest and token.digest != raw
    assert len(token.digest) == 64
    assert token.expires_at > timezone.now() + timedelta(days=29)
    person, found = person_for_token(raw)
    assert person == world.resident and found == token
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_an_expired_token_says_so(world):
    raw = issue_token(person=world.resident)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(NotAuthenticated) as err:
        person_for_token(raw)
    assert err.value.code == "token_expired"


def test_a_revoked_or_unknown_token_is_invalid(world):
    raw = issue_token(person=world.resident)
    revoke_token(token=ApiToken.objects.get())
    for candidate in (raw, "jf_made-up", ""):
        with pytest.raises(NotAuthenticated) as err:
            person_for_token(candidate)
        assert err.value.code == "invalid_token"


def test_the_token_of_a_deactivated_person_is_invalid(world):
    raw = issue_token(person=world.resident)
    world.resident.is_active = False
    world.resident.save()
    with pytest.raises(NotAuthenticated):
        person_for_token(raw)


def test_revoking_all_tokens_touches_only_that_persons_live_tokens(world):
    issue_token(person=world.resident)
    issue_token(person=world.resident)
    keep = issue_token(person=world.neighbour)
    assert revoke_all_tokens(person=world.resident) == 2
    assert revoke_all_tokens(person=world.resident) == 0
    assert person_for_token(keep)[0] == world.neighbour


def _last_used(token: ApiToken):  # type: ignore[no-untyped-def]
    return ApiToken.objects.get(pk=token.pk).last_used_at


def test_a_token_is_touched_at_most_once_a_minute(world, django_assert_num_queries):
    raw = issue_token(person=world.resident)
    token = ApiToken.objects.get()
    # First use: the read and the touch, one statement on PostgreSQL, two on SQLite.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        _person, found = person_for_token(raw)
    first = _last_used(token)
    assert first is not None and found.last_used_at == first
    # Within the minute: read only, nothing written.
    with django_assert_num_queries(1):
        _person, found = person_for_token(raw)
    assert _last_used(token) == first and found.last_used_at == first
    # A minute later: touched again.
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=1, seconds=1))
    _person, found = person_for_token(raw)
    assert _last_used(token) > first and found.last_used_at == _last_used(token)


def test_a_refused_token_is_not_touched(world):
    expired = issue_token(person=world.resident)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = issue_token(person=world.neighbour)
    revoke_token(token=ApiToken.objects.get(person=world.neighbour))
    inactive = issue_token(person=world.reviewer)
    world.reviewer.is_active = False
    world.reviewer.save()
    for raw in (expired, revoked, inactive):
        with pytest.raises(NotAuthenticated):
            person_for_token(raw)
    assert not ApiToken.objects.filter(last_used_at__isnull=False).exists()
