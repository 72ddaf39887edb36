"""A notice reads in its reader's language: kept as message ids and parameters
(notices.texts), rendered when read — on the list page and by ``GET /me/notices`` — while
the backends still get the deployment's language and notices kept before keep their text."""

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jifen.activities import services as activities
from jifen.claims import services as claims
from jifen.lib.notify import Message
from jifen.notices import services, texts
from jifen.notices.models import Notice
from jifen.people import services as people
from jifen.publicity import services as publicity
from tests.conftest import make_person
from tests.notices.test_callers import _activity

pytestmark = pytest.mark.django_db


def only_notice(person) -> Notice:
    [notice] = Notice.objects.filter(person=person)
    return notice


def page_of(person, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(person)
    return client.get("/me/notices/").content.decode()


def test_a_rejected_claim_reads_in_english_for_an_english_reader_and_in_chinese_otherwise(
    world, declare, api, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        claim = claims.reject_claim(claim=declare(), reviewer=world.reviewer, reason="没有照片")
    english = api(world.resident, language="en").get("/me/notices").json_body["items"][0]
    assert english["title"] == f"Your claim {claim.pk} is rejected"
    assert english["body"] == (
        "Reason: 没有照片.\nYou may appeal within the time shown on the claim."
    )
    chinese = api(world.resident).get("/me/notices").json_body["items"][0]
    assert chinese["title"] == f"您的 {claim.pk} 号申报已驳回"
    assert "没有照片" in chinese["body"] and "Reason" not in chinese["body"]
    # The backend (and the stored text) in the deployment's language, as before.
    assert outbox[0].subject == chinese["title"] == only_notice(world.resident).title
    # The list page, in the reader's language too.
    assert f"Your claim {claim.pk} is rejected" in page_of(world.resident, "en")
    assert f"您的 {claim.pk} 号申报已驳回" in page_of(world.resident, "zh-hans")


def test_a_notice_kept_before_reads_as_it_was_stored(world, api):
    services.send([Message(world.resident, "您的申报已通过", "20 积分", kind="claim_approved")])
    notice = only_notice(world.resident)
    assert notice.texts is None
    english = api(world.resident, language="en").get("/me/notices").json_body["items"][0]
    assert (english["title"], english["body"]) == ("您的申报已通过", "20 积分")
    assert "您的申报已通过" in page_of(world.resident, "en")


def test_a_spec_that_no_longer_renders_falls_back_to_the_stored_text(world, api):
    services.send(
        [Message(world.resident, texts.say(_("Your claim %(id)s is approved"), id=7), "")]
    )
    notice = only_notice(world.resident)
    # A later version renamed the parameter: the old notice must still read.
    Notice.objects.filter(pk=notice.pk).update(
        texts={"subject": [{"m": "Your claim %(id)s is approved", "p": {"number": 7}}], "body": []}
    )
    english = api(world.resident, language="en").get("/me/notices").json_body["items"][0]
    assert english["title"] == notice.title == "您的 7 号申报已审核通过"


def test_the_read_route_answers_in_the_callers_language(world, api, declare):
    claim = claims.approve_claim(claim=declare(), reviewer=world.reviewer)
    notice = only_notice(world.resident)
    body = api(world.resident, language="en").post(f"/me/notices/{notice.pk}/read").json_body
    assert body["title"] == f"Your claim {claim.pk} is approved"
    assert body["read_at"] is not None


def test_a_password_reset_notice_reads_in_english(world):
    person = make_person(world.wenchang, "周重置")
    people.set_password_by_staff(actor=world.staff, person=person, new_password="Reset-2026-jifen")
    notice = only_notice(person)
    with translation.override("en"):
        assert notice.shown_title == "Your password was reset"
        assert notice.shown_body.startswith(f"{world.staff.name} set a new password")
    with translation.override("zh-hans"):
        assert notice.shown_title == notice.title == "您的密码已被重置"


def test_activity_notices_with_their_lazy_parameters_read_in_english(world, api, items):
    activity = _activity(world, items)
    activities.sign_up(actor=world.resident, activity=activity)
    activities.update_activity(actor=world.staff, activity=activity, changes={"place": "3栋楼下"})
    changed = api(world.resident, language="en").get("/me/notices").json_body["items"][0]
    assert changed["title"] == f"Activity changed: {activity.title}"
    # The changes (audit labels, a lazy call) are rendered in English too.
    assert "Place" in changed["body"] and "3栋楼下" in changed["body"]
    chinese = api(world.resident).get("/me/notices").json_body["items"][0]
    assert "地点" in chinese["body"] and "Place" not in chinese["body"]
    activities.cancel_activity(actor=world.staff, activity=activity, reason="暴雨")
    cancelled = api(world.resident, language="en").get("/me/notices").json_body["items"][0]
    assert cancelled["title"] == f"Activity cancelled: {activity.title}"
    assert cancelled["body"].endswith("is cancelled: 暴雨")


def test_a_text_is_the_deployment_languages_string_whatever_the_active_language(world):
    with translation.override("en"):
        text = texts.say(_("Your claim %(id)s is approved"), id=3)
    assert text == "您的 3 号申报已审核通过"
    joined = text + "\n" + "补充说明"
    assert isinstance(joined, texts.Text)
    with translation.override("en"):
        assert texts.render(joined.spec) == "Your claim 3 is approved\n补充说明"


def test_an_answered_objection_reads_in_english_with_the_answer_as_written(
    last_month, published, api
):
    world = last_month.world
    objection = publicity.object_to(actor=world.resident, announcement=published, text="少算了")
    publicity.answer(actor=world.staff, objection=objection, text="已核实，下月更正。")
    english = api(world.resident, language="en").get("/me/notices").json_body["items"][0]
    assert english["title"] == (
        f"Your objection to the {last_month.month} announcement of 文昌社区 is answered"
    )
    assert english["body"] == "已核实，下月更正。"
