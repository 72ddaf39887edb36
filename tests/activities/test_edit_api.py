"""PATCH /activities/{id} and POST /activities/{id}/return: the API of editing and of
sending a filing back, its error codes, and nothing written on a refusal."""

from datetime import timedelta

import pytest

from jifen.activities import services
from jifen.activities.models import Activity, Status
from jifen.audit.models import AuditEvent
from tests.api.conftest import assert_error


def _patch(api, person, activity_id, body):
    return api(person)._call("patch", f"/activities/{activity_id}", body)


@pytest.fixture
def upcoming(make_activity, now):
    def make(**kw):
        return make_activity(starts_at=now + timedelta(days=2), **kw)

    return make


def test_staff_patch_only_the_fields_they_send(world, api, upcoming):
    activity = upcoming(status="draft", min_age=16)
    response = _patch(api, world.staff, activity.pk, {"place": "3栋楼下", "capacity": 12})
    assert response.status_code == 200, response.content
    body = response.json_body
    assert (body["place"], body["capacity"], body["min_age"]) == ("3栋楼下", 12, 16)
    assert body["title"] == activity.title and body["status"] == "draft"
    event = AuditEvent.objects.get(action="activity.update")
    assert event.after == {"place": "3栋楼下", "capacity": 12} and event.channel == "api"
    # null clears an optional field.
    cleared = _patch(api, world.staff, activity.pk, {"min_age": None})
    assert cleared.status_code == 200 and cleared.json_body["min_age"] is None


def test_a_published_activity_patched_tells_those_signed_up(
    world, api, upcoming, outbox, django_capture_on_commit_callbacks
):
    activity = upcoming()
    services.sign_up(actor=world.resident, activity=activity)
    with django_capture_on_commit_callbacks(execute=True):
        response = _patch(api, world.staff, activity.pk, {"title": "江滨花园大扫除"})
    assert response.status_code == 200, response.content
    [message] = outbox
    assert message.person == world.resident and "江滨花园大扫除" in message.body


def test_the_refusals_answer_their_codes_and_change_nothing(world, api, upcoming, volunteers):
    activity = upcoming(capacity=3)
    for person in volunteers(2):
        services.sign_up(actor=person, activity=activity)
    assert_error(_patch(api, world.staff, activity.pk, {"capacity": 1}), 409, "below_signups")
    assert_error(_patch(api, world.staff, activity.pk, {"title": None}), 400, "invalid_input")
    assert_error(_patch(api, world.staff, activity.pk, {"title": ""}), 400, "invalid_input")
    assert_error(_patch(api, world.staff, activity.pk, {"capacity": "many"}), 400, "invalid_input")
    assert_error(_patch(api, world.staff, activity.pk, {"rule_item": 0}), 400, "invalid_input")
    assert_error(
        _patch(api, world.staff, activity.pk, {"starts_at": "1999-01-01T09:00:00+08:00"}),
        400,
        "invalid_input",
    )
    Activity.objects.filter(pk=activity.pk).update(status=Status.CANCELLED)
    assert_error(_patch(api, world.staff, activity.pk, {"title": "新"}), 409, "not_editable")
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.title, stored.capacity) == ("江滨花园环境整治", 3)
    assert not AuditEvent.objects.filter(action="activity.update").exists()


def test_the_time_of_an_activity_with_check_ins_is_refused(world, api, make_activity):
    activity = make_activity()
    services.check_in(actor=world.staff, activity=activity, person=world.resident)
    later = (activity.ends_at + timedelta(hours=1)).isoformat()
    assert_error(_patch(api, world.staff, activity.pk, {"ends_at": later}), 409, "has_checkins")


def test_another_regions_activity_is_not_found_and_a_reviewer_may_not_edit(world, api, upcoming):
    activity = upcoming(status="draft")
    assert_error(_patch(api, world.other_staff, activity.pk, {"title": "篡改"}), 404, "not_found")
    assert_error(_patch(api, world.reviewer, activity.pk, {"title": "篡改"}), 403, "forbidden")
    assert_error(_patch(api, world.staff, 10**19, {"title": "篡改"}), 400, "invalid_input")
    assert_error(_patch(api, world.staff, 999_999, {"title": "篡改"}), 404, "not_found")
    assert Activity.objects.get(pk=activity.pk).title == "江滨花园环境整治"


def test_a_reviewer_sends_a_filing_back_and_staff_resubmit_it(world, api, upcoming):
    activity = upcoming(status="submitted")
    path = f"/activities/{activity.pk}"
    assert_error(api(world.staff).post(f"{path}/return", {"comment": "改"}), 403, "forbidden")
    assert_error(api(world.reviewer).post(f"{path}/return", {"comment": " "}), 400, "invalid_input")
    assert_error(api(world.reviewer).post(f"{path}/return", {}), 400, "invalid_input")
    response = api(world.reviewer).post(f"{path}/return", {"comment": "请补充安全预案"})
    assert response.status_code == 200, response.content
    body = response.json_body
    assert (body["status"], body["review_comment"]) == ("returned", "请补充安全预案")
    assert body["returned_at"] is not None
    # Staff see the comment on the activity.
    seen = api(world.staff).get(path).json_body
    assert seen["review_comment"] == "请补充安全预案" and seen["status_label"]
    assert_error(
        api(world.reviewer).post(f"{path}/return", {"comment": "再改"}), 409, "wrong_status"
    )
    assert _patch(api, world.staff, activity.pk, {"risk_notes": "戴手套"}).status_code == 200
    resubmitted = api(world.staff).post(f"{path}/submit")
    assert resubmitted.status_code == 200 and resubmitted.json_body["status"] == "submitted"
    assert api(world.reviewer).post(f"{path}/approve").json_body["status"] == "published"


def test_a_filing_of_another_region_cannot_be_sent_back(world, api, upcoming):
    activity = upcoming(status="submitted")
    from jifen.people.models import Role
    from jifen.people.services import grant_role
    from tests.conftest import make_person

    elsewhere = make_person(world.wanmei, "湾美审核")
    grant_role(actor=None, person=elsewhere, role=Role.REVIEWER, region=world.wanmei)
    response = api(elsewhere).post(f"/activities/{activity.pk}/return", {"comment": "退回"})
    assert_error(response, 404, "not_found")
    assert Activity.objects.get(pk=activity.pk).status == Status.SUBMITTED


@pytest.mark.parametrize("raw", ["[]", "[1, 2]", "42", "null", '"title"', "{"])
def test_a_body_that_is_not_an_object_never_answers_500(world, api, upcoming, raw):
    activity = upcoming(status="submitted")
    for path, who in ((f"/activities/{activity.pk}", world.staff),):
        response = api(who)._call("patch", path, raw=raw)
        assert response.status_code == 400, response.content
    response = api(world.reviewer).post(f"/activities/{activity.pk}/return", raw=raw)
    assert response.status_code == 400, response.content
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.status, stored.title) == (Status.SUBMITTED, "江滨花园环境整治")
