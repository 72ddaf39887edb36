"""``accept_race_*``: 200 volunteers take the same open request at once (抢单) through the
HTTP API of ``jifen serve`` on PostgreSQL.

200 volunteers (50 with ``--quick``) of one community each send one
``POST /api/v1/requests/{id}/accept`` with their own bearer token, all at the same
instant, for one open request. Exactly one must win (200, the request assigned to
them); every other attempt must be refused with 409 ``already_taken``; and the database
must agree: the request ``assigned`` to the winner, one ``accept`` in its history.

Shaped as ``redeem`` (the redemption race), whose machinery it shares:

- A scratch PostgreSQL database is migrated and seeded in bulk (``seed scale``: one
  community of volunteers), then through the services: a line of the service menu, a
  staff member, a resident's request published (open) and a second one for the warm-up;
  an API token per volunteer; ``VACUUM (ANALYZE)`` and a checkpoint.
- ``jifen serve`` is started as in production (``jifen.bench.serve.Server``).
- Warm-up: 20 other volunteers race the same way for the second request (one wins, the
  rest hear ``already_taken``), so that every worker has run both answers and holds its
  database connection; not counted.
- The race comes from another process (``jifen.bench.loadgen.burst``): every connection
  opened first, every request written in one pass, latency from that release to the last
  byte of the answer (60 s timeout). The same burst against a stub server first
  (``accept_race_loadgen_p99_ms``): what the generator and the loopback cost alone.
- CPU of the server's workers and of the database's backends during the race, per
  request answered (``accept_race_server_cpu_ms``, ``accept_race_pg_cpu_ms``).
"""

import json
import secrets
import time
from collections import Counter
from typing import Any

from jifen.bench import child, loadgen
from jifen.bench.redeem import _exactly, _places, calibrate
from jifen.bench.runner import Context, Result
from jifen.bench.serve import Server, issue_tokens, percentile

WARM_UP = 20
TIMEOUT = 60.0
REFUSED = "409 already_taken"
MENU_CODE = "BENCH-REPAIR"


def path_of(request_id: int) -> str:
    return f"/api/v1/requests/{request_id}/accept"


# --- In a child, against the scratch database ------------------------------------------------


def prepare(attempts: int, warm_up: int) -> dict[str, Any]:
    """(In a child.) The volunteers and their tokens, the open request and the warm-up's."""
    from django.db import connection

    from jifen.demo.seed_scale import RULE_CODE, seed_scale
    from jifen.people.models import Person, Role
    from jifen.people.services import grant_role
    from jifen.points.models import RuleItem
    from jifen.regions.models import Region
    from jifen.requests import services

    # Two more: the resident who asks and the staff member who publishes.
    seed_scale(attempts + warm_up + 2, months=1, communities=1)
    community = Region.objects.get(code="SCALE-C0001")
    people = list(Person.objects.filter(community=community).order_by("pk"))
    requester, staff = people[0], people[1]
    racers = [p.pk for p in people[2 : 2 + attempts]]
    warmers = [p.pk for p in people[2 + attempts :]]
    grant_role(actor=None, person=staff, role=Role.STAFF, region=community)
    services.save_menu_item(
        actor=None,
        region=community,
        code=MENU_CODE,
        name="家电维修",
        group="生活帮扶",
        rule_item=RuleItem.objects.get(code=RULE_CODE),
        points=10,
        max_points=30,
    )

    def opened(title: str) -> int:
        asked = services.submit_request(
            actor=requester,
            community=community,
            category=MENU_CODE,
            title=title,
            address="江滨花园 3 栋 201",
        )
        return services.publish(actor=staff, request=asked).pk

    request_id, warm_id = opened("电饭煲坏了"), opened("预热")
    raw = issue_tokens(racers + warmers)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return {
        "request": request_id,
        "warm_request": warm_id,
        "racers": racers,
        "bearers": [raw[pk] for pk in racers],
        "warm_bearers": [raw[pk] for pk in warmers],
    }


def count(request_id: int, racers: list[int]) -> dict[str, Any]:
    """(In a child.) What the database holds after the race."""
    from jifen.requests.models import Event, ServiceRequest

    request = ServiceRequest.objects.get(pk=request_id)
    accepts = Event.objects.filter(request_id=request_id, step="accept")
    return {
        "status": request.status,
        "assignee": request.assignee_id,
        "assignee_racer": request.assignee_id in set(racers),
        "accepts": accepts.count(),
        "accepted_by": list(accepts.values_list("actor_id", flat=True)),
        "events": Event.objects.filter(request_id=request_id).count(),
    }


# --- Reading the answers (pure) ---------------------------------------------------------------


def assignee_of(body: str) -> int | None:
    """The ``assignee`` a winner was answered; None when unreadable."""
    try:
        value = json.loads(body)["assignee"]
    except (ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def summarize(answer: dict[str, Any]) -> dict[str, Any]:
    """Winners (200), losers refused as ``already_taken`` (409), every other outcome by
    what it was, latencies from the release (ms)."""
    records = [loadgen.Record(*r) for r in answer["records"]]
    winners = [r for r in records if r.status == 200]
    losers = [r for r in records if r.status == 409 and r.error == REFUSED]
    others: Counter[str] = Counter()
    for r in records:
        if r.status == 200 or (r.status == 409 and r.error == REFUSED):
            continue
        others[r.error or f"{r.status} (not 200)"] += 1
    latencies = [r.latency * 1000 for r in records]
    span = float(answer["span"])
    answered = sum(1 for r in records if r.status)
    bodies = {int(k): v for k, v in answer.get("bodies", {}).items()}
    cpu = answer.get("cpu", {})
    return {
        "n": len(records),
        "winners": len(winners),
        "losers": len(losers),
        "others": dict(others),
        "other_count": sum(others.values()),
        "winner_assignees": [assignee_of(bodies.get(r.index, "")) for r in winners],
        "winner_places": sorted(r.index for r in winners),
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies, default=float("nan")),
        "losers_p99": percentile([r.latency * 1000 for r in losers], 0.99),
        "winner_ms": max((r.latency * 1000 for r in winners), default=float("nan")),
        "rps": answered / span if span > 0 else 0.0,
        "span": span,
        "release_ms": 1000 * float(answer.get("release_seconds", 0.0)),
        "connect_ms": 1000 * float(answer.get("connect_seconds", 0.0)),
        "gen_cpu": 100 * answer.get("cpu_seconds", 0.0) / span if span > 0 else 0.0,
        "cpu": {k: 100 * v / span for k, v in cpu.items()} if span > 0 else {},
        "per_request": {k: 1000 * v / answered for k, v in cpu.items()} if answered else {},
        "connections": int(answer.get("connections", 0)),
    }


def problems(summary: dict[str, Any], counted: dict[str, Any], *, attempts: int) -> list[str]:
    """Every way the race and the database differ from what must hold: one winner, every
    other attempt ``already_taken``, the request assigned to that winner with one
    ``accept`` in its history. Empty when all holds."""
    found = []
    if summary["n"] != attempts:
        found.append(f"{summary['n']} answers recorded for {attempts} attempts")
    if summary["winners"] != 1:
        found.append(f"{summary['winners']} winners, not 1")
    if summary["losers"] != attempts - 1:
        found.append(f"{summary['losers']} already_taken refusals, not {attempts - 1}")
    if summary["other_count"]:
        other = ", ".join(f"{k} ×{v}" for k, v in sorted(summary["others"].items()))
        found.append(f"other outcomes: {other}")
    if counted["status"] != "assigned":
        found.append(f"the request is {counted['status']}, not assigned")
    if counted["accepts"] != 1:
        found.append(f"{counted['accepts']} accept events, not 1")
    if not counted["assignee_racer"]:
        found.append("the request's helper is not one of the racers")
    if summary["winner_assignees"] and summary["winner_assignees"] != [counted["assignee"]]:
        found.append("the winner answered is not the helper stored")
    if counted["accepted_by"] and counted["accepted_by"] != [counted["assignee"]]:
        found.append("the accept event is not the helper's")
    return found


Request = tuple[str, dict[str, Any], dict[str, str]]


def requests(bearers: list[str]) -> list[Request]:
    """One accept per bearer token (the body is empty: the caller takes it)."""
    return [(bearer, {}, {}) for bearer in bearers]


# --- Running it --------------------------------------------------------------------------------


def race(ctx: Context, *, attempts: int, workers: int | None = None) -> dict[str, Any]:
    """The whole benchmark; every figure and the facts behind the notes."""
    assert ctx.pg is not None  # noqa: S101 - the runner skips this without PostgreSQL
    name = ctx.pg.create("accept")
    url = ctx.pg.url(name)
    try:
        started = time.monotonic()
        data = child.run(
            url, "jifen.bench.accept:prepare", timeout=1800, attempts=attempts, warm_up=WARM_UP
        )
        ctx.say(
            f"  seeded {attempts:,} volunteers and an open request in "
            f"{time.monotonic() - started:.1f} s"
        )
        ctx.pg.checkpoint()
        floor = summarize(calibrate(url, attempts))
        ctx.say(f"  generator alone: p50 {floor['p50']:.2f} ms, p99 {floor['p99']:.2f} ms")
        path, warm_path = path_of(data["request"]), path_of(data["warm_request"])
        server = Server(url, secrets.token_urlsafe(50), workers)
        try:
            server.wait_ready()
            ctx.say(f"  jifen serve up on port {server.port}, {server.workers()} workers")
            warm = summarize(
                child.run(
                    url,
                    "jifen.bench.loadgen:burst",
                    timeout=300,
                    host="127.0.0.1",
                    port=server.port,
                    path=warm_path,
                    requests=requests(data["warm_bearers"]),
                    request_timeout=TIMEOUT,
                )
            )
            answer = child.run(
                url,
                "jifen.bench.loadgen:burst",
                timeout=TIMEOUT + 300,
                host="127.0.0.1",
                port=server.port,
                path=path,
                requests=requests(data["bearers"]),
                request_timeout=TIMEOUT,
                server_pid=server.process.pid,
                database=name,
            )
        finally:
            clean = server.stop()
            server_ms = server.server_times("POST", path)
            won_ms = server.server_times("POST", path, 200)
            lost_ms = server.server_times("POST", path, 409)
            server.remove()
        counted = child.run(
            url, "jifen.bench.accept:count", request_id=data["request"], racers=data["racers"]
        )
    finally:
        ctx.pg.drop(name)
    summary = summarize(answer)
    return {
        "run": summary,
        "floor": floor,
        "warm": warm,
        "counted": counted,
        "problems": problems(summary, counted, attempts=attempts),
        "server_p50": percentile(server_ms, 0.50),
        "server_p99": percentile(server_ms, 0.99),
        "server_won_ms": percentile(won_ms, 0.50),
        "server_lost_p50": percentile(lost_ms, 0.50),
        "clean_stop": clean,
        "attempts": attempts,
    }


def run(ctx: Context) -> list[Result]:
    return results(race(ctx, attempts=ctx.config.accept_attempts))


def results(facts: dict[str, Any]) -> list[Result]:
    """The figures of one race (``race``'s facts)."""
    r, floor, counted, warm = facts["run"], facts["floor"], facts["counted"], facts["warm"]
    attempts = facts["attempts"]
    cpu, per = r["cpu"], r["per_request"]
    nan = float("nan")
    others = ", ".join(f"{k} ×{v}" for k, v in sorted(r["others"].items())) or "none"
    found = facts["problems"]
    machine = 100 - 100 * cpu["machine_idle"] / cpu["machine_total"] if cpu else nan
    share = (
        f"CPU over the race, % of one core: workers {cpu.get('server', nan):.0f}, their "
        f"database backends {cpu.get('postgres', nan):.0f}, generator {r['gen_cpu']:.0f}; "
        f"machine {machine:.0f} % busy (both CPUs, anyone's work)"
    )
    return [
        _exactly(
            "accept_race_winners",
            float(r["winners"]),
            "count",
            1,
            note=f"answered 200; {attempts:,} volunteers released at once for one open "
            f"request; the winner was the {_places(r['winner_places'])} written; the request "
            f"is {counted['status']} with {counted['accepts']} accept event(s)",
        ),
        _exactly(
            "accept_race_losers_already_taken",
            float(r["losers"]),
            "count",
            attempts - 1,
            note="answered 409 already_taken",
        ),
        Result(
            "accept_race_other_errors",
            float(r["other_count"]),
            "count",
            note=f"any other answer, connection error or timeout: {others}; warm-up: "
            f"{warm['winners']}/{warm['n']} won; server stopped "
            f"{'cleanly' if facts['clean_stop'] else 'by SIGKILL'}",
        ),
        Result(
            "accept_race_rps",
            r["rps"],
            "requests/s",
            note=f"{r['n'] - r['other_count']:,} answered over {r['span']:.2f} s from the "
            f"release; the winner answered at {r['winner_ms']:.0f} ms",
        ),
        Result(
            "accept_race_p50_ms",
            r["p50"],
            "ms",
            note="from the release to the last byte; server-side (access log) p50 "
            f"{facts['server_p50']:.0f} ms: {facts['server_won_ms']:.0f} ms for the win, "
            f"{facts['server_lost_p50']:.0f} ms for an already_taken",
        ),
        Result(
            "accept_race_p99_ms",
            r["p99"],
            "ms",
            note=f"max {r['max']:.0f} ms; losers' p99 {r['losers_p99']:.0f} ms; server-side "
            f"p99 {facts['server_p99']:.0f} ms; {r['connections']} connections opened in "
            f"{r['connect_ms']:.0f} ms, all written in {r['release_ms']:.1f} ms",
        ),
        Result(
            "accept_race_inconsistencies",
            float(len(found)),
            "count",
            note="; ".join(found) or "every check of the answers and the database holds",
        ),
        Result(
            "accept_race_server_cpu_ms",
            per.get("server"),
            "ms",
            note=f"gunicorn workers' CPU per request answered; {share}",
        ),
        Result(
            "accept_race_pg_cpu_ms",
            per.get("postgres"),
            "ms",
            note="CPU of the scratch database's PostgreSQL backends per request answered",
        ),
        Result(
            "accept_race_loadgen_p99_ms",
            floor["p99"],
            "ms",
            note=f"the generator alone, the same burst against a stub answering at once: "
            f"p50 {floor['p50']:.2f} ms, written in {floor['release_ms']:.1f} ms",
        ),
    ]
