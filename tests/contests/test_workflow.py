"""The contest's life through its services: stages in order only, entries by leaders
and contacts only, judges' marks within range, own teams refused, abstention, scores
hidden until the setting says, the ranking with its ties explained, the winners' 微实事."""

import pytest

from jifen.audit.models import AuditEvent
from jifen.contests import selectors, services
from jifen.contests.models import (
    Abstention,
    Contest,
    Entry,
    EntryStatus,
    Event,
    Phase,
    Result,
    Score,
    Stage,
    Visibility,
)
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from jifen.projects.models import Project
from tests.contests.conftest import enter_both, marks, score_final, to_final

pytestmark = pytest.mark.django_db


def test_a_new_contest_has_the_eight_default_criteria_and_70_30_weights(world, cast):
    contest = cast.contest
    assert contest.stage == Stage.DRAFT
    criteria = list(contest.criteria.all())
    assert len(criteria) == 8
    assert sum(c.weight for c in criteria) == 100
    assert (contest.roadshow_weight, contest.live_weight) == (70, 30)
    assert [e.step for e in Event.objects.filter(contest=contest)] == ["create"]
    assert AuditEvent.objects.filter(action="contests.create", target_id=contest.pk).exists()


def test_weights_that_do_not_sum_to_100_are_refused(world):
    with pytest.raises(InvalidInput) as caught:
        services.create_contest(
            actor=world.staff, region=world.wenchang, title="x", roadshow_weight=60, live_weight=30
        )
    assert caught.value.code == "weights_not_100"
    with pytest.raises(InvalidInput):
        services.create_contest(
            actor=world.staff,
            region=world.wenchang,
            title="x",
            criteria=[{"name": "a", "weight": 50, "max_score": 10}],
        )
    assert not Contest.objects.exists()


def test_stages_follow_the_table_and_each_is_in_the_history(world, cast):
    contest = cast.contest
    with pytest.raises(Conflict) as caught:
        services.start_review(actor=world.staff, contest=contest)
    assert caught.value.code == "invalid_transition"
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=contest)
    services.start_final(
        actor=world.staff, contest=contest, finalists=[team_entry.pk, unit_entry.pk]
    )
    steps = list(
        Event.objects.filter(contest=contest).values_list("step", "from_stage", "to_stage")
    )
    assert steps == [
        ("create", "", "draft"),
        ("open", "draft", "submission"),
        ("start_review", "submission", "review"),
        ("start_final", "review", "final"),
    ]
    with pytest.raises(Conflict):
        services.open_contest(actor=world.staff, contest=contest)


def test_only_staff_of_the_region_run_the_contest(world, cast):
    for outsider in (world.other_staff, world.reviewer, world.resident):
        with pytest.raises(PermissionDenied):
            services.open_contest(actor=outsider, contest=cast.contest)
    cast.contest.refresh_from_db()
    assert cast.contest.stage == Stage.DRAFT


def test_only_a_leader_or_a_contact_enters_and_only_once(world, cast):
    services.open_contest(actor=world.staff, contest=cast.contest)
    for who, kwargs in (
        (cast.team_member, {"team": cast.team}),
        (cast.unit_member, {"organization": cast.unit}),
        (world.staff, {"team": cast.team}),
    ):
        with pytest.raises(PermissionDenied) as caught:
            services.submit_entry(actor=who, contest=cast.contest, title="x", summary="y", **kwargs)
        assert caught.value.code == "not_entrant"
    services.submit_entry(
        actor=world.resident, contest=cast.contest, team=cast.team, title="a", summary="b"
    )
    with pytest.raises(Conflict) as again:
        services.submit_entry(
            actor=world.resident, contest=cast.contest, team=cast.team, title="a", summary="b"
        )
    assert again.value.code == "already_entered"
    assert Entry.objects.count() == 1


def test_an_entry_outside_the_region_or_before_opening_is_refused(world, cast):
    with pytest.raises(Conflict) as closed:
        services.submit_entry(
            actor=world.resident, contest=cast.contest, team=cast.team, title="a", summary="b"
        )
    assert closed.value.code == "not_open_for_entries"
    services.open_contest(actor=world.staff, contest=cast.contest)
    with pytest.raises(InvalidInput) as elsewhere:
        services.submit_entry(
            actor=world.resident,
            contest=cast.contest,
            team=cast.team,
            community=world.wanmei,
            title="a",
            summary="b",
        )
    assert elsewhere.value.code == "outside_region"


def test_budget_in_yuan_is_kept_in_fen():
    assert services.parse_yuan("12000.5") == 1_200_050
    assert services.parse_yuan(300) == 30_000
    for bad in ("1.001", "-1", "abc", "NaN", "1e20", True):
        with pytest.raises(InvalidInput):
            services.parse_yuan(bad)


def test_marks_out_of_range_are_400_and_nothing_is_written(world, cast):
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    judge = cast.judges[0]
    values = marks(cast.contest, 5)
    first = next(iter(values))
    for bad in (11, -1, 2.5, "5", True):
        with pytest.raises(InvalidInput) as caught:
            services.score(
                actor=judge, entry=unit_entry, phase=Phase.REVIEW, values={**values, first: bad}
            )
        assert caught.value.code == "score_out_of_range"
    with pytest.raises(InvalidInput) as missing:
        services.score(actor=judge, entry=unit_entry, phase=Phase.REVIEW, values={first: 5})
    assert missing.value.code == "score_missing"
    assert not Score.objects.exists()


def test_a_judge_cannot_score_their_own_teams_project(world, cast):
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    own = cast.team_member
    with pytest.raises(PermissionDenied) as caught:
        services.score(
            actor=own, entry=team_entry, phase=Phase.REVIEW, values=marks(cast.contest, 5)
        )
    assert caught.value.code == "own_entry"
    with pytest.raises(PermissionDenied) as not_judge:
        services.score(
            actor=world.staff, entry=unit_entry, phase=Phase.REVIEW, values=marks(cast.contest, 5)
        )
    assert not_judge.value.code == "not_a_judge"
    assert not Score.objects.exists()


def test_a_judge_scores_computes_the_weighted_total_and_changes_it_while_open(world, cast):
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    judge = cast.judges[0]
    sheet = services.score(
        actor=judge, entry=unit_entry, phase=Phase.REVIEW, values=marks(cast.contest, 10)
    )
    assert sheet.total == 10000
    sheet = services.score(
        actor=judge, entry=unit_entry, phase=Phase.REVIEW, values=marks(cast.contest, 7)
    )
    assert (sheet.total, sheet.changes) == (7000, 1)
    services.start_final(actor=world.staff, contest=cast.contest)
    with pytest.raises(Conflict) as closed:
        services.score(
            actor=judge, entry=unit_entry, phase=Phase.REVIEW, values=marks(cast.contest, 9)
        )
    assert closed.value.code == "phase_closed"
    assert Score.objects.get().total == 7000


def test_abstention_is_recorded_withdraws_the_open_sheet_and_blocks_scoring(world, cast):
    team_entry, unit_entry = to_final(world, cast)
    judge = cast.judges[1]
    services.score(
        actor=judge, entry=unit_entry, phase=Phase.ROADSHOW, values=marks(cast.contest, 8)
    )
    services.abstain(actor=judge, entry=unit_entry, reason="曾在该社工站兼职")
    assert Abstention.objects.filter(judge=judge, entry=unit_entry).exists()
    assert not Score.objects.filter(judge=judge, entry=unit_entry).exists()
    event = AuditEvent.objects.get(action="contests.abstain")
    assert event.before == {"scores": {"roadshow": 8000}}
    with pytest.raises(Conflict) as caught:
        services.score(
            actor=judge, entry=unit_entry, phase=Phase.LIVE, values=marks(cast.contest, 8)
        )
    assert caught.value.code == "abstained"


@pytest.mark.parametrize(
    ("visibility", "before_own", "after_own", "after_close"),
    [
        (Visibility.NEVER, False, False, False),
        (Visibility.AFTER_OWN, False, True, True),
        (Visibility.AFTER_CLOSE, False, False, True),
    ],
)
def test_other_judges_scores_are_shown_as_the_phase_setting_says(
    world, cast, visibility, before_own, after_own, after_close
):
    services.update_contest(actor=world.staff, contest=cast.contest, score_visibility=visibility)
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    a, b, _own = cast.judges
    services.score(actor=a, entry=unit_entry, phase=Phase.REVIEW, values=marks(cast.contest, 9))
    contest = Contest.objects.get(pk=cast.contest.pk)

    def sees() -> bool:
        rows = selectors.visible_sheets(b, contest, unit_entry, Phase.REVIEW)
        return any(s.judge_id == a.pk for s in rows)

    assert sees() is before_own
    services.score(actor=b, entry=unit_entry, phase=Phase.REVIEW, values=marks(cast.contest, 6))
    assert sees() is after_own
    services.start_final(actor=world.staff, contest=cast.contest)
    contest = Contest.objects.get(pk=cast.contest.pk)
    assert sees() is after_close
    # Staff always see every sheet.
    assert len(selectors.visible_sheets(world.staff, contest, unit_entry, Phase.REVIEW)) == 2


def test_publishing_needs_every_score_then_ranks_freezes_and_makes_the_winners_projects(
    world, cast
):
    team_entry, unit_entry = to_final(world, cast)
    with pytest.raises(Conflict) as caught:
        services.publish(actor=world.staff, contest=cast.contest)
    assert caught.value.code == "scores_missing"
    score_final(cast, team_entry, unit_entry)
    results = services.publish(actor=world.staff, contest=cast.contest)
    assert [(r.entry_id, r.rank) for r in results] == [(team_entry.pk, 1), (unit_entry.pk, 2)]
    top = results[0]
    # Team: judges 9 and 8 of 10 on every line → 90.00 and 80.00 → mean 85.00 both phases.
    assert (top.roadshow, top.live, top.total) == (8500, 8500, 8500)
    # Unit: 80, 70 and the third judge's 60 → 70.00.
    assert results[1].total == 7000 and results[1].judges == 3
    contest = Contest.objects.get(pk=cast.contest.pk)
    assert contest.stage == Stage.PUBLISHED and contest.published_at is not None
    projects = Project.objects.filter(source="contest").order_by("id")
    assert projects.count() == 2  # both are among the three winners
    team_project = projects.get(title="河道清洁行动")
    assert team_project.community_id == world.wenchang.pk
    assert team_project.budget_fen == 1_200_000
    assert team_project.source_ref == f"contest:{contest.pk}/entry:{team_entry.pk}"
    assert list(team_project.milestones.values_list("title", flat=True)) == [
        "招募志愿者",
        "完成十次清理",
    ]
    unit_project = projects.get(title="长者助餐")
    assert unit_project.lead_organization_id == cast.unit.pk
    team_entry.refresh_from_db()
    assert team_entry.project_id == team_project.pk
    # Frozen: a later change of a sheet (impossible through the services) does not move it.
    Score.objects.filter(entry=unit_entry).update(total=10000)
    assert [s.total for s in selectors.standings(contest)] == [8500, 7000]


def test_a_failed_project_rolls_the_publication_back(world, cast, monkeypatch):
    team_entry, unit_entry = to_final(world, cast)
    score_final(cast, team_entry, unit_entry)
    from jifen.projects import services as projects

    def broken(**kwargs):
        raise InvalidInput("no")

    monkeypatch.setattr(projects, "create_project", broken)
    with pytest.raises(InvalidInput):
        services.publish(actor=world.staff, contest=cast.contest)
    assert Contest.objects.get(pk=cast.contest.pk).stage == Stage.FINAL
    assert not Result.objects.exists()


def test_only_the_chosen_finalists_go_on(world, cast):
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    services.start_final(actor=world.staff, contest=cast.contest, finalists=[unit_entry.pk])
    team_entry.refresh_from_db()
    unit_entry.refresh_from_db()
    assert (team_entry.status, unit_entry.status) == (
        EntryStatus.NOT_SELECTED,
        EntryStatus.FINALIST,
    )
    with pytest.raises(Conflict):
        services.score(
            actor=cast.judges[0],
            entry=team_entry,
            phase=Phase.ROADSHOW,
            values=marks(cast.contest, 5),
        )


def test_judge_and_staff_to_do(world, cast):
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    a, _b, own = cast.judges
    assert selectors.judge_todo(a).count == 2
    assert selectors.judge_todo(own).count == 1  # their own team's is not theirs to score
    services.score(actor=a, entry=unit_entry, phase=Phase.REVIEW, values=marks(cast.contest, 5))
    assert selectors.judge_todo(a).count == 1
    assert selectors.staff_todo(world.staff).count == 0
    Contest.objects.filter(pk=cast.contest.pk).update(review_ends_on="2026-01-01")
    late = selectors.staff_todo(world.staff)
    assert late.count == 1 and late.oldest_at is not None
    assert selectors.staff_todo(world.other_staff).count == 0
