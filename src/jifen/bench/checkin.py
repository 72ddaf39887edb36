"""``checkin_burst_*``: a check-in burst through the HTTP API of ``jifen serve`` on PostgreSQL.

9,000 volunteers (3,000 with ``--quick``) check in to one large activity at a
sustained 300 check-ins per second for 30 s (10 s with ``--quick``), each
``POST /api/v1/activities/{id}/checkin`` with their own bearer token and the
activity's rotating QR token, each volunteer once.

- A scratch PostgreSQL database is migrated and seeded in bulk: one community
  (``seed scale``: people with unusable passwords, their accounts and a month of
  history), an API token per volunteer stored as ``jifen.people.auth`` stores them
  (the SHA-256 only; the plaintext stays with the load generator), the seeded rule
  item, one published activity with capacity 9,000 whose window contains the run,
  and all 9,000 signed up (confirmed).
- ``jifen serve`` is started in a subprocess exactly as in production: gunicorn,
  sync workers (2 × CPU + 1 unless ``workers`` is given), ``JIFEN_DEBUG`` off, on a
  free 127.0.0.1 port, its environment pointing at the scratch database, a secret
  key of its own and a temporary data directory.
- The QR token of each 30-second period of the run is computed here, with the
  server's secret key and the activity's secret (``jifen.activities.tokens.make``);
  the generator picks the one of the moment at each send, as a phone reads the
  screen.
- The load comes from another process (``jifen.bench.loadgen``): open loop, request
  ``i`` sent at ``t0 + i / 300``, latency from that scheduled time to the last byte
  of the answer. 60 other volunteers first check in to a second activity (warm-up,
  not counted). Errors are any non-2xx answer, connection error or timeout (30 s).
- Before, the same generator runs for a few seconds against a stub server that
  answers at once (``checkin_burst_loadgen_p99_ms``): the generator's and the
  loopback's own share of the latency, and its CPU.
- Afterwards the attendances are counted in the database: duplicates are people
  with more than one attendance row (the unique constraint should make it 0).
- CPU over the run (from /proc): the gunicorn workers' and the scratch database's
  backends', each per check-in (``checkin_burst_server_cpu_ms``,
  ``checkin_burst_pg_cpu_ms``), the generator's, and how busy the whole machine was.
  On 2 vCPUs their sum per check-in bounds the rate: 2,000 ms / (sum) per second.
"""

import secrets
import time
from typing import Any

from jifen.bench import child, loadgen, serve
from jifen.bench.runner import Context, Result
from jifen.bench.serve import Server, issue_tokens

# The names this module had before they moved to bench.serve (its tests use them).
_free_port = serve.free_port
_percentile = serve.percentile

RATE = 300  # check-ins per second, offered
WARM_UP = 60
ACTIVITY_TITLE = "签到压力测试"


# --- In a child, against the scratch database ------------------------------------------------


def prepare(volunteers: int, warm_up: int) -> dict[str, Any]:
    """(In a child.) Seed the community, its tokens, the activities and the signups."""
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from jifen.activities.models import Activity, Signup, SignupStatus, Status
    from jifen.demo.seed_scale import RULE_CODE, seed_scale
    from jifen.people.models import Person
    from jifen.points.models import RuleItem
    from jifen.regions.models import Region

    # The volunteers, the warm-up volunteers, and the organiser.
    seed_scale(volunteers + warm_up + 1, months=1, communities=1)
    community = Region.objects.get(code="SCALE-C0001")
    ids = list(
        Person.objects.filter(community=community).order_by("pk").values_list("pk", flat=True)
    )
    runners, warmers, organiser = ids[:volunteers], ids[volunteers:-1], ids[-1]
    item = RuleItem.objects.get(code=RULE_CODE)
    now = timezone.now()
    with transaction.atomic():

        def activity(title: str, capacity: int) -> Activity:
            return Activity.objects.create(
                title=title,
                region=community,
                place="社区广场",
                rule_item=item,
                starts_at=now - timedelta(minutes=10),
                ends_at=now + timedelta(hours=3),
                capacity=capacity,
                organiser_id=organiser,
                approved_by_id=organiser,
                status=Status.PUBLISHED,
            )

        main, warm = activity(ACTIVITY_TITLE, volunteers), activity("预热", warm_up)
        Signup.objects.bulk_create(
            [Signup(activity=main, person_id=pk, status=SignupStatus.CONFIRMED) for pk in runners]
            + [
                Signup(activity=warm, person_id=pk, status=SignupStatus.CONFIRMED) for pk in warmers
            ],
            batch_size=2000,
        )
        raw = issue_tokens(runners + warmers)
    with connection.cursor() as cursor:
        # Statistics as a database in service has them (autovacuum would analyse later).
        cursor.execute("ANALYZE")
    return {
        "activity": main.pk,
        "secret": main.qr_secret,
        "warm_activity": warm.pk,
        "warm_secret": warm.qr_secret,
        "bearers": [raw[pk] for pk in runners],
        "warm_bearers": [raw[pk] for pk in warmers],
    }


def count(activity_id: int) -> dict[str, int]:
    """(In a child.) Attendances of the activity, and people with more than one row."""
    from django.db.models import Count

    from jifen.activities.models import Attendance

    rows = Attendance.objects.filter(activity_id=activity_id)
    twice = rows.values("person").annotate(n=Count("id")).filter(n__gt=1)
    people = rows.values("person")
    # Anywhere: any of these people with more than one attendance open or closed.
    anywhere = (
        Attendance.objects.filter(person__in=people)
        .values("person")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    return {
        "rows": rows.count(),
        "people": people.distinct().count(),
        "duplicates": twice.count(),
        "duplicates_anywhere": anywhere.count(),
    }


# --- Measuring ---------------------------------------------------------------------------------


def qr_schedule(activity_id: int, secret: str, secret_key: str, seconds: float) -> dict[int, str]:
    """The activity's QR token for each 30-second period from now to well after the run."""
    from django.conf import settings
    from django.test import override_settings

    from jifen.activities import tokens

    now = time.time()
    periods = range(tokens.current_period(now) - 1, tokens.current_period(now + seconds) + 1)
    if settings.configured:
        with override_settings(SECRET_KEY=secret_key):
            return {p: tokens.make(activity_id, secret, now=p * tokens.PERIOD) for p in periods}
    settings.configure(SECRET_KEY=secret_key)
    return {p: tokens.make(activity_id, secret, now=p * tokens.PERIOD) for p in periods}


def _stub_tokens(seconds: float) -> dict[int, str]:
    first = int(time.time() // loadgen.TOKEN_PERIOD) - 1
    return {first + n: "stub" for n in range(int(seconds // loadgen.TOKEN_PERIOD) + 20)}


def calibrate(url: str, seconds: float) -> dict[str, Any]:
    """The generator alone: the same rate against a stub that answers at once."""
    port = _free_port()
    ready = child.SPAWN.Event()
    stub = child.SPAWN.Process(
        target=loadgen.stub_server, args=(port, seconds + 600, ready), daemon=True
    )
    stub.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the stub server did not start")
        answer: dict[str, Any] = child.run(
            url,
            "jifen.bench.loadgen:generate",
            timeout=seconds + 300,
            host="127.0.0.1",
            port=port,
            path="/stub",
            bearers=[f"stub{i}" for i in range(int(RATE * seconds))],
            qr_tokens=_stub_tokens(seconds),
            rate=RATE,
        )
        return answer
    finally:
        stub.terminate()
        stub.join(timeout=5)


def _summary(answer: dict[str, Any]) -> dict[str, Any]:
    records = [loadgen.Record(*r) for r in answer["records"]]
    ok = [r for r in records if not r.error]
    errors: dict[str, int] = {}
    for r in records:
        if r.error:
            errors[r.error] = errors.get(r.error, 0) + 1
    latencies = [r.latency * 1000 for r in records]
    lags = [(r.sent - r.scheduled) * 1000 for r in records]
    span = answer["span"]
    answered = sum(1 for r in records if r.status)
    return {
        "n": len(records),
        "ok": len(ok),
        "errors": errors,
        "rate": len(ok) / span if span > 0 else 0.0,
        "span": span,
        "p50": _percentile(latencies, 0.50),
        "p99": _percentile(latencies, 0.99),
        "max": max(latencies, default=float("nan")),
        "lag_p99": _percentile(lags, 0.99),
        "lag_max": max(lags, default=float("nan")),
        "gen_cpu": 100 * answer["cpu_seconds"] / span if span > 0 else 0.0,
        "cpu": {k: 100 * v / span for k, v in answer.get("cpu", {}).items()},
        # CPU per request (ms): what each check-in cost the server and the database.
        "per_request": {
            k: 1000 * v / answered for k, v in answer.get("cpu", {}).items() if answered
        },
        "connections": answer["connections"],
    }


def burst(
    ctx: Context, *, volunteers: int, seconds: float, workers: int | None = None
) -> dict[str, Any]:
    """The whole benchmark; every figure and the facts behind the notes."""
    assert ctx.pg is not None  # noqa: S101 - the runner skips this without PostgreSQL
    name = ctx.pg.create("checkin")
    url = ctx.pg.url(name)
    try:
        started = time.monotonic()
        data = child.run(
            url, "jifen.bench.checkin:prepare", timeout=1800, volunteers=volunteers, warm_up=WARM_UP
        )
        ctx.say(f"  seeded {volunteers:,} volunteers in {time.monotonic() - started:.1f} s")
        floor = _summary(calibrate(url, min(seconds, 10.0)))
        ctx.say(
            f"  generator alone: p50 {floor['p50']:.2f} ms, p99 {floor['p99']:.2f} ms, "
            f"CPU {floor['gen_cpu']:.0f} % of one core"
        )
        secret_key = secrets.token_urlsafe(50)
        qr = qr_schedule(data["activity"], data["secret"], secret_key, seconds + 600)
        warm_qr = qr_schedule(data["warm_activity"], data["warm_secret"], secret_key, 600)
        server = Server(url, secret_key, workers)
        try:
            server.wait_ready()
            ctx.say(f"  jifen serve up on port {server.port}, {server.workers()} workers")
            # Other volunteers check in to another activity first, so that each worker
            # has imported and compiled the request path; not counted.
            warm_answer = child.run(
                url,
                "jifen.bench.loadgen:generate",
                timeout=300,
                host="127.0.0.1",
                port=server.port,
                path=f"/api/v1/activities/{data['warm_activity']}/checkin",
                bearers=data["warm_bearers"],
                qr_tokens=warm_qr,
                rate=50,
            )
            warm = _summary(warm_answer)
            answer = child.run(
                url,
                "jifen.bench.loadgen:generate",
                timeout=seconds + 600,
                host="127.0.0.1",
                port=server.port,
                path=f"/api/v1/activities/{data['activity']}/checkin",
                bearers=data["bearers"],
                qr_tokens=qr,
                rate=RATE,
                server_pid=server.process.pid,
                database=name,
            )
        finally:
            clean = server.stop()
            server_ms = server.server_times(
                "POST", f"/api/v1/activities/{data['activity']}/checkin"
            )
            server.remove()
        counted = child.run(url, "jifen.bench.checkin:count", activity_id=data["activity"])
    finally:
        ctx.pg.drop(name)
    return {
        "records": answer["records"],
        "run": _summary(answer),
        "floor": floor,
        "warm": warm,
        "counted": counted,
        "server_p50": _percentile(server_ms, 0.50),
        "server_p99": _percentile(server_ms, 0.99),
        "server_logged": len(server_ms),
        "clean_stop": clean,
        "volunteers": volunteers,
        "seconds": seconds,
    }


def run(ctx: Context) -> list[Result]:
    seconds = ctx.config.checkin_seconds
    volunteers = int(RATE * seconds)
    facts = burst(ctx, volunteers=volunteers, seconds=seconds)
    r, floor, counted = facts["run"], facts["floor"], facts["counted"]
    cpu, per = r["cpu"], r["per_request"]
    nan = float("nan")
    machine = 100 - 100 * cpu["machine_idle"] / cpu["machine_total"] if cpu else nan
    how = f"{volunteers:,} check-ins offered at {RATE}/s for {seconds:g} s, open loop"
    errors = ", ".join(f"{k} ×{v}" for k, v in sorted(r["errors"].items())) or "none"
    warm_errors = sum(facts["warm"]["errors"].values())
    unaccounted = counted["rows"] - r["ok"]
    share = (
        f"CPU in the run, % of one core: workers {cpu.get('server', nan):.0f}, "
        f"their database backends {cpu.get('postgres', nan):.0f}, generator "
        f"{r['gen_cpu']:.0f}; machine {machine:.0f} % busy (both CPUs, anyone's work)"
    )
    return [
        Result(
            "checkin_burst_rps",
            r["rate"],
            "check-ins/s",
            note=f"{r['ok']:,} answered 2xx over {r['span']:.1f} s; {how}",
        ),
        Result(
            "checkin_burst_p50_ms",
            r["p50"],
            "ms",
            note="from the scheduled send to the last byte; server-side (access log) p50 "
            f"{facts['server_p50']:.0f} ms",
        ),
        Result(
            "checkin_burst_p99_ms",
            r["p99"],
            "ms",
            note=f"max {r['max']:.0f} ms; server-side p99 {facts['server_p99']:.0f} ms; "
            f"generator send lag p99 {r['lag_p99']:.1f} ms",
        ),
        Result(
            "checkin_burst_errors",
            float(sum(r["errors"].values())),
            "count",
            note=f"{errors}; warm-up errors {warm_errors}; "
            f"server stopped {'cleanly' if facts['clean_stop'] else 'by SIGKILL'}",
        ),
        Result(
            "checkin_burst_duplicates",
            float(counted["duplicates"]),
            "count",
            note=f"people with 2+ attendance rows; {counted['rows']:,} rows for "
            f"{counted['people']:,} people"
            + (f" ({unaccounted:,} done after the client gave up)" if unaccounted else "")
            + f"; 2+ rows on any activity: {counted['duplicates_anywhere']}",
        ),
        Result(
            "checkin_burst_server_cpu_ms",
            per.get("server"),
            "ms",
            note=f"gunicorn workers' CPU per check-in answered; {share}",
        ),
        Result(
            "checkin_burst_pg_cpu_ms",
            per.get("postgres"),
            "ms",
            note="CPU of the scratch database's PostgreSQL backends per check-in answered",
        ),
        Result(
            "checkin_burst_loadgen_p99_ms",
            floor["p99"],
            "ms",
            note=f"the generator alone, same rate, against a stub answering at once: p50 "
            f"{floor['p50']:.2f} ms, CPU {floor['gen_cpu']:.0f} % of one core",
        ),
    ]
