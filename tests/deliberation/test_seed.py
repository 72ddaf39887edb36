"""The demo's deliberation: a building poll closed with its result and one open, an
urgent poll of the parties, a meeting decided with actions in progress — made once."""

import pytest

from jifen.deliberation import selectors
from jifen.deliberation.models import ActionStatus, Matter, Status, Tier
from jifen.demo.seed_deliberation import VOLUNTEER, seed_demo_deliberations
from jifen.demo.seed_demo import seed_demo
from jifen.people.models import Person

pytestmark = pytest.mark.django_db


def test_the_demo_matters_are_made_once_and_cover_every_tier():
    seed_demo()  # the demo seeds its matters (seed_demo calls seed_demo_deliberations)
    assert seed_demo_deliberations() == 0
    matters = {m.title: m for m in Matter.objects.all()}
    assert len(matters) == 4
    closed = matters["1栋楼道加装声控灯"]
    assert closed.status == Status.DECIDED and closed.results_public and closed.quorum_met
    assert closed.agree and closed.electorate >= closed.turnout > 0
    open_poll = matters["1栋电动车充电桩选址"]
    assert open_poll.status == Status.VOTING and not open_poll.results_public
    volunteer = Person.objects.get(phone=VOLUNTEER)
    assert open_poll in selectors.open_for(volunteer)
    urgent = matters["暴雨前地下车库排涝"]
    assert urgent.tier == Tier.URGENT and urgent.status == Status.VOTING
    assert urgent.invitees.count() == 3
    meeting = matters["老旧小区加装电梯"]
    assert meeting.status == Status.DECIDED and meeting.minutes
    states = sorted(a.status for a in meeting.actions.all())
    assert states == sorted([ActionStatus.DONE, ActionStatus.UNDERWAY, ActionStatus.UNDERWAY])
    staff = Person.objects.get(phone="13800000002")
    assert selectors.staff_todo(staff)["actions_overdue"].count == 1
    assert selectors.resident_todo(volunteer).count == 1
