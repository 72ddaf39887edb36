"""The 抢单 race's own reading of answers, its checks and its targets (no database, no
``jifen serve``)."""

import json
from typing import Any

from jifen.bench import accept, runner

ATTEMPTS = 10


def _answer(outcomes: list[tuple[int, str]], winner: int = 7, span: float = 1.0) -> dict[str, Any]:
    records = [
        (i, 0.0, 0.001, span * (i + 1) / len(outcomes), status, error)
        for i, (status, error) in enumerate(outcomes)
    ]
    bodies = {i: json.dumps({"assignee": winner}) for i, (s, _e) in enumerate(outcomes) if s == 200}
    return {"records": records, "bodies": bodies, "span": span, "release_seconds": 0.002}


def _clean() -> dict[str, Any]:
    return _answer([(200, "")] + [(409, accept.REFUSED)] * (ATTEMPTS - 1))


def _counted(**changes: Any) -> dict[str, Any]:
    counted = {
        "status": "assigned",
        "assignee": 7,
        "assignee_racer": True,
        "accepts": 1,
        "accepted_by": [7],
        "events": 3,
    }
    return {**counted, **changes}


def _facts(answer: dict[str, Any], counted: dict[str, Any]) -> dict[str, Any]:
    summary = accept.summarize(answer)
    return {
        "run": summary,
        "floor": accept.summarize(_answer([(200, "")] * ATTEMPTS, span=0.01)),
        "warm": accept.summarize(_answer([(200, "")] + [(409, accept.REFUSED)] * 3)),
        "counted": counted,
        "problems": accept.problems(summary, counted, attempts=ATTEMPTS),
        "server_p50": 10.0,
        "server_p99": 30.0,
        "server_won_ms": 40.0,
        "server_lost_p50": 9.0,
        "clean_stop": True,
        "attempts": ATTEMPTS,
    }


def test_a_clean_race_has_one_winner_and_no_problem() -> None:
    summary = accept.summarize(_clean())
    assert (summary["winners"], summary["losers"], summary["other_count"]) == (1, 9, 0)
    assert summary["winner_assignees"] == [7]
    assert accept.problems(summary, _counted(), attempts=ATTEMPTS) == []


def test_two_winners_or_two_accepts_are_caught() -> None:
    answer = _answer([(200, ""), (200, "")] + [(409, accept.REFUSED)] * 8)
    found = accept.problems(accept.summarize(answer), _counted(accepts=2), attempts=ATTEMPTS)
    assert "2 winners, not 1" in found
    assert "8 already_taken refusals, not 9" in found
    assert "2 accept events, not 1" in found


def test_the_database_must_agree_with_the_winner() -> None:
    summary = accept.summarize(_clean())
    assert accept.problems(summary, _counted(assignee=8, accepted_by=[8]), attempts=ATTEMPTS) == [
        "the winner answered is not the helper stored"
    ]
    assert accept.problems(summary, _counted(status="open"), attempts=ATTEMPTS) == [
        "the request is open, not assigned"
    ]
    assert "other outcomes: 500 server_error ×1" in accept.problems(
        accept.summarize(
            _answer([(200, "")] + [(409, accept.REFUSED)] * 8 + [(500, "500 server_error")])
        ),
        _counted(),
        attempts=ATTEMPTS,
    )


def test_the_figures_and_their_targets() -> None:
    results = {r.name: r for r in accept.results(_facts(_clean(), _counted()))}
    assert set(results) == set(runner.ACCEPT_RACE_NAMES)
    runner.apply_targets(results)
    assert (results["accept_race_winners"].target, results["accept_race_winners"].met) == (
        "== 1",
        True,
    )
    assert results["accept_race_losers_already_taken"].met is True
    assert results["accept_race_p99_ms"].target == "< 500"
    assert results["accept_race_p99_ms"].met is False  # 1,000 ms in this made-up race
    assert results["accept_race_inconsistencies"].met is True


def test_each_figure_selects_the_one_benchmark() -> None:
    benchmarks = runner._benchmarks()
    for name in ("accept_race_winners", "accept_race_p99_ms", "accept_race"):
        assert [b.key for b in runner.select(benchmarks, [name])] == ["accept_race"]
    assert (runner.Config().accept_attempts, runner.Config(quick=True).accept_attempts) == (200, 50)
    assert accept.assignee_of('{"assignee": 3}') == 3
    assert accept.assignee_of('{"assignee": true}') is None
    assert accept.assignee_of("nope") is None
