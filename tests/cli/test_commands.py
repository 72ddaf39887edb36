"""The contract's commands through call_command, as `jifen X` runs them."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jifen.audit.models import AuditEvent
from jifen.people.models import ConsentSource, Person, Role, RoleGrant
from jifen.regions.models import Region


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_region_add_builds_the_tree_and_is_audited_as_the_command_line(db):
    run("region", "add", "--code", "350524", "--name", "安溪县", "--level", "county")
    out = run(
        "region", "add", "--code", "350524100", "--name", "凤城镇", "--level", "town",
        "--parent", "350524",
    )  # fmt: skip
    assert out.strip().split("\t") == ["350524100", "凤城镇", "town", "/350524/350524100/"]
    town = Region.objects.get(code="350524100")
    assert town.parent.code == "350524"
    event = AuditEvent.objects.get(action="region.add", target_id=town.pk)
    assert event.channel == "cli" and event.actor is None
    listing = run("region", "list")
    assert listing.splitlines() == ["350524\t安溪县\tcounty", "  350524100\t凤城镇\ttown"]


def test_region_add_with_an_unknown_parent_fails_with_one_clean_line(db):
    with pytest.raises(CommandError) as err:
        run(
            "region", "add", "--code", "X1", "--name", "某地", "--level", "town", "--parent", "nope"
        )
    assert str(err.value).startswith("unknown_region: ")
    assert "\n" not in str(err.value)
    assert not Region.objects.exists()


def test_createuser_prints_the_persons_id_alone_on_the_last_line(world):
    out = run(
        "createuser", "--phone", "13612345678", "--password", "spring-rain-7", "--name",
        "赵小梅", "--community", world.wenchang.code, "--staff", "staff", "--region",
        world.wenchang.code,
    )  # fmt: skip
    last = out.rstrip("\n").splitlines()[-1]
    assert last.isdigit()
    person = Person.objects.get(pk=int(last))
    assert person.phone == "13612345678"
    assert person.community == world.wenchang
    assert person.consent_source == ConsentSource.COMMAND_LINE
    assert person.check_password("spring-rain-7")
    assert RoleGrant.objects.filter(person=person, role=Role.STAFF, region=world.wenchang).exists()
    assert set(
        AuditEvent.objects.filter(target_id__in=[person.pk]).values_list("channel", flat=True)
    ) == {"cli"}


def test_createuser_with_a_bad_role_region_creates_nobody(world):
    with pytest.raises(CommandError) as err:
        run(
            "createuser", "--phone", "13612345678", "--password", "spring-rain-7", "--name",
            "赵小梅", "--staff", "staff", "--region", "nope",
        )  # fmt: skip
    assert "unknown_region" in str(err.value)
    assert not Person.objects.filter(phone="13612345678").exists()
    with pytest.raises(CommandError):
        run(
            "createuser", "--phone", "13612345678", "--password", "spring-rain-7", "--name",
            "赵小梅", "--staff", "staff",
        )  # fmt: skip
    assert not Person.objects.filter(phone="13612345678").exists()


def test_createuser_refuses_a_taken_phone_and_a_weak_password(world):
    with pytest.raises(CommandError) as err:
        run(
            "createuser",
            "--phone",
            world.resident.phone,
            "--password",
            "x-y-z-1-2-3",
            "--name",
            "重",
        )
    assert str(err.value).startswith("phone_taken: ")
    with pytest.raises(CommandError) as err:
        run("createuser", "--phone", "13612345678", "--password", "12345678", "--name", "弱")
    assert str(err.value).startswith("weak_password: ")
    assert not Person.objects.filter(phone="13612345678").exists()


def test_grant_gives_an_existing_person_a_role(world):
    out = run(
        "grant",
        "--phone",
        world.resident.phone,
        "--staff",
        "reviewer",
        "--region",
        world.wenchang.code,
    )
    assert "reviewer" in out and world.wenchang.code in out
    grant = RoleGrant.objects.get(person=world.resident)
    assert (grant.role, grant.region, grant.granted_by) == ("reviewer", world.wenchang, None)
    with pytest.raises(CommandError):
        run("grant", "--phone", "13699999999", "--staff", "staff", "--region", world.wenchang.code)
    with pytest.raises(CommandError) as err:
        run("grant", "--phone", world.resident.phone, "--staff", "staff", "--region", "nope")
    assert "unknown_region" in str(err.value)
    assert RoleGrant.objects.filter(person=world.resident).count() == 1
