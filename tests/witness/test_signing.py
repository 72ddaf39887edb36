"""The signing key and the signed monthly copy: only a county's or town's administrator
over it; the private key only under the passphrase; a new key supersedes the old, whose
signatures still verify; a signed file verifies with the published key (Python here,
openssl in test_docs)."""

import json

import pytest
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooManyAttempts
from jifen.witness import document, selectors, services
from jifen.witness.models import Signature, SigningFailure, SigningKey
from tests.conftest import World
from tests.witness.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db


def test_only_an_administrator_over_the_county_or_town_creates_its_key(world: World):
    for actor, region in (
        (world.staff, world.county),
        (world.reviewer, world.town),
        (world.town_admin, world.county),
        (world.town_admin, world.other_town),
        (None, world.county),
    ):
        with pytest.raises(PermissionDenied):
            services.create_key(actor=actor, region=region, passphrase=PASSPHRASE)
    with pytest.raises(InvalidInput):  # a community keeps no log
        services.create_key(actor=world.county_admin, region=world.wenchang, passphrase=PASSPHRASE)
    assert not SigningKey.objects.exists()
    assert services.create_key(actor=world.town_admin, region=world.town, passphrase=PASSPHRASE)
    assert services.create_key(
        actor=world.county_admin, region=world.other_town, passphrase=PASSPHRASE
    )


@pytest.mark.parametrize("passphrase", ["short", "", "x" * 11, "y" * 1025, None, 123])
def test_a_weak_or_absurd_passphrase_is_refused(world: World, passphrase):
    with pytest.raises(InvalidInput) as caught:
        services.create_key(actor=world.county_admin, region=world.county, passphrase=passphrase)
    assert caught.value.field == "passphrase"
    assert not SigningKey.objects.exists()


def test_the_private_key_is_stored_only_under_the_passphrase(world: World):
    key = services.create_key(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    stored = SigningKey.objects.get(pk=key.pk)
    assert PASSPHRASE not in stored.encrypted_private_pem
    assert "PRIVATE KEY" not in stored.encrypted_private_pem
    assert stored.encrypted_private_pem.startswith(services.SEALED_PREFIX + "$")
    # The passphrase is nowhere in the audit trail.
    for event in AuditEvent.objects.all():
        assert PASSPHRASE not in json.dumps([event.before, event.after], ensure_ascii=False)
    assert AuditEvent.objects.filter(action="witness.create_key", target_id=key.pk).exists()
    # The right passphrase opens it; a wrong one is a 400 on the passphrase, not a 500.
    private = services.open_private(stored.encrypted_private_pem, PASSPHRASE.encode())
    assert document.fingerprint(private.public_key()) == stored.fingerprint
    with pytest.raises(InvalidInput):
        services.open_private(stored.encrypted_private_pem, b"not the passphrase at all")


def test_signing_needs_the_key_and_its_passphrase(world: World):
    with pytest.raises(NotFound):
        services.sign(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    services.create_key(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    with pytest.raises(InvalidInput):
        services.sign(
            actor=world.county_admin, region=world.county, passphrase="another passphrase!"
        )
    with pytest.raises(PermissionDenied):
        services.sign(actor=world.staff, region=world.county, passphrase=PASSPHRASE)
    assert not Signature.objects.exists()


def test_a_signed_copy_verifies_and_any_change_breaks_it(world: World, published):
    key = services.create_key(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    signed = services.sign(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    assert signed["key"] == key.fingerprint and signed["size"] == 1
    keys = {k["fingerprint"]: k["public_key"] for k in selectors.public_keys(world.county)}
    assert document.verify(signed, keys) == key.fingerprint
    row = Signature.objects.get()
    assert (row.size, row.head, row.signed_by) == (1, signed["head"], world.county_admin)
    assert AuditEvent.objects.filter(action="witness.sign", target_id=row.pk).exists()
    for field, value in (("size", 2), ("region", "350524100"), ("key", "0" * 64)):
        forged = {**signed, field: value}
        with pytest.raises(document.Unreadable):
            document.verify(forged, keys)
    forged = json.loads(json.dumps(signed))
    forged["entries"][0]["count"] += 1
    with pytest.raises(document.Unreadable):
        document.verify(forged, keys)


def test_a_new_key_supersedes_the_old_whose_signatures_still_verify(world: World, published):
    old = services.create_key(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    earlier = services.sign(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    with pytest.raises(Conflict) as unconfirmed:  # never superseded without saying so
        services.create_key(
            actor=world.county_admin, region=world.county, passphrase="a new passphrase 2027"
        )
    assert unconfirmed.value.code == "key_exists"
    assert services.current_key(world.county) == old
    new = services.create_key(
        actor=world.county_admin,
        region=world.county,
        passphrase="a new passphrase 2027",
        replace=True,
    )
    assert services.current_key(world.county) == new
    old.refresh_from_db()
    assert old.superseded_at is not None
    with pytest.raises(InvalidInput):  # the old passphrase no longer signs
        services.sign(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    later = services.sign(
        actor=world.county_admin, region=world.county, passphrase="a new passphrase 2027"
    )
    published_keys = selectors.public_keys(world.county)
    assert [k["fingerprint"] for k in published_keys] == [new.fingerprint, old.fingerprint]
    keys = {k["fingerprint"]: k["public_key"] for k in published_keys}
    assert document.verify(earlier, keys) == old.fingerprint
    assert document.verify(later, keys) == new.fingerprint


def test_the_demo_seed_makes_the_county_key_once(world: World):
    from jifen.demo import seed_witness

    world.county_admin.phone = seed_witness.COUNTY_ADMIN
    world.county_admin.save(update_fields=["phone"])
    assert seed_witness.seed() == 1
    assert seed_witness.seed() == 0
    assert SigningKey.objects.filter(region=world.county).count() == 1
    assert Signature.objects.filter(region=world.county).count() == 1


def test_guessing_the_passphrase_is_held_back_and_recorded(world: World, published):
    key = services.create_key(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    for n in range(services.SIGN_FAILURES_ALLOWED):
        with pytest.raises(InvalidInput):
            services.sign(
                actor=world.county_admin, region=world.county, passphrase=f"guess number {n:04d}"
            )
    # Each wrong guess is counted and in the audit trail, though the call failed.
    assert SigningFailure.objects.filter(key=key).count() == services.SIGN_FAILURES_ALLOWED
    refused = AuditEvent.objects.filter(action="witness.sign_refused", target_id=key.pk)
    assert refused.count() == services.SIGN_FAILURES_ALLOWED
    for event in refused:
        assert "guess number" not in json.dumps([event.before, event.after], ensure_ascii=False)
    # Then the key signs nothing for the window, the right passphrase included.
    with pytest.raises(TooManyAttempts):
        services.sign(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    assert not Signature.objects.exists()
    # Once the window has passed, the right passphrase signs again.
    SigningFailure.objects.update(at=timezone.now() - services.SIGN_FAILURE_WINDOW)
    assert services.sign(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)


def test_the_console_needs_the_confirmation_to_replace_a_key(world: World, client):
    old = services.create_key(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    client.force_login(world.county_admin)
    url = f"/console/checkpoints/{world.county.code}/key/"
    fresh = "another long passphrase"
    answer = client.post(url, {"passphrase": fresh, "confirm": fresh})
    assert answer.status_code == 400
    assert services.current_key(world.county) == old
    answer = client.post(url, {"passphrase": fresh, "confirm": fresh, "replace": "on"})
    assert answer.status_code == 302
    assert services.current_key(world.county) != old


def test_a_wrong_passphrase_on_the_console_is_a_form_error_then_a_hold(world: World, client):
    services.create_key(actor=world.county_admin, region=world.county, passphrase=PASSPHRASE)
    client.force_login(world.county_admin)
    url = f"/console/checkpoints/{world.county.code}/sign/"
    for n in range(services.SIGN_FAILURES_ALLOWED):
        answer = client.post(url, {"passphrase": f"wrong passphrase {n}"})
        assert answer.status_code == 400
        assert answer["Content-Type"].startswith("text/html")
    assert SigningFailure.objects.count() == services.SIGN_FAILURES_ALLOWED
    answer = client.post(url, {"passphrase": PASSPHRASE})
    assert answer.status_code == 400 and "attachment" not in answer.get("Content-Disposition", "")
    assert not Signature.objects.exists()
