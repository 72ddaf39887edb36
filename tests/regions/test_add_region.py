import pytest

from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.regions import selectors
from jifen.regions.models import Region
from jifen.regions.services import add_region


def test_a_region_is_added_below_its_parent_with_its_path_and_an_audit_row(world):
    grid = add_region(
        actor=world.town_admin,
        code="350524100001001001",
        name=" 江滨第一网格 ",
        level="grid",
        parent_code=world.compound.code,
    )
    grid.refresh_from_db()
    assert grid.name == "江滨第一网格"
    assert grid.parent == world.compound
    assert grid.path == f"{world.compound.path}350524100001001001/"
    assert grid.ancestor_codes() == [
        world.county.code,
        world.town.code,
        world.wenchang.code,
        world.compound.code,
        grid.code,
    ]
    assert grid.is_within(world.town) and not grid.is_within(world.other_town)
    event = AuditEvent.objects.get(action="region.add", target_id=grid.pk)
    assert event.actor_id == world.town_admin.pk
    assert event.region == grid
    assert event.after["parent"] == world.compound.code


@pytest.mark.parametrize(
    ("level", "parent"),
    [
        ("community", "wenchang"),  # same level
        ("town", "wenchang"),  # higher level
        ("county", "town"),
        ("town", "compound"),
    ],
)
def test_a_child_must_sit_strictly_deeper_than_its_parent(world, level, parent):
    before = Region.objects.count()
    with pytest.raises(InvalidInput) as err:
        add_region(
            actor=None, code="X1", name="错层", level=level, parent_code=getattr(world, parent).code
        )
    assert err.value.code == "invalid_level"
    assert Region.objects.count() == before


def test_a_level_may_be_skipped_as_long_as_it_goes_deeper(world):
    building = add_region(
        actor=None, code="B1", name="1号楼", level="building", parent_code=world.wenchang.code
    )
    assert building.parent == world.wenchang


@pytest.mark.parametrize("code", ["", "350 524", "区1", "a/b", "x" * 33, "1;DROP"])
def test_a_bad_code_is_refused_and_nothing_is_written(world, code):
    before = Region.objects.count()
    with pytest.raises(InvalidInput) as err:
        add_region(actor=None, code=code, name="坏代码", level="grid", parent_code="350524100001")
    assert err.value.code == "invalid_code"
    assert err.value.field == "code"
    assert Region.objects.count() == before


def test_an_unknown_level_or_blank_name_is_refused(world):
    with pytest.raises(InvalidInput) as err:
        add_region(actor=None, code="Z1", name="某地", level="province")
    assert err.value.code == "invalid_level"
    for name in ("", "   ", "名" * 101):
        with pytest.raises(InvalidInput):
            add_region(actor=None, code="Z1", name=name, level="county")
    assert not Region.objects.filter(code="Z1").exists()


def test_a_duplicate_code_is_a_conflict_even_under_another_parent(world):
    before = AuditEvent.objects.filter(action="region.add").count()
    with pytest.raises(Conflict) as err:
        add_region(
            actor=None,
            code=world.wenchang.code,
            name="另一个文昌",
            level="community",
            parent_code=world.other_town.code,
        )
    assert err.value.code == "code_taken"
    assert Region.objects.filter(code=world.wenchang.code).count() == 1
    assert Region.objects.get(code=world.wenchang.code).name == "文昌社区"
    assert AuditEvent.objects.filter(action="region.add").count() == before


def test_an_unknown_parent_is_not_found(world):
    with pytest.raises(NotFound) as err:
        add_region(actor=None, code="Z2", name="孤儿", level="grid", parent_code="nope")
    assert err.value.code == "unknown_region"
    assert not Region.objects.filter(code="Z2").exists()


def test_a_new_top_region_is_for_the_operator_or_a_top_admin_only(world):
    add_region(actor=None, code="350525", name="永春县", level="county")
    add_region(actor=world.county_admin, code="350526", name="德化县", level="county")
    for actor in (world.town_admin, world.staff, world.resident):
        with pytest.raises(PermissionDenied):
            add_region(actor=actor, code="350527", name="大田县", level="county")
    assert not Region.objects.filter(code="350527").exists()
    assert Region.objects.get(code="350526").path == "/350526/"


def test_admins_add_regions_only_inside_their_reach_and_staff_not_at_all(world):
    add_region(
        actor=world.town_admin,
        code="350524100003",
        name="新社区",
        level="community",
        parent_code=world.town.code,
    )
    with pytest.raises(PermissionDenied):
        add_region(
            actor=world.town_admin,
            code="350524106009",
            name="别镇社区",
            level="community",
            parent_code=world.other_town.code,
        )
    with pytest.raises(PermissionDenied):
        add_region(
            actor=world.staff,
            code="350524100001009",
            name="小区",
            level="compound",
            parent_code=world.wenchang.code,
        )
    assert Region.objects.filter(code="350524100003").exists()
    assert not Region.objects.filter(code__in=["350524106009", "350524100001009"]).exists()


def test_selectors_walk_the_tree(world):
    assert set(selectors.subtree(world.town).values_list("code", flat=True)) == {
        world.town.code,
        world.wenchang.code,
        world.jinyue.code,
        world.compound.code,
    }
    assert set(selectors.ancestors(world.compound).values_list("code", flat=True)) == {
        world.county.code,
        world.town.code,
        world.wenchang.code,
        world.compound.code,
    }
    assert set(selectors.communities_under(world.county).values_list("code", flat=True)) == {
        world.wenchang.code,
        world.jinyue.code,
        world.wanmei.code,
    }
    with pytest.raises(NotFound):
        selectors.get_region("nope")
