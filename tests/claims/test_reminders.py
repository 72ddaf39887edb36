"""一周一审核: each reviewer with claims waiting for them hears of it once a week, however
often ``jifen tick`` runs; the console backend names nobody."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jifen.claims import services
from jifen.claims.models import Reminder
from jifen.claims.notices import remind_reviewers
from jifen.people.models import Household, Organization, OrganizationMember, Role, RoleGrant
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def monday():
    today = timezone.localdate()
    return today - timedelta(days=today.weekday())


def recipients(outbox) -> Counter:
    return Counter(message.person.pk for message in outbox)


def test_one_reminder_per_reviewer_with_claims_waiting_for_them(
    world, declare, second_reviewer, outbox, monday
):
    declare()
    declare(quantity=3)
    outsider = make_person(world.wanmei, "湾美审核")
    RoleGrant.objects.create(person=outsider, role=Role.REVIEWER, region=world.wanmei)

    assert remind_reviewers(monday) == 4
    # The reviewers of 文昌 and the administrators above it; not 湾美's, who has none.
    assert recipients(outbox) == Counter(
        {
            world.reviewer.pk: 1,
            second_reviewer.pk: 1,
            world.town_admin.pk: 1,
            world.county_admin.pk: 1,
        }
    )
    message = next(m for m in outbox if m.person == world.reviewer)
    assert "2" in message.subject
    assert Reminder.objects.get(person=world.reviewer).pending == 2


def test_once_a_week_however_often_tick_runs(world, declare, outbox, monday):
    declare()
    assert remind_reviewers(monday) == 3
    assert remind_reviewers(monday) == 0
    assert remind_reviewers(monday + timedelta(days=6)) == 0  # Sunday: the same ISO week
    assert len(outbox) == 3
    assert remind_reviewers(monday + timedelta(days=7)) == 3  # next week, again
    assert len(outbox) == 6
    assert Reminder.objects.filter(person=world.reviewer).count() == 2


def test_no_reminder_for_claims_a_reviewer_may_not_review(
    world, declare, second_reviewer, outbox, monday
):
    declare(person=world.reviewer)  # their own
    home = Household.objects.create(region=world.wenchang, label="江滨花园5-101")
    spouse = make_person(world.wenchang, "黄太太", household=home)
    world.reviewer.household = home
    world.reviewer.save()
    declare(person=spouse)  # their household's
    org = Organization.objects.create(region=world.wenchang, name="文昌小学")
    OrganizationMember.objects.create(organization=org, person=world.reviewer)
    teacher = make_person(world.wenchang, "老师")
    OrganizationMember.objects.create(organization=org, person=teacher, is_contact=True)
    declare(actor=teacher, person=teacher, organization=org)  # their organisation's
    approved_once = declare(quantity=5)
    services.approve_claim(claim=approved_once, reviewer=world.reviewer)  # reviewed already

    remind_reviewers(monday)
    assert world.reviewer.pk not in recipients(outbox)
    assert Reminder.objects.get(person=second_reviewer).pending == 4

    # One they may review: reminded next week of that one alone.
    declare()
    remind_reviewers(monday + timedelta(days=7))
    assert Reminder.objects.get(person=world.reviewer).pending == 1
    assert Reminder.objects.filter(person=second_reviewer).latest("id").pending == 5


def test_the_reminder_says_how_long_the_oldest_has_waited(world, declare, outbox):
    declare()
    today = timezone.localdate()
    remind_reviewers(today + timedelta(days=3))
    assert all("3" in message.body for message in outbox)
    # A tick run for a day before the claim came never says it waited less than nothing.
    outbox.clear()
    remind_reviewers(today - timedelta(days=14))
    assert outbox and all("-" not in message.body for message in outbox)


def test_no_reminder_for_claims_they_entered(world, declare, outbox, monday):
    declare(actor=world.town_admin, person=world.resident)
    remind_reviewers(monday)
    assert world.town_admin.pk not in recipients(outbox)
    assert world.reviewer.pk in recipients(outbox)


def test_no_reminder_when_nothing_waits(world, declare, outbox, monday):
    claim = declare()
    services.approve_claim(claim=claim, reviewer=world.reviewer)
    assert remind_reviewers(monday) == 0
    assert outbox == [] and not Reminder.objects.exists()
    # Next week something waits: the reminder is not used up by the empty week.
    declare()
    assert remind_reviewers(monday) == 3


def test_an_inactive_reviewer_is_not_reminded(world, declare, outbox, monday):
    declare()
    world.reviewer.is_active = False
    world.reviewer.save()
    remind_reviewers(monday)
    assert world.reviewer.pk not in recipients(outbox)


def test_the_console_names_nobody(world, declare, settings, capsys, monday):
    settings.JIFEN_NOTIFY_BACKEND = "console"
    declare()
    capsys.readouterr()
    assert remind_reviewers(monday) == 3
    err = capsys.readouterr().err
    assert f"to {world.reviewer.volunteer_no}:" in err
    for person in (world.reviewer, world.town_admin, world.county_admin):
        assert person.name not in err
        assert person.phone not in err
    assert err.count("[jifen notify]") == 3


def test_tick_prints_how_many_reminders_it_sent(world, declare, outbox):
    declare()
    today = timezone.localdate().isoformat()
    out = StringIO()
    call_command("tick", as_of=today, stdout=out)
    assert "3 review reminder(s) sent" in out.getvalue()
    out = StringIO()
    call_command("tick", as_of=today, stdout=out)
    assert "0 review reminder(s) sent" in out.getvalue()
    assert len(outbox) == 3
