"""The redemption race's own machinery: the burst generator against stub servers, reading
the answers, the checks of the outcome and the targets (no Django database, no
``jifen serve``)."""

import asyncio
import json
import threading
import time
from typing import Any

from jifen.bench import loadgen, redeem, runner, serve

STOCK, ATTEMPTS, PRICE = 3, 10, 100


def _stub(seconds: float = 15) -> int:
    port = serve.free_port()
    ready = threading.Event()
    thread = threading.Thread(target=loadgen.stub_server, args=(port, seconds, ready), daemon=True)
    thread.start()
    assert ready.wait(10)
    return port


def test_the_burst_sends_each_request_once_from_one_release_instant() -> None:
    port = _stub()
    answer = loadgen.burst(
        host="127.0.0.1",
        port=port,
        path="/api/v1/shop/redemptions",
        requests=redeem.requests([f"bearer-{i}" for i in range(40)], 7, "t"),
    )
    records = [loadgen.Record(*r) for r in answer["records"]]
    assert [r.index for r in records] == list(range(40))
    assert all(r.status == 201 and not r.error for r in records)
    # Every request is due at the release: latency runs from it to the last byte.
    assert all(r.scheduled == 0.0 for r in records)
    assert all(0 <= r.sent <= answer["release_seconds"] < r.done for r in records)
    assert answer["connections"] == 40
    assert answer["bodies"] == {i: '{"id": 1}' for i in range(40)}


def test_every_connection_is_open_before_any_request_is_written() -> None:
    accepted: list[float] = []
    arrived: list[float] = []
    ready = threading.Event()
    port = serve.free_port()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(time.monotonic())
        head = await reader.readuntil(b"\r\n\r\n")
        arrived.append(time.monotonic())
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        body = json.loads(await reader.readexactly(length))
        key = head.split(b"Idempotency-Key: ")[1].split(b"\r\n")[0].decode()
        text = json.dumps({"id": body["item"], "key": key}).encode()
        writer.write(
            b"HTTP/1.1 409 Conflict\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
            % (len(text), text)
        )
        await writer.drain()
        writer.close()

    def server() -> None:
        async def main() -> None:
            async with await asyncio.start_server(handle, "127.0.0.1", port, backlog=512):
                ready.set()
                await asyncio.sleep(15)

        asyncio.run(main())

    threading.Thread(target=server, daemon=True).start()
    assert ready.wait(10)
    answer = loadgen.burst(
        host="127.0.0.1",
        port=port,
        path="/x",
        requests=redeem.requests([f"b{i}" for i in range(30)], 5, "k"),
    )
    assert len(accepted) == len(arrived) == 30
    assert max(accepted) < min(arrived)
    # Not 2xx: an error with the body's start (no JSON error shape here), no body kept.
    assert all(r[4] == 409 and r[5].startswith("409 ") for r in answer["records"])
    assert answer["bodies"] == {}


def test_a_refused_connection_is_an_error_of_its_own() -> None:
    answer = loadgen.burst(
        host="127.0.0.1",
        port=serve.free_port(),  # nobody listens there
        path="/x",
        requests=redeem.requests(["a", "b"], 1, "k"),
    )
    assert [r[4] for r in answer["records"]] == [0, 0]
    assert all(r[5] == "ConnectionRefusedError" for r in answer["records"])
    assert answer["connections"] == 0


def test_each_request_has_its_own_idempotency_key_and_asks_for_one() -> None:
    made = redeem.requests(["a", "b", "c"], 42, "race-1f")
    assert [body for _bearer, body, _headers in made] == [{"item": 42, "quantity": 1}] * 3
    keys = [headers["Idempotency-Key"] for _bearer, _body, headers in made]
    assert len(set(keys)) == 3
    payload = loadgen._payload("h", 1, "/p", "a", {"item": 1}, {"Idempotency-Key": "k-0"})
    assert b"\r\nIdempotency-Key: k-0\r\n" in payload
    assert b"\r\nAuthorization: Bearer a\r\n" in payload


def test_an_order_id_is_read_from_a_created_answer() -> None:
    assert redeem.order_id('{"id": 12, "code": "ABCD2345"}') == 12
    assert redeem.order_id('{"id": "12"}') is None
    assert redeem.order_id('{"id": true}') is None
    assert redeem.order_id("not json") is None
    assert redeem.order_id("") is None


def _answer(outcomes: list[tuple[int, str]], span: float = 2.0) -> dict[str, Any]:
    records = [
        (i, 0.0, 0.001, span * (i + 1) / len(outcomes), status, error)
        for i, (status, error) in enumerate(outcomes)
    ]
    bodies = {i: json.dumps({"id": 100 + i}) for i, (s, _e) in enumerate(outcomes) if s == 201}
    return {"records": records, "bodies": bodies, "span": span, "release_seconds": 0.002}


def _clean_race() -> dict[str, Any]:
    return _answer([(201, "")] * STOCK + [(409, "409 out_of_stock")] * (ATTEMPTS - STOCK))


def _clean_count(**changes: Any) -> dict[str, Any]:
    counted = {
        "orders": STOCK,
        "order_ids": [100, 101, 102],
        "sold": STOCK,
        "buyers": STOCK,
        "outsiders": 0,
        "stock_left": 0,
        "negative": 0,
        "balance_before": 50_000,
        "balance_after": 50_000 - STOCK * PRICE,
        "transfers": STOCK,
        "transferred": STOCK * PRICE,
        "verify_exit": 0,
        "violations": [],
    }
    return {**counted, **changes}


def _problems(summary: dict[str, Any], counted: dict[str, Any]) -> list[str]:
    return redeem.problems(summary, counted, attempts=ATTEMPTS, stock=STOCK, price=PRICE)


def test_the_summary_sorts_winners_losers_and_everything_else() -> None:
    summary = redeem.summarize(
        _answer(
            [(201, ""), (201, ""), (409, "409 out_of_stock"), (409, "409 out_of_stock")]
            + [(500, "500 error"), (0, "timeout"), (409, "409 insufficient_points"), (200, "")]
        )
    )
    assert (summary["n"], summary["winners"], summary["losers"]) == (8, 2, 2)
    assert summary["others"] == {
        "500 error": 1,
        "timeout": 1,
        "409 insufficient_points": 1,
        "200 (not 201)": 1,
    }
    assert summary["other_count"] == 4
    assert summary["winner_ids"] == [100, 101]
    # Latencies from the release: 0.25, 0.5, ... 2.0 s; completed = with an HTTP answer.
    assert summary["p50"] == 1000.0
    assert summary["p99"] == 2000.0
    assert summary["last_winner"] == 500.0
    assert summary["rps"] == 7 / 2.0
    assert summary["release_ms"] == 2.0


def test_the_winners_places_are_told_as_runs() -> None:
    assert redeem._places(list(range(50))) == "1st–50th"
    assert redeem._places([0, 1, 2, 10, 21, 22]) == "1st–3rd, 11th, 22nd–23rd"
    assert redeem._places(list(range(0, 40, 2))) == "1st, 3rd, 5th, 7th, 9th, … (20 runs)"
    assert redeem._places([]) == "none"


def test_a_clean_race_has_no_problem() -> None:
    assert _problems(redeem.summarize(_clean_race()), _clean_count()) == []


def test_an_oversold_race_is_caught_in_the_answers_and_in_the_database() -> None:
    answer = _answer([(201, "")] * (STOCK + 1) + [(409, "409 out_of_stock")] * (ATTEMPTS - 4))
    found = _problems(
        redeem.summarize(answer),
        _clean_count(
            orders=4,
            order_ids=[100, 101, 102, 103],
            sold=4,
            buyers=4,
            stock_left=0,
            balance_after=50_000 - 4 * PRICE,
            transfers=4,
            transferred=4 * PRICE,
        ),
    )
    assert "4 winners for a stock of 3" in found
    assert "oversold: 4 sold of a stock of 3" in found
    assert any(p.startswith("the racers lost 400 points") for p in found)


def test_a_server_error_in_the_race_is_a_problem() -> None:
    answer = _answer([(201, "")] * STOCK + [(409, "409 out_of_stock")] * 6 + [(500, "500 error")])
    found = _problems(redeem.summarize(answer), _clean_count())
    assert found == ["6 out_of_stock refusals, not 7", "other outcomes: 500 error ×1"]


def test_the_database_must_agree_with_the_answers() -> None:
    summary = redeem.summarize(_clean_race())
    assert _problems(summary, _clean_count(order_ids=[100, 101, 999])) == [
        "the stored orders are not the ones the winners were answered"
    ]
    assert _problems(summary, _clean_count(stock_left=1)) == ["stock left 1 after 3 of 3 sold"]
    assert _problems(summary, _clean_count(buyers=2)) == ["3 orders by 2 people (0 not racers)"]
    assert _problems(summary, _clean_count(negative=1)) == ["1 accounts with a negative balance"]
    assert _problems(summary, _clean_count(transferred=250)) == [
        "3 redemption transfers of 250 points for 3 orders"
    ]
    assert _problems(summary, _clean_count(verify_exit=1, violations=["balance mismatch: x"])) == [
        "jifen verify: 1 violation(s), first: balance mismatch: x"
    ]


def _facts(answer: dict[str, Any], counted: dict[str, Any]) -> dict[str, Any]:
    summary = redeem.summarize(answer)
    return {
        "run": summary,
        "floor": redeem.summarize(_answer([(201, "")] * ATTEMPTS, span=0.01)),
        "warm": redeem.summarize(_answer([(201, "")] * 4)),
        "counted": counted,
        "problems": _problems(summary, counted),
        "server_p50": 12.0,
        "server_p99": 30.0,
        "server_won_p50": 20.0,
        "server_lost_p50": 10.0,
        "clean_stop": True,
        "attempts": ATTEMPTS,
        "stock": STOCK,
        "price": PRICE,
    }


def test_winners_and_losers_are_held_to_the_stock_of_the_run() -> None:
    results = {r.name: r for r in redeem.results(_facts(_clean_race(), _clean_count()))}
    assert set(results) == set(runner.REDEEM_RACE_NAMES)
    runner.apply_targets(results)
    winners, losers = results["redeem_race_winners"], results["redeem_race_losers_out_of_stock"]
    assert (winners.value, winners.target, winners.met) == (3, "== 3", True)
    assert (losers.value, losers.target, losers.met) == (7, "== 7", True)
    for name in (
        "redeem_race_other_errors",
        "redeem_race_stock_left",
        "redeem_race_oversold",
        "redeem_race_verify_violations",
        "redeem_race_inconsistencies",
    ):
        assert (results[name].value, results[name].target, results[name].met) == (0, "== 0", True)
    assert results["redeem_race_p99_ms"].target is None
    assert results["redeem_race_p99_ms"].value == 2000.0


def test_a_lost_race_misses_its_targets() -> None:
    answer = _answer([(201, "")] * 2 + [(409, "409 out_of_stock")] * 7 + [(0, "timeout")])
    counted = _clean_count(
        orders=2,
        order_ids=[100, 101],
        sold=2,
        buyers=2,
        stock_left=1,
        balance_after=50_000 - 2 * PRICE,
        transfers=2,
        transferred=2 * PRICE,
    )
    results = {r.name: r for r in redeem.results(_facts(answer, counted))}
    runner.apply_targets(results)
    assert results["redeem_race_winners"].met is False
    assert results["redeem_race_other_errors"].met is False
    assert results["redeem_race_stock_left"].met is False
    assert results["redeem_race_inconsistencies"].met is False
    assert results["redeem_race_oversold"].met is True
    assert "timeout ×1" in results["redeem_race_other_errors"].note


def test_each_figure_selects_the_one_benchmark() -> None:
    benchmarks = runner._benchmarks()
    for name in ("redeem_race_winners", "redeem_race_p99_ms", "redeem_race"):
        assert [b.key for b in runner.select(benchmarks, [name])] == ["redeem_race"]
    assert runner.Config(quick=True).redeem_attempts == 100
    assert runner.Config(quick=True).redeem_stock == 10
    assert (runner.Config().redeem_attempts, runner.Config().redeem_stock) == (500, 50)


def test_server_times_are_read_from_the_access_log_lines() -> None:
    lines = [
        '127.0.0.1 "POST /api/v1/shop/redemptions" 201 210 23ms',
        '127.0.0.1 "POST /api/v1/shop/redemptions" 409 190 9ms',
        '127.0.0.1 "GET /api/v1/shop/redemptions" 200 20 4ms',
        "[INFO] Booting worker with pid: 12",
    ]
    assert serve.request_times(lines, "POST", "/api/v1/shop/redemptions") == [23.0, 9.0]
    assert serve.request_times(lines, "POST", "/api/v1/shop/redemptions", 409) == [9.0]
    assert serve.request_times(lines, "POST", "/api/v1/shop/redemptions/1/cancel") == []
