from django.utils.html import escape

from jifen.audit import labels
from jifen.people import services


def _edits(world, n):
    for i in range(n):
        services.update_person(actor=world.staff, person=world.resident, name=f"王淑{i}")
        services.update_person(actor=world.other_staff, person=world.stranger, name=f"蔡湾{i}")


def test_the_audit_page_lists_events_without_n_plus_one(
    world, as_person, django_assert_max_num_queries
):
    _edits(world, 30)
    client = as_person(world.county_admin)
    # Session, user, grants, the regions of the filter, the count, the page, the names of
    # the regions its values name.
    with django_assert_max_num_queries(8):
        response = client.get("/console/audit/")
    assert response.status_code == 200
    page = response.context["page"]
    assert len(page.object_list) == 50
    html = response.content.decode()
    assert "陈文昌" in html
    assert escape(labels.action_name("person.edit")) in html


def test_the_audit_page_filters_by_its_form(world, as_person):
    _edits(world, 2)
    client = as_person(world.county_admin)
    response = client.get(
        "/console/audit/", {"action": "person.edit", "actor": "李湾美", "region": world.wanmei.code}
    )
    events = list(response.context["page"])
    assert len(events) == 2
    assert {e.actor_id for e in events} == {world.other_staff.pk}
    assert {e.target_id for e in events} == {world.stranger.pk}
    # The pager keeps the filters.
    assert "action=person.edit" in response.context["query"]
    bad_date = client.get("/console/audit/", {"since": "not-a-date"})
    assert bad_date.status_code == 200
    assert "since" in bad_date.context["form"].errors


def test_a_town_admin_sees_only_the_towns_events_on_the_page(world, as_person):
    _edits(world, 1)
    response = as_person(world.town_admin).get("/console/audit/", {"action": "person.edit"})
    assert [e.target_id for e in response.context["page"]] == [world.resident.pk]


def test_reviewers_and_residents_get_403_on_the_audit_page(world, as_person):
    assert as_person(world.reviewer).get("/console/audit/").status_code == 403
    assert as_person(world.resident).get("/console/audit/").status_code == 403
