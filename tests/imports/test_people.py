"""The roster: people created with the people service's checks, the ID number kept only
hashed and masked, tags and teams, skipped when already registered."""

import logging

import pytest

from jifen.imports import services
from jifen.imports.models import Batch, PersonTag
from jifen.lib.errors import PermissionDenied
from jifen.people.models import Person, TeamMember
from jifen.people.services import create_team
from tests.conftest import World
from tests.imports.helpers import PEOPLE, xlsx

# A valid 18-character ID number (GB 11643 check character).
ID_NUMBER = "11010519491231002X"


def run(world: World, data: bytes, dry_run: bool = True, actor=None) -> services.Report:
    return services.import_people(
        actor=actor or world.staff, community=world.wenchang, data=data, dry_run=dry_run
    )


def test_a_roster_comes_in_with_tags_team_household_and_a_hashed_id_number(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    team = create_team(
        actor=world.staff, region=world.wenchang, name="红马甲队", leader=world.resident
    )
    data = xlsx(
        PEOPLE,
        [
            ["李秀兰", "13912340001", ID_NUMBER, "3栋201", "党员、楼栋长", "红马甲队"],
            ["张建国", 13912340002, None, None, None, None],  # a phone typed as a number
        ],
    )
    caplog.set_level(logging.DEBUG)
    dry = run(world, data)
    assert (dry.rows, dry.created, dry.to_create, dry.errors) == (2, 0, 2, [])
    assert not Person.objects.filter(phone="13912340001").exists()
    done = run(world, data, dry_run=False)
    assert done.created == 2
    li = Person.objects.get(phone="13912340001")
    assert li.community == world.wenchang and li.volunteer_no
    assert li.id_number_masked.startswith("1101") and ID_NUMBER not in li.id_number_masked
    assert li.id_number_hash and ID_NUMBER not in li.id_number_hash
    assert li.household is not None and li.household.label == "3栋201"
    assert sorted(PersonTag.objects.filter(person=li).values_list("name", flat=True)) == [
        "党员",
        "楼栋长",
    ]
    assert TeamMember.objects.filter(team=team, person=li).exists()
    assert not li.has_consented  # registered by staff: asked at their first login
    # Nothing personal in the logs.
    assert ID_NUMBER not in caplog.text and "13912340001" not in caplog.text


def test_the_same_roster_twice_creates_nobody_the_second_time(world: World) -> None:
    data = xlsx(PEOPLE, [["李秀兰", "13912340001"], ["张建国", "13912340002"]])
    assert run(world, data, dry_run=False).created == 2
    again = run(world, data, dry_run=False)
    assert (again.created, again.skipped, again.errors) == (0, 2, [])
    assert [line.action for line in again.lines] == ["skip", "skip"]
    assert Person.objects.filter(phone__in=["13912340001", "13912340002"]).count() == 2
    assert Batch.objects.count() == 2


def test_errors_name_row_and_column_and_nobody_is_created(world: World) -> None:
    create_team(actor=world.staff, region=world.wenchang, name="红马甲队", leader=world.resident)
    data = xlsx(
        PEOPLE,
        [
            ["李秀兰", "13912340001", "", "", "", ""],
            ["", "13912340002", "", "", "", ""],  # row 3: no name
            ["王五", "12345", "", "", "", ""],  # row 4: phone
            ["赵六", "13912340001", "", "", "", ""],  # row 5: same phone as row 2
            ["钱七", "13912340005", "110105194912310021", "", "", ""],  # row 6: check digit
            ["孙八", "13912340006", "", "", "", "不存在队"],  # row 7: team
        ],
    )
    report = run(world, data, dry_run=False)
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "姓名"),
        (4, "手机号"),
        (5, "手机号"),
        (6, "身份证号"),
        (7, "志愿服务队"),
    ]
    assert "2" in report.errors[2].message
    assert report.created == 0
    assert not Person.objects.filter(phone="13912340001").exists()


def test_an_id_number_already_registered_is_an_error(world: World) -> None:
    run(world, xlsx(PEOPLE, [["李秀兰", "13912340001", ID_NUMBER]]), dry_run=False)
    report = run(world, xlsx(PEOPLE, [["李秀兰", "13912340009", ID_NUMBER]]))
    assert [(e.row, e.column) for e in report.errors] == [(2, "身份证号")]


def test_only_staff_of_the_community_import_people(world: World) -> None:
    data = xlsx(PEOPLE, [["李秀兰", "13912340001"]])
    for outsider in (world.other_staff, world.reviewer, world.resident, world.kiosk):
        with pytest.raises(PermissionDenied):
            run(world, data, actor=outsider)
    assert not Person.objects.filter(phone="13912340001").exists()
