"""Scores under real concurrency on PostgreSQL: a panel member saving on two phones at
once holds one score per item; a score racing the round's close is counted or refused,
never stored uncounted. The round's row lock (``services._locked``) serialises them; the
unique ``(member, item)`` stands behind it."""

import pytest

from jifen.lib.errors import Conflict
from jifen.people.models import Person
from jifen.property_review import services
from jifen.property_review.models import Inspection, Result, RoundStatus, Score
from tests.property_review.conftest import first_inspection, plan_round
from tests.requests.test_concurrency import in_threads

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)


@pg
@transactional
def test_one_member_scoring_on_two_phones_at_once_holds_one_score_per_item(world, estate):
    round_ = plan_round(world, estate)
    inspection = first_inspection(round_)
    items = list(round_.items.all())
    results = in_threads(
        6,
        lambda i: services.submit_scores(
            actor=Person.objects.get(pk=estate.owner.pk),
            inspection=Inspection.objects.get(pk=inspection.pk),
            scores={item.pk: min(i, item.max_score) for item in items},
        ),
    )
    assert all(isinstance(r, list) for r in results), results
    assert Score.objects.filter(member__person=estate.owner).count() == len(items)


@pg
@transactional
def test_a_score_racing_the_close_is_counted_or_refused(world, estate):
    for n, quarter in enumerate(["2026Q1", "2026Q2", "2026Q3"]):
        round_ = plan_round(world, estate, quarter=quarter)
        inspection = first_inspection(round_)
        items = list(round_.items.all())
        full = {item.pk: item.max_score for item in items}

        def work(
            i: int, pk: int = inspection.pk, round_pk: int = round_.pk, full: dict = full
        ) -> object:
            if i == 0:
                return services.close_round(actor=world.staff, round=round_pk)  # type: ignore[arg-type]
            return services.submit_scores(
                actor=Person.objects.get(pk=estate.owner.pk),
                inspection=Inspection.objects.get(pk=pk),
                scores=full,
            )

        results = in_threads(2, work)
        round_.refresh_from_db()
        assert round_.status == RoundStatus.CLOSED
        stored = Score.objects.filter(member__inspection=inspection).count()
        if isinstance(results[1], Conflict):
            assert results[1].code == "round_not_open" and stored == 0
        else:
            assert stored == len(items)
        counted = Result.objects.get(round=round_, company=inspection.inspected)
        assert counted.panel_members == (1 if stored else 0), n
