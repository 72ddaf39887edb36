"""The arithmetic in hundredths and the ranking's ties, explained."""

from jifen.contests.ranking import Scored, final_score, half_up, mean, rank, sheet_total


def test_a_sheet_total_weighs_each_line_by_its_maximum():
    criteria = [(1, 60, 10), (2, 40, 5)]
    assert sheet_total({1: 10, 2: 5}, criteria) == 10000
    assert sheet_total({1: 0, 2: 0}, criteria) == 0
    # 7/10 × 60 + 3/5 × 40 = 42 + 24 = 66.00
    assert sheet_total({1: 7, 2: 3}, criteria) == 6600
    # 1/3 × 100 = 33.333… → 33.33
    assert sheet_total({1: 1}, [(1, 100, 3)]) == 3333
    # 2/3 × 100 = 66.666… → 66.67 (half up, once)
    assert sheet_total({1: 2}, [(1, 100, 3)]) == 6667


def test_means_and_final_round_half_up():
    assert half_up(1, 2) == 1 and half_up(5, 2) == 3
    assert mean([]) is None
    assert mean([8000, 7001]) == 7501  # 7500.5 → 7501
    assert final_score(8000, 9000, 70, 30) == 8300
    assert final_score(None, 9000, 70, 30) == 2700


def row(entry, total, roadshow=0, live=0, review=0):
    return Scored(entry, f"P{entry:02d}", total, roadshow, live, review)


def test_a_tie_on_the_total_is_broken_by_the_roadshow_and_said_so():
    placed = rank([row(1, 8000, 7900, 8200), row(2, 8000, 8100, 7800), row(3, 9000)])
    assert [(p.entry, p.rank, p.tie_break) for p in placed] == [
        (3, 1, ""),
        (2, 2, "roadshow"),
        (1, 3, "roadshow"),
    ]


def test_then_by_live_then_by_review_and_equal_on_all_the_place_is_shared():
    placed = rank(
        [
            row(1, 8000, 8000, 8000, 7000),
            row(2, 8000, 8000, 8000, 7500),
            row(3, 7000, 7000, 7000, 7000),
            row(4, 7000, 7000, 7000, 7000),
            row(5, 6000),
        ]
    )
    assert [(p.entry, p.rank, p.tie_break) for p in placed] == [
        (2, 1, "review"),
        (1, 2, "review"),
        (3, 3, "shared"),
        (4, 3, "shared"),
        (5, 5, ""),
    ]
