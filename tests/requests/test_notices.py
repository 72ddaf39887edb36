"""Who hears of each step: everything said to the requester is said to their family proxy
too (an elderly resident's daughter follows it as closely as she does), the one who took
the step is not told what they just did, and staff hear when a request goes wrong."""

from jifen.notices.models import Notice
from jifen.requests import services


def kinds(person) -> list[str]:
    return list(Notice.objects.filter(person=person).order_by("id").values_list("kind", flat=True))


def test_the_proxy_hears_every_step_the_requester_hears(world, menu, daughter, helper):
    asked = services.submit_request(
        actor=world.resident, community=world.wenchang, category="REPAIR", title="电饭煲坏了"
    )
    services.publish(actor=world.staff, request=asked)
    services.accept(actor=helper, request=asked)
    services.hand_back(actor=helper, request=asked, reason="临时出差")
    services.dispatch(actor=world.staff, request=asked, person=helper)
    services.mark_done(actor=helper, request=asked)
    expected = [
        "request.published",
        "request.accepted",
        "request.handed_back",
        "request.assigned",
        "request.done",
    ]
    assert kinds(world.resident) == expected
    assert kinds(daughter) == ["request.submitted", *expected]


def test_a_rejection_reaches_the_proxy(world, menu, asked, daughter):
    services.reject(actor=world.staff, request=asked, reason="不属于服务范围")
    assert kinds(daughter)[-1] == "request.rejected"


def test_when_the_proxy_cancels_the_resident_is_told(world, menu, asked, daughter):
    services.cancel(actor=daughter, request=asked, reason="已经修好了")
    assert kinds(world.resident) == ["request.cancelled"]
    assert "request.cancelled" not in kinds(daughter)  # she did it


def test_when_staff_cancel_the_whole_side_is_told(world, menu, asked, daughter):
    services.cancel(actor=world.staff, request=asked, reason="居民已自行解决")
    assert kinds(world.resident) == ["request.cancelled"]
    assert kinds(daughter)[-1] == "request.cancelled"


def test_a_request_asked_for_the_resident_is_told_to_both(world, menu, daughter):
    staff_asked = services.submit_request(
        actor=world.staff,
        person=world.resident,
        community=world.wenchang,
        category="REPAIR",
        title="灯不亮",
    )
    assert kinds(world.resident) == ["request.submitted"]
    assert kinds(daughter) == ["request.submitted"]
    notice = Notice.objects.filter(person=daughter).get()
    assert world.resident.name in notice.body and staff_asked.title in notice.body


def test_staff_hear_of_a_hand_back_and_a_dispute(world, menu, asked, helper):
    services.publish(actor=world.staff, request=asked)
    services.accept(actor=helper, request=asked)
    services.hand_back(actor=helper, request=asked, reason="临时出差")
    told = Notice.objects.filter(person=world.staff, kind="request.handed_back_staff").get()
    assert "临时出差" in told.body and told.url == f"/console/requests/{asked.pk}/"
    services.accept(actor=helper, request=asked)
    services.mark_done(actor=helper, request=asked)
    services.dispute(actor=world.resident, request=asked, note="还是不亮")
    told = Notice.objects.filter(person=world.staff, kind="request.disputed_staff").get()
    assert "还是不亮" in told.body
    assert not Notice.objects.filter(person=world.reviewer).exists()  # reads, does not manage
    # The community has its own staff: the town's and the county's are not the nearest.
    assert not Notice.objects.filter(person__in=[world.town_admin, world.county_admin]).exists()
