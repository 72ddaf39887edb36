"""What each reader reads of a request: the phones to reach the resident, the address,
and the helper's own name on what they did."""

import pytest

from jifen.requests import selectors, services
from jifen.requests.models import ServiceRequest


@pytest.fixture
def by_proxy(world, menu, daughter) -> ServiceRequest:
    """Asked by 王淑英's daughter for her."""
    return services.submit_request(
        actor=daughter,
        person=world.resident,
        community=world.wenchang,
        category="REPAIR",
        title="抽油烟机不转了",
        address="江滨花园 3 栋 201",
    )


def _contacts(api, person, request) -> list[dict[str, str]]:
    answer = api(person).get(f"/requests/{request.pk}")
    assert answer.status_code == 200, answer.content
    return answer.json()["contacts"]


def test_the_helper_in_hand_gets_the_residents_and_the_proxys_phone(
    world, by_proxy, daughter, helper, api
):
    services.dispatch(actor=world.staff, request=by_proxy, person=helper)
    by_proxy.refresh_from_db()
    expected = [
        {"name": world.resident.name, "phone": world.resident.phone},
        {"name": daughter.name, "phone": daughter.phone},
    ]
    assert _contacts(api, helper, by_proxy) == expected
    assert selectors.contact_for(helper, by_proxy) == [
        (world.resident.name, world.resident.phone),
        (daughter.name, daughter.phone),
    ]
    services.mark_done(actor=helper, request=by_proxy)
    assert _contacts(api, helper, by_proxy) == expected  # done, still theirs to settle
    services.confirm(actor=daughter, request=by_proxy, rating=5)
    assert _contacts(api, helper, by_proxy) == []  # completed: no longer theirs


def test_staff_always_get_the_phone_the_review_group_and_a_taker_never(world, asked, helper, api):
    resident = [{"name": world.resident.name, "phone": world.resident.phone}]
    assert _contacts(api, world.staff, asked) == resident
    assert _contacts(api, world.reviewer, asked) == []
    services.publish(actor=world.staff, request=asked)
    answer = api(helper).get(f"/requests/{asked.pk}")  # may take it, not yet theirs
    assert answer.json()["contacts"] == [] and world.resident.phone not in answer.content.decode()
    services.accept(actor=helper, request=asked)
    assert _contacts(api, helper, asked) == resident  # a request asked by herself: one phone


def test_the_review_group_reads_names_but_not_the_address(world, asked, helper, api):
    services.dispatch(actor=world.staff, request=asked, person=helper)
    asked.refresh_from_db()
    review = api(world.reviewer).get(f"/requests/{asked.pk}").json()
    assert review["address"] is None and review["requester_name"] == world.resident.name
    assert not selectors.can_see_address(world.reviewer, asked)
    for reader in (world.staff, world.resident, helper):
        assert selectors.can_see_address(reader, asked), reader
        assert api(reader).get(f"/requests/{asked.pk}").json()["address"] == "江滨花园 3 栋 201"


def test_the_helper_sees_themselves_on_a_completed_request(world, asked, helper, api):
    services.publish(actor=world.staff, request=asked)
    services.accept(actor=helper, request=asked)
    services.mark_done(actor=helper, request=asked, note="换了开关")
    services.confirm(actor=world.resident, request=asked, rating=4)
    read = api(helper).get(f"/requests/{asked.pk}").json()
    assert read["assignee"] == helper.pk and read["assignee_name"] == helper.name
    assert read["address"] is None  # the address was theirs while in hand only
    assert [e["actor"] for e in read["history"]][-2:] == [helper.name, world.resident.name]
