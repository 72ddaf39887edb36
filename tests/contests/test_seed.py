"""The demo's contests: last round published with its winner a 微实事, this year's town
contest in the final with the demo volunteer's sheets still to fill — made once."""

import pytest

from jifen.contests import selectors
from jifen.contests.models import Contest, Stage
from jifen.demo.seed_contests import VOLUNTEER, seed
from jifen.demo.seed_demo import seed_demo
from jifen.people.models import Person
from jifen.projects.models import Project

pytestmark = pytest.mark.django_db


def test_the_demo_contests_are_made_once():
    seed_demo()
    seed()  # once the demo calls it itself, this finds its contests and makes none
    assert seed() == 0
    assert Contest.objects.count() == 2
    past, town = Contest.objects.order_by("id")
    assert past.stage == Stage.PUBLISHED
    table = selectors.standings(past)
    assert [r.rank for r in table] == [1, 2]
    winner = table[0].entry
    assert Project.objects.get(pk=winner.project_id).source == "contest"
    assert town.stage == Stage.FINAL and town.anonymous_review
    volunteer = Person.objects.get(phone=VOLUNTEER)
    assert selectors.judge_todo(volunteer).count == 6  # 3 finalists × roadshow and live
    assert len(selectors.missing_scores(town)) == 6 + 3  # hers, and the second judge's live
