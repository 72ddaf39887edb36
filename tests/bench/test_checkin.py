"""The check-in burst's own machinery: the load generator against its stub server, the
percentiles and the count targets (no Django database, no ``jifen serve``)."""

import threading

from jifen.bench import checkin, loadgen, runner


def test_the_generator_sends_each_request_once_at_its_scheduled_time() -> None:
    port = checkin._free_port()
    ready = threading.Event()
    stub = threading.Thread(target=loadgen.stub_server, args=(port, 15, ready), daemon=True)
    stub.start()
    assert ready.wait(10)
    answer = loadgen.generate(
        host="127.0.0.1",
        port=port,
        path="/api/v1/activities/1/checkin",
        bearers=[f"bearer-{i}" for i in range(50)],
        qr_tokens=checkin._stub_tokens(5),
        rate=100,
    )
    records = [loadgen.Record(*r) for r in answer["records"]]
    assert [r.index for r in records] == list(range(50))
    assert all(r.status == 201 and not r.error for r in records)
    # Open loop: request i is due at i / rate, whatever came back before.
    assert [round(r.scheduled, 6) for r in records] == [round(i / 100, 6) for i in range(50)]
    assert all(r.done > r.sent >= r.scheduled - 0.001 for r in records)
    # The stub closes every connection after one answer, as gunicorn's sync workers do.
    assert answer["connections"] == 50
    assert 0.49 <= answer["span"] < 10


def test_a_refused_or_unreachable_request_is_an_error() -> None:
    port = checkin._free_port()  # nobody listens there
    answer = loadgen.generate(
        host="127.0.0.1",
        port=port,
        path="/x",
        bearers=["a", "b"],
        qr_tokens=checkin._stub_tokens(5),
        rate=50,
    )
    assert [r[4] for r in answer["records"]] == [0, 0]
    assert all(r[5] == "ConnectionRefusedError" for r in answer["records"])


def test_percentiles_are_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert checkin._percentile(values, 0.50) == 50
    assert checkin._percentile(values, 0.99) == 99
    assert checkin._percentile([7.0], 0.99) == 7


def test_errors_and_duplicates_meet_their_target_only_at_zero() -> None:
    results = {
        name: runner.Result(name, value, "count")
        for name, value in (("checkin_burst_errors", 0.0), ("checkin_burst_duplicates", 1.0))
    }
    results["checkin_burst_p99_ms"] = runner.Result("checkin_burst_p99_ms", 150.0, "ms")
    runner.apply_targets(results)
    assert results["checkin_burst_errors"].met is True
    assert results["checkin_burst_errors"].target == "== 0"
    assert results["checkin_burst_duplicates"].met is False
    assert results["checkin_burst_p99_ms"].met is True


def test_each_figure_selects_the_one_benchmark() -> None:
    benchmarks = runner._benchmarks()
    for name in ("checkin_burst_p99_ms", "checkin_burst_errors", "checkin_burst"):
        assert [b.key for b in runner.select(benchmarks, [name])] == ["checkin_burst"]
