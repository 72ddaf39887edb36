"""The console pages of editing an activity and sending a filing back, through Django's
test client: who may open them, what a POST changes, what staff see afterwards."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jifen.activities import services
from jifen.activities.models import Activity, Status
from jifen.audit.models import AuditEvent


@pytest.fixture
def upcoming(make_activity, now):
    def make(**kw):
        return make_activity(starts_at=now + timedelta(days=2), **kw)

    return make


def _form(activity: Activity, **changes) -> dict[str, str]:
    local = timezone.localtime
    data = {
        "title": activity.title,
        "rule_item": str(activity.rule_item_id),
        "place": activity.place,
        "starts_at": local(activity.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local(activity.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "capacity": str(activity.capacity),
        "description": activity.description,
        "team": "",
        "organization": "",
        "tags": activity.tags,
        "min_age": "",
        "risk_notes": activity.risk_notes,
    }
    data.update(changes)
    return data


def test_the_manage_page_offers_editing_to_staff_only(world, as_person, upcoming):
    activity = upcoming()
    url = f"/console/activities/{activity.pk}/"
    edit = f"/console/activities/{activity.pk}/edit/"
    assert edit in as_person(world.staff).get(url).content.decode()
    assert edit not in as_person(world.reviewer).get(url).content.decode()
    assert as_person(world.staff).get(edit).status_code == 200
    assert as_person(world.reviewer).get(edit).status_code == 403
    assert as_person(world.other_staff).get(edit).status_code == 404
    assert as_person(world.resident).get(edit).status_code == 403


def test_staff_edit_a_published_activity_on_the_page(
    world, as_person, upcoming, outbox, django_capture_on_commit_callbacks
):
    activity = upcoming()
    services.sign_up(actor=world.resident, activity=activity)
    client = as_person(world.staff)
    page = client.get(f"/console/activities/{activity.pk}/edit/").content.decode()
    assert 'value="江滨花园环境整治"' in page and "disabled" in page  # the region stays
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/console/activities/{activity.pk}/edit/",
            _form(activity, place="文昌社区活动中心", capacity="15"),
        )
    assert response.status_code == 302
    stored = Activity.objects.get(pk=activity.pk)
    assert (stored.place, stored.capacity, stored.region) == (
        "文昌社区活动中心",
        15,
        world.wenchang,
    )
    event = AuditEvent.objects.get(action="activity.update")
    assert event.before == {"place": "江滨花园", "capacity": 10}
    assert event.channel == "web"
    assert [m.person for m in outbox] == [world.resident]
    # The page's history shows the change in words.
    history = client.get(f"/console/activities/{activity.pk}/").content.decode()
    assert "江滨花园 → 文昌社区活动中心" in history


def test_a_refusal_shows_on_the_form_and_changes_nothing(world, as_person, upcoming, volunteers):
    activity = upcoming(capacity=3)
    for person in volunteers(2):
        services.sign_up(actor=person, activity=activity)
    response = as_person(world.staff).post(
        f"/console/activities/{activity.pk}/edit/", _form(activity, capacity="1")
    )
    assert response.status_code == 200
    assert "capacity" in response.context["form"].errors
    assert Activity.objects.get(pk=activity.pk).capacity == 3


def test_a_finished_activity_has_no_edit_button(world, as_person, make_activity):
    activity = make_activity()
    Activity.objects.filter(pk=activity.pk).update(status=Status.CLOSED)
    page = as_person(world.staff).get(f"/console/activities/{activity.pk}/").content.decode()
    assert f"/console/activities/{activity.pk}/edit/" not in page


def test_a_reviewer_sends_a_filing_back_and_staff_see_the_comment(world, as_person, upcoming):
    activity = upcoming(status="submitted")
    url = f"/console/activities/{activity.pk}/"
    page = as_person(world.reviewer).get(url).content.decode()
    assert f"{url}return/" in page
    assert f"{url}return/" not in as_person(world.staff).get(url).content.decode()
    # Staff cannot send it back, even by posting.
    as_person(world.staff).post(f"{url}return/", {"comment": "自己退回"})
    assert Activity.objects.get(pk=activity.pk).status == Status.SUBMITTED
    response = as_person(world.reviewer).post(f"{url}return/", {"comment": "请写明集合时间"})
    assert response.status_code == 302
    assert Activity.objects.get(pk=activity.pk).status == Status.RETURNED
    seen = as_person(world.staff).get(url).content.decode()
    assert "请写明集合时间" in seen and f"{url}submit/" in seen
    assert as_person(world.staff).post(f"{url}submit/").status_code == 302
    assert Activity.objects.get(pk=activity.pk).status == Status.SUBMITTED


def test_sending_back_without_a_comment_says_why(world, as_person, upcoming):
    activity = upcoming(status="submitted")
    client = as_person(world.reviewer)
    response = client.post(
        f"/console/activities/{activity.pk}/return/", {"comment": ""}, follow=True
    )
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert Activity.objects.get(pk=activity.pk).status == Status.SUBMITTED


def test_bad_ids_on_the_edit_and_send_back_pages_are_404(world, as_person):
    for path in (
        "/console/activities/999999/edit/",
        f"/console/activities/{10**20}/edit/",
    ):
        assert as_person(world.staff).get(path).status_code == 404
    assert as_person(world.reviewer).post("/console/activities/999999/return/").status_code == 404
    assert as_person(world.reviewer).get("/console/activities/1/return/").status_code == 405
