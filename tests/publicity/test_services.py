"""每月一统计、每月一公示 through its services: drafting, publishing and sealing in order,
the month's figures, objections and their answers, who may do each, and the audit rows."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.people.models import Person
from jifen.points.models import Adjustment, CommunityPolicy, Transfer
from jifen.points.services import approve_adjustment, request_adjustment
from jifen.publicity import seal, selectors, services
from jifen.publicity.models import Announcement, Objection, ObjectionStatus, Status
from tests.browser.helpers import zh
from tests.conftest import make_person
from tests.publicity.conftest import Book, Month, Months, at

pytestmark = pytest.mark.django_db


def volunteer(person: Person) -> str:
    """How someone who has not agreed to publication is shown: 志愿者 and their number."""
    return zh("Volunteer %(number)s") % {"number": person.volunteer_no}


def audit(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


# --- Drafting ----------------------------------------------------------------------------------


def test_staff_draft_an_ended_month_with_its_figures(last_month: Month):
    world = last_month.world
    announcement = services.draft(
        actor=world.staff, community=world.wenchang, month=last_month.month
    )
    assert announcement.status == Status.DRAFT
    assert announcement.drafted_by == world.staff
    assert announcement.totals == {
        "issued": 75,  # 20 + 10 + 30 + 10 + 5
        "redeemed": 15,
        "expired": 0,
        "entries": 6,
        "transfers": 6,
        "people": 4,
    }
    assert [(r["place"], r["name"], r["points"]) for r in announcement.ranking] == [
        (1, "欧**梅", 30),
        (2, "王*英", 20),
        (3, "李*", 15),
        (4, volunteer(last_month.shy), 10),
    ]
    assert not announcement.seal and announcement.published_at is None
    (event,) = audit("publicity.draft")
    assert (event.actor, event.region, event.target_id) == (
        world.staff,
        world.wenchang,
        announcement.pk,
    )
    assert event.after["month"] == last_month.month and event.after["issued"] == 75


def test_a_month_not_over_is_not_drafted(world, months: Months):
    for month in (months.this, "2100-12"):  # later than 2100 is not a month at all (400)
        with pytest.raises(Conflict) as refused:
            services.draft(actor=world.staff, community=world.wenchang, month=month)
        assert refused.value.code == "month_not_ended"
    assert not Announcement.objects.exists()


@pytest.mark.parametrize("month", ["2025-13", "2025-5", "May", "", "1999-12", "2999-01"])
def test_a_month_is_given_as_yyyy_mm(world, month):
    with pytest.raises(InvalidInput) as refused:
        services.draft(actor=world.staff, community=world.wenchang, month=month)
    assert refused.value.field == "month"


def test_only_a_community_announces(world, months: Months):
    for region in (world.town, world.county, world.compound):
        with pytest.raises(InvalidInput) as refused:
            services.draft(actor=world.county_admin, community=region, month=months.last)
        assert refused.value.field == "community"


def test_tick_drafts_without_an_actor(last_month: Month):
    announcement = services.draft(
        actor=None, community=last_month.community, month=last_month.month
    )
    assert announcement.drafted_by is None
    (event,) = audit("publicity.draft")
    assert event.actor is None


def test_a_draft_is_worked_out_again_when_drafted_again(last_month: Month, book: Book):
    world = last_month.world
    first = services.draft(actor=world.staff, community=world.wenchang, month=last_month.month)
    book.award(last_month.li, 7, at(last_month.month, 25))
    again = services.draft(
        actor=world.county_admin, community=world.wenchang, month=last_month.month
    )
    assert again.pk == first.pk
    assert again.totals["issued"] == 82 and again.totals["transfers"] == 7
    assert Announcement.objects.count() == 1
    assert len(audit("publicity.draft")) == 2


@pytest.mark.parametrize("who", ["staff", "town_admin", "county_admin"])
def test_staff_and_admins_over_the_community_may_draft(last_month: Month, who):
    actor = getattr(last_month.world, who)
    services.draft(actor=actor, community=last_month.community, month=last_month.month)


@pytest.mark.parametrize(
    "who", ["reviewer", "other_staff", "merchant", "kiosk", "resident", "neighbour"]
)
def test_others_may_not_draft(last_month: Month, who):
    actor = getattr(last_month.world, who)
    with pytest.raises(PermissionDenied):
        services.draft(actor=actor, community=last_month.community, month=last_month.month)
    assert not Announcement.objects.exists()


# --- Publishing and sealing ---------------------------------------------------------------------


def test_a_reviewer_publishes_and_seals_the_month(last_month: Month, drafted: Announcement):
    world = last_month.world
    before = timezone.now()
    announcement = services.publish(actor=world.reviewer, announcement=drafted)
    announcement.refresh_from_db()
    month = services.month_leaves_v2(
        world.wenchang, last_month.month, services.seal.unpack_salts(announcement.salts)
    )
    ids, leaves = month.ids, month.leaves
    assert ids == [t.pk for t in last_month.transfers]  # not 金悦's, in id order
    assert announcement.version == seal.V2
    assert month.totals == {key: announcement.totals[key] for key in seal.TOTALS}
    assert announcement.status == Status.PUBLISHED
    assert announcement.published_by == world.reviewer
    assert before <= announcement.published_at <= timezone.now()
    assert announcement.objections_until == announcement.published_at + timedelta(days=7)
    assert announcement.leaf_count == 6
    assert announcement.root == seal.root(leaves).hex()
    assert announcement.previous_seal == ""
    assert announcement.seal == seal.seal_v2(
        world.wenchang.code, last_month.month, 6, announcement.root, "", month.totals
    )
    assert services.unpack_leaves(announcement.leaves) == dict(zip(ids, leaves, strict=True))
    assert list(services.check_seals()) == []
    (event,) = audit("publicity.publish")
    assert event.actor == world.reviewer and event.region == world.wenchang
    assert event.after == {
        "month": last_month.month,
        "entries": 6,
        "root": announcement.root,
        "seal": announcement.seal,
        "version": 2,
    }


def test_the_objection_window_follows_the_community_policy(
    last_month: Month, drafted: Announcement
):
    CommunityPolicy.objects.create(region=last_month.community, objection_days=3)
    announcement = services.publish(actor=last_month.world.reviewer, announcement=drafted.pk)
    assert announcement.objections_until == announcement.published_at + timedelta(days=3)


def test_publication_works_the_figures_out_again(
    last_month: Month, drafted: Announcement, book: Book
):
    book.award(last_month.ouyang, 50, at(last_month.month, 28))
    announcement = services.publish(actor=last_month.world.reviewer, announcement=drafted)
    assert announcement.totals["issued"] == 125
    assert announcement.ranking[0]["points"] == 80
    assert announcement.leaf_count == 7


@pytest.mark.parametrize("who", ["reviewer", "town_admin", "county_admin"])
def test_reviewers_and_admins_over_the_community_may_publish(
    last_month: Month, drafted: Announcement, who
):
    services.publish(actor=getattr(last_month.world, who), announcement=drafted)


@pytest.mark.parametrize("who", ["staff", "other_staff", "merchant", "kiosk", "resident"])
def test_others_may_not_publish(last_month: Month, drafted: Announcement, who):
    with pytest.raises(PermissionDenied):
        services.publish(actor=getattr(last_month.world, who), announcement=drafted)
    drafted.refresh_from_db()
    assert drafted.status == Status.DRAFT and not audit("publicity.publish")


def test_a_reviewer_next_door_may_not_publish(drafted: Announcement, jinyue_reviewer):
    with pytest.raises(PermissionDenied):
        services.publish(actor=jinyue_reviewer, announcement=drafted)


def test_publishing_what_does_not_exist_is_not_found(world):
    with pytest.raises(NotFound):
        services.publish(actor=world.reviewer, announcement=987654)


def test_a_published_month_is_published_once(last_month: Month, published: Announcement):
    with pytest.raises(Conflict) as refused:
        services.publish(actor=last_month.world.county_admin, announcement=published)
    assert refused.value.code == "already_published"


def test_a_published_month_is_never_drafted_again(last_month: Month, published: Announcement):
    seal_before = published.seal
    with pytest.raises(Conflict) as refused:
        services.draft(
            actor=last_month.world.staff, community=last_month.community, month=last_month.month
        )
    assert refused.value.code == "already_published"
    published.refresh_from_db()
    assert published.seal == seal_before and published.status == Status.PUBLISHED


def _two_months(last_month: Month, months: Months, book: Book) -> tuple[Announcement, Announcement]:
    world = last_month.world
    book.award(world.resident, 8, at(months.before, 11))
    before = services.draft(actor=world.staff, community=world.wenchang, month=months.before)
    last = services.draft(actor=world.staff, community=world.wenchang, month=months.last)
    return before, last


def test_each_seal_chains_to_the_one_before(last_month: Month, months: Months, book: Book):
    before, last = _two_months(last_month, months, book)
    reviewer = last_month.world.reviewer
    before = services.publish(actor=reviewer, announcement=before)
    last = services.publish(actor=reviewer, announcement=last)
    assert before.previous_seal == "" and before.leaf_count == 1
    assert last.previous_seal == before.seal
    totals = {key: last.totals[key] for key in seal.TOTALS}
    assert last.seal == seal.seal_v2(
        last_month.community.code, months.last, 6, last.root, before.seal, totals
    )
    assert list(services.check_seals()) == []


def test_months_are_published_in_order(last_month: Month, months: Months, book: Book):
    before, last = _two_months(last_month, months, book)
    reviewer = last_month.world.reviewer
    with pytest.raises(Conflict) as refused:
        services.publish(actor=reviewer, announcement=last)  # the month before still waits
    assert refused.value.code == "out_of_order"
    assert months.before in refused.value.render()
    services.publish(actor=reviewer, announcement=before)
    services.publish(actor=reviewer, announcement=last)


def test_a_month_before_a_published_one_is_neither_drafted_nor_published(
    last_month: Month, months: Months, book: Book, published: Announcement
):
    world = last_month.world
    book.award(world.resident, 8, at(months.before, 11))
    with pytest.raises(Conflict) as refused:
        services.draft(actor=world.staff, community=world.wenchang, month=months.before)
    assert refused.value.code == "out_of_order"
    # Made some other way (an old draft), it is refused at publication too.
    stray = Announcement.objects.create(community=world.wenchang, month=months.before)
    with pytest.raises(Conflict) as refused:
        services.publish(actor=world.reviewer, announcement=stray)
    assert refused.value.code == "out_of_order"


def test_a_month_with_point_changes_is_not_skipped_after_the_first_seal(
    last_month: Month, book: Book
):
    """Once a community has sealed a month, every later month with point changes is
    sealed in turn: publishing past one would leave it unsealed for good."""
    world = last_month.world
    first = "2024-01"
    book.award(world.resident, 5, at(first, 10))
    services.publish(
        actor=world.reviewer,
        announcement=services.draft(actor=world.staff, community=world.wenchang, month=first),
    )
    book.award(world.resident, 5, at("2024-03", 10))  # 2024-02 has none: it may be skipped
    with pytest.raises(Conflict) as refused:
        services.publish(
            actor=world.reviewer,
            announcement=services.draft(
                actor=world.staff, community=world.wenchang, month=last_month.month
            ),
        )
    assert refused.value.code == "out_of_order" and "2024-03" in refused.value.render()
    services.publish(
        actor=world.reviewer,
        announcement=services.draft(actor=world.staff, community=world.wenchang, month="2024-03"),
    )


def test_the_first_month_published_may_follow_months_never_announced(
    last_month: Month, months: Months, book: Book, drafted: Announcement
):
    book.award(last_month.resident, 8, at(months.before, 11))
    services.publish(actor=last_month.world.reviewer, announcement=drafted)


def test_an_empty_month_seals_with_the_root_of_nothing(world, months: Months):
    drafted = services.draft(actor=world.staff, community=world.wenchang, month=months.last)
    announcement = services.publish(actor=world.reviewer, announcement=drafted)
    assert announcement.leaf_count == 0
    assert announcement.root == seal.root([]).hex()
    assert announcement.totals["transfers"] == 0 and announcement.ranking == []
    assert list(services.check_seals()) == []


def test_the_ranking_is_stored_in_the_deployment_language(last_month: Month, drafted: Announcement):
    with translation.override("en"):
        announcement = services.publish(actor=last_month.world.reviewer, announcement=drafted)
    assert any(r["name"] == volunteer(last_month.shy) for r in announcement.ranking)


# --- Publishing at the same moment (PostgreSQL) -------------------------------------------------


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_two_months_published_at_once_still_chain(world, months: Months, book: Book):
    book.award(world.resident, 8, at(months.before, 11))
    book.award(world.resident, 9, at(months.last, 11))
    before = services.draft(actor=world.staff, community=world.wenchang, month=months.before)
    last = services.draft(actor=world.staff, community=world.wenchang, month=months.last)
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(i: int, announcement: Announcement) -> None:
        try:
            barrier.wait()
            results[i] = services.publish(actor=world.reviewer, announcement=announcement.pk)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate((before, last))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert isinstance(results[0], Announcement), results[0]
    if isinstance(results[1], Exception):  # the later month came first and waited its turn
        assert isinstance(results[1], Conflict) and results[1].code == "out_of_order"
        services.publish(actor=world.reviewer, announcement=last.pk)
    last.refresh_from_db()
    before.refresh_from_db()
    assert last.previous_seal == before.seal
    assert list(services.check_seals()) == []


# --- jifen tick ------------------------------------------------------------------------------


def test_draft_due_drafts_the_month_just_ended_once(last_month: Month):
    assert services.draft_due() == 2  # 文昌 and 金悦 had point changes
    drafted = {a.community: a for a in Announcement.objects.all()}
    assert set(drafted) == {last_month.world.wenchang, last_month.world.jinyue}
    assert all(a.month == last_month.month and a.drafted_by is None for a in drafted.values())
    assert services.draft_due() == 0
    assert Announcement.objects.count() == 2


def test_draft_due_leaves_drafts_and_published_months_alone(
    last_month: Month, published: Announcement
):
    assert services.draft_due() == 1  # 金悦 only
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


def test_draft_due_skips_a_month_not_over(last_month: Month):
    future = timezone.localdate() + timedelta(days=62)
    assert services.draft_due(future) == 0
    assert not Announcement.objects.exists()


def test_draft_due_as_of_a_past_day_drafts_that_month(last_month: Month, months: Months, book):
    book.award(last_month.resident, 8, at(months.before, 11))
    as_of = at(months.last, 1).date()
    assert services.draft_due(as_of) == 1
    assert Announcement.objects.get().month == months.before


def test_tick_drafts_the_month_and_says_how_many(last_month: Month):
    def tick() -> list[str]:
        out = StringIO()
        call_command("tick", stdout=out)
        return out.getvalue().splitlines()

    first = tick()
    assert "publicity: 2 monthly announcement(s) drafted" in first
    assert first[-1].startswith("tick as of ")
    again = tick()
    assert not any(line.startswith("publicity:") for line in again)
    assert Announcement.objects.count() == 2


# --- Objections --------------------------------------------------------------------------------


def test_a_resident_objects_within_the_window(last_month: Month, published: Announcement):
    transfer = last_month.transfers[0]
    objection = services.object_to(
        actor=last_month.resident,
        announcement=published,
        text="  我那天清扫了 3 小时，不是 2 小时。  ",
        transfer_id=transfer.pk,
    )
    assert objection.status == ObjectionStatus.OPEN
    assert objection.text == "我那天清扫了 3 小时，不是 2 小时。"
    assert objection.transfer == transfer and objection.person == last_month.resident
    (event,) = audit("publicity.object")
    assert event.actor == last_month.resident and event.region == last_month.community
    assert event.after == {"month": last_month.month, "transfer": transfer.pk}


def test_anyone_logged_in_may_object_without_naming_an_entry(
    last_month: Month, published: Announcement
):
    objection = services.object_to(
        actor=last_month.world.stranger, announcement=published, text="排名有误"
    )
    assert objection.transfer is None


def test_an_objection_after_the_window_is_refused(last_month: Month, published: Announcement):
    Announcement.objects.filter(pk=published.pk).update(
        objections_until=timezone.now() - timedelta(seconds=1)
    )
    published.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        services.object_to(actor=last_month.resident, announcement=published, text="晚了")
    assert refused.value.code == "objection_window_closed"
    assert not Objection.objects.exists()


def test_a_draft_takes_no_objections(last_month: Month, drafted: Announcement):
    with pytest.raises(NotFound):
        services.object_to(actor=last_month.resident, announcement=drafted, text="?")


@pytest.mark.parametrize("text", ["", "   ", "长" * 1001])
def test_an_objection_says_what_is_wrong_briefly(last_month: Month, published: Announcement, text):
    with pytest.raises(InvalidInput) as refused:
        services.object_to(actor=last_month.resident, announcement=published, text=text)
    assert refused.value.field == "text"


def test_an_objection_names_an_entry_of_that_announcement(
    last_month: Month, published: Announcement, months: Months, book: Book
):
    other_month = book.award(last_month.resident, 3, at(months.before, 2))
    for transfer_id in (last_month.elsewhere[0].pk, other_month.pk, 987654):
        with pytest.raises(InvalidInput) as refused:
            services.object_to(
                actor=last_month.resident,
                announcement=published,
                text="这条不对",
                transfer_id=transfer_id,
            )
        assert refused.value.field == "transfer"


def _objection(last_month: Month, published: Announcement) -> Objection:
    return services.object_to(
        actor=last_month.resident,
        announcement=published,
        text="我那天清扫了 3 小时",
        transfer_id=last_month.transfers[0].pk,
    )


def test_staff_answer_an_objection(last_month: Month, published: Announcement):
    objection = _objection(last_month, published)
    answered = services.answer(
        actor=last_month.world.staff, objection=objection.pk, text="已核实签到记录，补记 10 分。"
    )
    assert answered.status == ObjectionStatus.ANSWERED
    assert answered.answer == "已核实签到记录，补记 10 分。"
    assert answered.answered_by == last_month.world.staff and answered.answered_at
    assert answered.correction is None
    (event,) = audit("publicity.answer")
    assert event.actor == last_month.world.staff and event.region == last_month.community
    with pytest.raises(Conflict) as refused:
        services.answer(actor=last_month.world.staff, objection=objection, text="again")
    assert refused.value.code == "already_answered"


def test_the_answer_may_name_the_correction_an_adjustment_of_the_community(
    last_month: Month, published: Announcement
):
    world = last_month.world
    objection = _objection(last_month, published)
    original = last_month.transfers[0]
    adjustment = request_adjustment(
        actor=world.staff, person=world.resident, amount=10, reason="补记", corrects=original
    )
    second = make_person(world.wenchang, "周二审")
    from jifen.people.services import grant_role

    grant_role(actor=None, person=second, role="staff", region=world.wenchang)
    adjustment = approve_adjustment(actor=second, adjustment=adjustment)
    answered = services.answer(
        actor=world.staff, objection=objection, text="已补记", correction_id=adjustment.pk
    )
    assert answered.correction == adjustment
    # The correction is a new transfer of this month; the sealed month is as it was.
    assert adjustment.transfer.created_at >= published.published_at
    assert list(services.check_seals()) == []


def test_a_correction_from_another_community_is_refused(last_month: Month, published: Announcement):
    world = last_month.world
    objection = _objection(last_month, published)
    elsewhere = request_adjustment(
        actor=world.town_admin, person=world.neighbour, amount=5, reason="金悦的更正"
    )
    for correction_id in (elsewhere.pk, 987654):
        with pytest.raises(InvalidInput) as refused:
            services.answer(
                actor=world.staff, objection=objection, text="x", correction_id=correction_id
            )
        assert refused.value.field == "correction"
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN
    assert Adjustment.objects.count() == 1


@pytest.mark.parametrize("text", ["", "  ", "长" * 1001])
def test_an_answer_is_written_briefly(last_month: Month, published: Announcement, text):
    objection = _objection(last_month, published)
    with pytest.raises(InvalidInput) as refused:
        services.answer(actor=last_month.world.staff, objection=objection, text=text)
    assert refused.value.field == "answer"


@pytest.mark.parametrize("who", ["town_admin", "county_admin"])
def test_admins_over_the_community_may_answer(last_month: Month, published: Announcement, who):
    objection = _objection(last_month, published)
    services.answer(actor=getattr(last_month.world, who), objection=objection, text="已答复")


@pytest.mark.parametrize("who", ["reviewer", "other_staff", "merchant", "kiosk", "resident"])
def test_others_may_not_answer(last_month: Month, published: Announcement, who):
    objection = _objection(last_month, published)
    with pytest.raises(PermissionDenied):
        services.answer(actor=getattr(last_month.world, who), objection=objection, text="x")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN


def test_answering_what_does_not_exist_is_not_found(world):
    with pytest.raises(NotFound):
        services.answer(actor=world.staff, objection=987654, text="x")


# --- What an announcement shows -----------------------------------------------------------------


def test_the_lines_are_every_point_change_of_a_holder_oldest_first(last_month: Month):
    rows = [selectors.line(t) for t in selectors.lines(last_month.community, last_month.month)]
    assert [(r.name, r.what, r.points) for r in rows] == [
        ("王*英", "楼道清扫", 20),
        ("李*", "楼道清扫", 10),
        ("欧**梅", "楼道清扫", 30),
        ("王*英", zh("Redemption"), -15),
        (volunteer(last_month.shy), "楼道清扫", 10),
        ("李*", zh("Bonus"), 5),
    ]
    assert [r.transfer_id for r in rows] == [t.pk for t in last_month.transfers]
    assert rows[0].day == at(last_month.month, 3).date()
    assert rows[1].volunteer_no == last_month.li.volunteer_no
    assert all(last_month.world.resident.phone not in str(r) for r in rows)


def test_the_published_list_holds_published_months_only(
    last_month: Month, published: Announcement, months: Months
):
    world = last_month.world
    services.draft(actor=None, community=world.jinyue, month=months.last)
    assert list(selectors.published()) == [published]
    assert list(selectors.published(last_month.world.town)) == [published]
    assert list(selectors.published(last_month.world.other_town)) == []
    assert selectors.get_published(published.pk) == published
    with pytest.raises(NotFound):
        selectors.get_published(Announcement.objects.get(community=last_month.world.jinyue).pk)


# --- A resident's proof ---------------------------------------------------------------------------


def test_a_resident_proof_holds_their_entries_and_checks_out(
    last_month: Month, published: Announcement
):
    document = selectors.proof_for(last_month.resident, published)
    assert document["version"] == "jifen-seal-v2"
    assert document["totals"] == {key: published.totals[key] for key in seal.TOTALS}
    assert document["announcement"] == published.pk
    assert (document["community"], document["month"]) == (
        last_month.community.code,
        last_month.month,
    )
    assert (document["count"], document["root"], document["seal"]) == (
        6,
        published.root,
        published.seal,
    )
    mine = [last_month.transfers[0].pk, last_month.transfers[3].pk]
    assert [e["transfer"] for e in document["entries"]] == mine
    assert [e["index"] for e in document["entries"]] == [0, 3]
    result = selectors.check_document(document)
    assert result.ok and result.seal_ok and [e.ok for e in result.entries] == [True, True]
    assert result.entries[1].fields["amount"] == 15
    assert result.entries[1].fields["kind"] == "redemption"
    # The resident's own salt and private fields open the digest in their leaf.
    assert result.entries[1].fields["memo"] == last_month.transfers[3].memo
    assert result.entries[1].fields["debit"] == f"person:{last_month.resident.volunteer_no}" or (
        result.entries[1].fields["debit"].startswith("person:#")
    )
    assert selectors.check_proof(document) == []
    # A private field changed in the proof no longer gives the digest in the leaf.
    lied = {**document, "entries": [dict(e) for e in document["entries"]]}
    lied["entries"][0]["private"] = lied["entries"][0]["private"].replace("]", ',"x"]')
    assert not selectors.check_document(lied).ok
    assert selectors.published_seal(document["community"], document["month"]) == published


def test_someone_without_entries_gets_an_empty_proof(last_month: Month, published: Announcement):
    document = selectors.proof_for(last_month.world.stranger, published)
    assert document["entries"] == [] and selectors.check_proof(document) == []


def test_a_draft_has_no_proof(last_month: Month, drafted: Announcement):
    with pytest.raises(NotFound):
        selectors.proof_for(last_month.resident, drafted)


def test_a_proof_leaves_out_an_entry_added_after_sealing(
    last_month: Month, published: Announcement, book: Book
):
    added = book.award(last_month.resident, 99, at(last_month.month, 27))
    document = selectors.proof_for(last_month.resident, published)
    assert added.pk not in [e["transfer"] for e in document["entries"]]
    assert selectors.check_proof(document) == []


def test_a_changed_entry_or_seal_is_caught(last_month: Month, published: Announcement):
    document = selectors.proof_for(last_month.resident, published)
    forged = {**document, "entries": [dict(e) for e in document["entries"]]}
    forged["entries"][0]["entry"] = forged["entries"][0]["entry"].replace(",20,", ",200,")
    with translation.override("en"):
        result = selectors.check_document(forged)
    assert not result.ok and [e.ok for e in result.entries] == [False, True]
    assert result.problems == [f"Entry {last_month.transfers[0].pk} does not lead to the root."]
    wrong_seal = {**document, "month": "2001-01"}
    result = selectors.check_document(wrong_seal)
    assert not result.ok and not result.seal_ok and all(e.ok for e in result.entries)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: [],
        lambda d: "a proof",
        lambda d: {k: v for k, v in d.items() if k != "root"},
        lambda d: {**d, "root": "xyz"},
        lambda d: {**d, "count": "6"},
        lambda d: {**d, "count": True},
        lambda d: {**d, "entries": "none"},
        lambda d: {**d, "entries": [{"entry": 5, "path": []}]},
        lambda d: {**d, "entries": [{"entry": "[1]", "path": [["X", "00" * 32]]}]},
        lambda d: {**d, "entries": [{"entry": "[1]", "path": [["L", "00" * 31]]}]},
        lambda d: {**d, "entries": [{"entry": "[1]", "path": [["L"]]}]},
        lambda d: {**d, "entries": [{"entry": "[1]", "path": [["L", "00" * 32]] * 65}]},
    ],
)
def test_what_is_not_a_proof_is_said_to_be_none(last_month: Month, published: Announcement, mangle):
    result = selectors.check_document(mangle(selectors.proof_for(last_month.resident, published)))
    assert not result.ok and not result.readable and len(result.problems) == 1


def test_leaves_are_read_in_id_order_whatever_the_dates(last_month: Month, book: Book):
    # Posted later but dated earlier in the month: the leaf order is the id order.
    late = book.award(last_month.li, 1, at(last_month.month, 1, 0, 0))
    ids, _leaves = services.month_leaves(last_month.community, last_month.month)
    assert ids[-1] == late.pk and ids == sorted(ids)
    assert Transfer.objects.filter(pk__in=ids).count() == 7


def test_the_correction_of_a_disputed_entry_must_name_it(
    last_month: Month, published: Announcement
):
    world = last_month.world
    objection = _objection(last_month, published)  # disputes transfers[0]
    unrelated = request_adjustment(
        actor=world.staff, person=world.resident, amount=10, reason="另一笔", corrects=None
    )
    other_entry = request_adjustment(
        actor=world.staff,
        person=world.resident,
        amount=10,
        reason="另一笔",
        corrects=last_month.transfers[1],
    )
    for adjustment in (unrelated, other_entry):
        with pytest.raises(InvalidInput) as refused:
            services.answer(
                actor=world.staff, objection=objection, text="x", correction_id=adjustment.pk
            )
        assert refused.value.field == "correction"
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN
