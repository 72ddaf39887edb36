"""``redeem_race_*``: 500 volunteers race for an item of stock 50 through the HTTP API of
``jifen serve`` on PostgreSQL.

500 volunteers (100 with ``--quick``), each with enough points, each send one
``POST /api/v1/shop/redemptions`` ``{"item", "quantity": 1}`` with their own bearer
token and their own ``Idempotency-Key``, all at the same instant, for one item of
stock 50 (10 with ``--quick``). Exactly the stock must win (201), every other
attempt must be refused with 409 ``out_of_stock``, and the database must agree.

- A scratch PostgreSQL database is migrated and seeded in bulk: one community of
  volunteers (``seed scale``: people with unusable passwords, their accounts and a
  month of awards), then an award of the item's price to each of them through
  ``jifen.points.ledger.post_many`` (so each can afford it whatever the month gave
  them), the item, a second item for the warm-up, and an API token per volunteer
  stored as ``jifen.people.auth`` stores them; then ``VACUUM (ANALYZE)`` and a
  checkpoint.
- ``jifen serve`` is started exactly as in production (``jifen.bench.serve.Server``:
  gunicorn, sync workers, ``JIFEN_DEBUG`` off), on a free 127.0.0.1 port.
- Warm-up: 20 other volunteers race the same way for the second item, of stock 10, so
  that every worker has run both answers of the race (a win and an ``out_of_stock``)
  once and holds its database connection, as a server in service has; not counted.
- The race comes from another process (``jifen.bench.loadgen.burst``): every TCP
  connection is opened first (the kernel queues them for gunicorn's workers), then
  every request is written in one pass, and each answer read as it comes. Latency runs
  from that release to the last byte of the answer (60 s timeout).
- Before, the same burst goes to a stub server that answers at once
  (``redeem_race_loadgen_p99_ms``): what the generator and the loopback cost alone.
- Afterwards, in the database: the item's orders (as many as the winners, the same
  ids, one per volunteer), the stock left (0), the stock sold against the stock
  offered (``redeem_race_oversold``), negative balances, the points the racers lost
  (their balances before and after: the stock × the price, and so much in
  redemption transfers), and ``jifen verify`` (``redeem_race_verify_violations``).
"""

import json
import secrets
import time
from collections import Counter
from typing import Any

from jifen.bench import child, loadgen
from jifen.bench.runner import Context, Result, _meets, _target_text
from jifen.bench.serve import Server, free_port, issue_tokens, percentile

PATH = "/api/v1/shop/redemptions"
PRICE = 100  # points per item; every racer is given this much on top of what they had
WARM_UP = 20
WARM_STOCK = 10  # half the warm-up wins, half is refused: both paths are run before the race
TIMEOUT = 60.0
ITEM_NAME = "爱心大米 5kg"


# --- In a child, against the scratch database ------------------------------------------------


def prepare(attempts: int, stock: int, price: int, warm_up: int) -> dict[str, Any]:
    """(In a child.) The volunteers, their points and tokens, the item and the warm-up item."""
    from django.db import connection, transaction
    from django.db.models import Sum
    from django.utils import timezone

    from jifen.demo.seed_scale import RULE_CODE, seed_scale
    from jifen.people.models import Person
    from jifen.points.ledger import Posting, post_many, system_account
    from jifen.points.models import Account, AccountKind, RuleVersion, TransferKind
    from jifen.regions.models import Region
    from jifen.shop.models import Item

    seed_scale(attempts + warm_up, months=1, communities=1)
    community = Region.objects.get(code="SCALE-C0001")
    ids = list(
        Person.objects.filter(community=community).order_by("pk").values_list("pk", flat=True)
    )
    racers, warmers = ids[:attempts], ids[attempts:]
    rule = RuleVersion.objects.filter(item__code=RULE_CODE).order_by("-version").first()
    today = timezone.localdate()
    with transaction.atomic():
        issuer = system_account(community, AccountKind.ISSUER)
        issuer.region = community
        accounts = Account.objects.filter(kind=AccountKind.PERSON, person_id__in=ids).order_by("pk")
        # Enough for one of the item each, whatever the seeded month gave them: through the
        # ledger in bulk, as seed scale awards, so stored balances agree with transfers.
        post_many(
            Posting(
                debit=issuer,
                credit=account,
                amount=price,
                kind=TransferKind.AWARD,
                key=f"bench-redeem:{account.pk}",
                rule_version=rule,
                service_date=today,
                source_type="bench",
            )
            for account in accounts
        )
        # Approved, as staff's own items are when a service creates them.
        now = timezone.now()
        item = Item.objects.create(
            region=community, name=ITEM_NAME, points=price, stock=stock, approved_at=now
        )
        warm = Item.objects.create(
            region=community,
            name="预热商品",
            points=price,
            stock=min(warm_up, WARM_STOCK),
            approved_at=now,
        )
        raw = issue_tokens(racers + warmers)
    with connection.cursor() as cursor:
        # Vacuumed and with statistics, as a database in service has them; otherwise
        # autovacuum would be vacuuming the fresh rows during the race.
        cursor.execute("VACUUM (ANALYZE)")
    held = Account.objects.filter(kind=AccountKind.PERSON, person_id__in=racers)
    return {
        "item": item.pk,
        "warm_item": warm.pk,
        "racers": racers,
        "bearers": [raw[pk] for pk in racers],
        "warm_bearers": [raw[pk] for pk in warmers],
        "balance_before": int(held.aggregate(n=Sum("balance"))["n"] or 0),
        "poorest": int(held.order_by("balance").values_list("balance", flat=True).first() or 0),
    }


def count(item_id: int, racers: list[int]) -> dict[str, Any]:
    """(In a child.) What the database holds after the race, and ``jifen verify``."""
    import io

    from django.core.management import call_command
    from django.db.models import Count, Sum

    from jifen.points.models import Account, AccountKind, Transfer, TransferKind
    from jifen.shop.models import Item, Redemption

    orders = Redemption.objects.filter(item_id=item_id)
    order_ids = sorted(orders.values_list("pk", flat=True))
    held = Account.objects.filter(kind=AccountKind.PERSON, person_id__in=racers)
    taken = Transfer.objects.filter(
        kind=TransferKind.REDEMPTION, source_type="redemption", source_id__in=order_ids
    ).aggregate(n=Count("pk"), points=Sum("amount"))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify", stdout=out, stderr=err)
        exit_code = 0
    except SystemExit as exc:
        exit_code = int(exc.code or 0)
    violations = [line for line in out.getvalue().splitlines() if line.strip()]
    return {
        "orders": len(order_ids),
        "order_ids": order_ids,
        "sold": int(orders.aggregate(n=Sum("quantity"))["n"] or 0),
        "buyers": orders.values("person").distinct().count(),
        "outsiders": orders.exclude(person_id__in=racers).count(),
        "stock_left": Item.objects.get(pk=item_id).stock,
        "negative": Account.objects.filter(balance__lt=0).count(),
        "balance_after": int(held.aggregate(n=Sum("balance"))["n"] or 0),
        "transfers": int(taken["n"] or 0),
        "transferred": int(taken["points"] or 0),
        "verify_exit": exit_code,
        "violations": violations,
    }


# --- Reading the answers (pure) ---------------------------------------------------------------


def order_id(body: str) -> int | None:
    """The ``id`` of a created order from its JSON answer; None when unreadable."""
    try:
        value = json.loads(body)["id"]
    except (ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def summarize(answer: dict[str, Any]) -> dict[str, Any]:
    """Winners (201), losers refused as ``out_of_stock`` (409), every other outcome by
    what it was, latencies from the release (ms) and the completed requests per second."""
    records = [loadgen.Record(*r) for r in answer["records"]]
    winners = [r for r in records if r.status == 201]
    losers = [r for r in records if r.status == 409 and r.error == "409 out_of_stock"]
    others: Counter[str] = Counter()
    for r in records:
        if r.status == 201 or (r.status == 409 and r.error == "409 out_of_stock"):
            continue
        others[r.error or f"{r.status} (not 201)"] += 1
    latencies = [r.latency * 1000 for r in records]
    span = float(answer["span"])
    answered = sum(1 for r in records if r.status)
    bodies = {int(k): v for k, v in answer.get("bodies", {}).items()}
    ids = [order_id(bodies.get(r.index, "")) for r in winners]
    cpu = answer.get("cpu", {})
    return {
        "n": len(records),
        "winners": len(winners),
        "losers": len(losers),
        "others": dict(others),
        "other_count": sum(others.values()),
        "winner_ids": sorted(i for i in ids if i is not None),
        # First come, first served? The winners' places in the order of the release.
        "winner_places": sorted(r.index for r in winners),
        "p50": percentile(latencies, 0.50),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies, default=float("nan")),
        "winners_p99": percentile([r.latency * 1000 for r in winners], 0.99),
        "losers_p99": percentile([r.latency * 1000 for r in losers], 0.99),
        "last_winner": max((r.latency * 1000 for r in winners), default=float("nan")),
        "rps": answered / span if span > 0 else 0.0,
        "span": span,
        "release_ms": 1000 * float(answer.get("release_seconds", 0.0)),
        "connect_ms": 1000 * float(answer.get("connect_seconds", 0.0)),
        "gen_cpu": 100 * answer.get("cpu_seconds", 0.0) / span if span > 0 else 0.0,
        "cpu": {k: 100 * v / span for k, v in cpu.items()} if span > 0 else {},
        "per_request": {k: 1000 * v / answered for k, v in cpu.items()} if answered else {},
        "connections": int(answer.get("connections", 0)),
    }


def problems(
    summary: dict[str, Any], counted: dict[str, Any], *, attempts: int, stock: int, price: int
) -> list[str]:
    """Every way the race's outcome and the database differ from what must hold: exactly
    ``stock`` winners, every other attempt ``out_of_stock``, and the database agreeing
    (orders, stock, balances, points, ``jifen verify``). Empty when all holds."""
    found = []
    if summary["n"] != attempts:
        found.append(f"{summary['n']} answers recorded for {attempts} attempts")
    if summary["winners"] != stock:
        found.append(f"{summary['winners']} winners for a stock of {stock}")
    if summary["losers"] != attempts - stock:
        found.append(f"{summary['losers']} out_of_stock refusals, not {attempts - stock}")
    if summary["other_count"]:
        other = ", ".join(f"{k} ×{v}" for k, v in sorted(summary["others"].items()))
        found.append(f"other outcomes: {other}")
    if counted["orders"] != summary["winners"]:
        found.append(f"{counted['orders']} orders stored for {summary['winners']} winners")
    elif counted["order_ids"] != summary["winner_ids"]:
        found.append("the stored orders are not the ones the winners were answered")
    if counted["sold"] > stock:
        found.append(f"oversold: {counted['sold']} sold of a stock of {stock}")
    if counted["stock_left"] != stock - counted["sold"]:
        found.append(f"stock left {counted['stock_left']} after {counted['sold']} of {stock} sold")
    elif counted["stock_left"] != 0:
        found.append(f"stock left {counted['stock_left']}, not 0")
    if counted["buyers"] != counted["orders"] or counted["outsiders"]:
        found.append(
            f"{counted['orders']} orders by {counted['buyers']} people "
            f"({counted['outsiders']} not racers)"
        )
    if counted["negative"]:
        found.append(f"{counted['negative']} accounts with a negative balance")
    lost = counted["balance_before"] - counted["balance_after"]
    if lost != stock * price:
        found.append(f"the racers lost {lost} points, not {stock} × {price} = {stock * price}")
    if counted["transferred"] != stock * price or counted["transfers"] != counted["orders"]:
        found.append(
            f"{counted['transfers']} redemption transfers of {counted['transferred']} points "
            f"for {counted['orders']} orders"
        )
    if counted["violations"] or counted["verify_exit"]:
        found.append(
            f"jifen verify: {len(counted['violations'])} violation(s)"
            + (f", first: {counted['violations'][0]}" if counted["violations"] else "")
        )
    return found


Request = tuple[str, dict[str, Any], dict[str, str]]  # bearer token, JSON body, headers


def requests(bearers: list[str], item: int, tag: str) -> list[Request]:
    """One redemption of one of ``item`` per bearer token, each its own Idempotency-Key."""
    return [
        (bearer, {"item": item, "quantity": 1}, {"Idempotency-Key": f"{tag}-{index}"})
        for index, bearer in enumerate(bearers)
    ]


# --- Running it --------------------------------------------------------------------------------


def calibrate(url: str, attempts: int) -> dict[str, Any]:
    """The generator alone: the same burst against a stub that answers at once."""
    port = free_port()
    ready = child.SPAWN.Event()
    stub = child.SPAWN.Process(target=loadgen.stub_server, args=(port, 600, ready), daemon=True)
    stub.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the stub server did not start")
        answer: dict[str, Any] = child.run(
            url,
            "jifen.bench.loadgen:burst",
            timeout=300,
            host="127.0.0.1",
            port=port,
            path="/stub",
            requests=requests([f"stub{i}" for i in range(attempts)], 1, "stub"),
            request_timeout=TIMEOUT,
        )
        return answer
    finally:
        stub.terminate()
        stub.join(timeout=5)


def race(
    ctx: Context, *, attempts: int, stock: int, price: int = PRICE, workers: int | None = None
) -> dict[str, Any]:
    """The whole benchmark; every figure and the facts behind the notes."""
    assert ctx.pg is not None  # noqa: S101 - the runner skips this without PostgreSQL
    name = ctx.pg.create("redeem")
    url = ctx.pg.url(name)
    try:
        started = time.monotonic()
        data = child.run(
            url,
            "jifen.bench.redeem:prepare",
            timeout=1800,
            attempts=attempts,
            stock=stock,
            price=price,
            warm_up=WARM_UP,
        )
        ctx.say(
            f"  seeded {attempts:,} volunteers (the poorest holds {data['poorest']:,} points, "
            f"the price is {price}) in {time.monotonic() - started:.1f} s"
        )
        ctx.pg.checkpoint()  # the seeding's writes on disk before the race
        floor = summarize(calibrate(url, attempts))
        ctx.say(
            f"  generator alone: p50 {floor['p50']:.2f} ms, p99 {floor['p99']:.2f} ms, "
            f"release {floor['release_ms']:.1f} ms"
        )
        tag = secrets.token_hex(4)
        server = Server(url, secrets.token_urlsafe(50), workers)
        logged_before = 0
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
                    path=PATH,
                    requests=requests(data["warm_bearers"], data["warm_item"], f"warm-{tag}"),
                    request_timeout=TIMEOUT,
                )
            )
            logged_before = len(server.server_times("POST", PATH))
            answer = child.run(
                url,
                "jifen.bench.loadgen:burst",
                timeout=TIMEOUT + 300,
                host="127.0.0.1",
                port=server.port,
                path=PATH,
                requests=requests(data["bearers"], data["item"], f"race-{tag}"),
                request_timeout=TIMEOUT,
                server_pid=server.process.pid,
                database=name,
            )
        finally:
            clean = server.stop()
            server_ms = server.server_times("POST", PATH)[logged_before:]
            # A worker's own time for each outcome (the race's lines only: the warm-up's
            # came first, WARM_STOCK of them answered 201 and the rest 409).
            warm_won = min(len(data["warm_bearers"]), WARM_STOCK)
            won_ms = server.server_times("POST", PATH, 201)[warm_won:]
            lost_ms = server.server_times("POST", PATH, 409)[len(data["warm_bearers"]) - warm_won :]
            tail = server.tail(20)
            server.remove()
        counted = child.run(
            url, "jifen.bench.redeem:count", item_id=data["item"], racers=data["racers"]
        )
    finally:
        ctx.pg.drop(name)
    counted["balance_before"] = data["balance_before"]
    summary = summarize(answer)
    return {
        "run": summary,
        "floor": floor,
        "warm": warm,
        "counted": counted,
        "problems": problems(summary, counted, attempts=attempts, stock=stock, price=price),
        "server_p50": percentile(server_ms, 0.50),
        "server_p99": percentile(server_ms, 0.99),
        "server_logged": len(server_ms),
        "server_won_p50": percentile(won_ms, 0.50),
        "server_lost_p50": percentile(lost_ms, 0.50),
        "server_tail": tail,
        "clean_stop": clean,
        "attempts": attempts,
        "stock": stock,
        "price": price,
    }


def _places(places: list[int]) -> str:
    """Where the winners were in the order of the release, e.g. "1st–50th" or "1st–48th,
    52nd, 60th" (first come, first served shows as one run from the first)."""

    def nth(n: int) -> str:
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"

    runs: list[list[int]] = []
    for place in sorted(places):
        if runs and place == runs[-1][-1] + 1:
            runs[-1].append(place)
        else:
            runs.append([place])
    parts = [nth(run[0] + 1) + (f"–{nth(run[-1] + 1)}" if len(run) > 1 else "") for run in runs]
    if len(parts) > 6:
        parts = [*parts[:5], f"… ({len(parts)} runs)"]
    return ", ".join(parts) or "none"


def _exactly(name: str, value: float, unit: str, expected: float, note: str) -> Result:
    """A count whose target depends on the size run (the stock: 50, or 10 with --quick)."""
    return Result(
        name,
        value,
        unit,
        target=_target_text("==", expected),
        met=_meets(value, "==", expected),
        note=note,
    )


def run(ctx: Context) -> list[Result]:
    attempts, stock = ctx.config.redeem_attempts, ctx.config.redeem_stock
    facts = race(ctx, attempts=attempts, stock=stock)
    return results(facts)


def results(facts: dict[str, Any]) -> list[Result]:
    """The figures of one race (``race``'s facts)."""
    r, floor, counted = facts["run"], facts["floor"], facts["counted"]
    attempts, stock, price = facts["attempts"], facts["stock"], facts["price"]
    cpu, per = r["cpu"], r["per_request"]
    nan = float("nan")
    how = f"{attempts:,} volunteers released at once for a stock of {stock}, {price} points each"
    others = ", ".join(f"{k} ×{v}" for k, v in sorted(r["others"].items())) or "none"
    found = facts["problems"]
    warm = facts["warm"]
    machine = 100 - 100 * cpu["machine_idle"] / cpu["machine_total"] if cpu else nan
    share = (
        f"CPU over the race, % of one core: workers {cpu.get('server', nan):.0f}, their "
        f"database backends {cpu.get('postgres', nan):.0f}, generator {r['gen_cpu']:.0f}; "
        f"machine {machine:.0f} % busy (both CPUs, anyone's work)"
    )
    violations = counted["violations"]
    return [
        _exactly(
            "redeem_race_winners",
            float(r["winners"]),
            "count",
            stock,
            note=f"answered 201; {how}; {counted['orders']} orders stored; the winners "
            f"were the {_places(r['winner_places'])} of the requests written",
        ),
        _exactly(
            "redeem_race_losers_out_of_stock",
            float(r["losers"]),
            "count",
            attempts - stock,
            note="answered 409 out_of_stock",
        ),
        Result(
            "redeem_race_other_errors",
            float(r["other_count"]),
            "count",
            note=f"any other answer, connection error or timeout: {others}; warm-up: "
            f"{warm['winners']}/{warm['n']} won; server stopped "
            f"{'cleanly' if facts['clean_stop'] else 'by SIGKILL'}",
        ),
        Result(
            "redeem_race_rps",
            r["rps"],
            "requests/s",
            note=f"{r['n'] - r['other_count']:,} answered over {r['span']:.2f} s "
            f"from the release; the last winner answered at {r['last_winner']:.0f} ms",
        ),
        Result(
            "redeem_race_p50_ms",
            r["p50"],
            "ms",
            note="from the release to the last byte; server-side (access log) p50 "
            f"{facts['server_p50']:.0f} ms: {facts['server_won_p50']:.0f} ms for a win, "
            f"{facts['server_lost_p50']:.0f} ms for an out_of_stock",
        ),
        Result(
            "redeem_race_p99_ms",
            r["p99"],
            "ms",
            note=f"max {r['max']:.0f} ms; winners' p99 {r['winners_p99']:.0f} ms, losers' "
            f"{r['losers_p99']:.0f} ms; server-side p99 {facts['server_p99']:.0f} ms; "
            f"{r['connections']} connections opened in {r['connect_ms']:.0f} ms, "
            f"all written in {r['release_ms']:.1f} ms",
        ),
        Result(
            "redeem_race_stock_left",
            float(counted["stock_left"]),
            "count",
            note=f"the item's stock after the race ({stock} offered, {counted['sold']} sold)",
        ),
        Result(
            "redeem_race_oversold",
            float(max(0, counted["sold"] - stock)),
            "count",
            note=f"{counted['orders']} orders by {counted['buyers']} volunteers; "
            f"negative balances: {counted['negative']}; the racers lost "
            f"{counted['balance_before'] - counted['balance_after']:,} points "
            f"({stock} × {price} = {stock * price:,} expected), "
            f"{counted['transfers']} redemption transfers",
        ),
        Result(
            "redeem_race_verify_violations",
            float(max(len(violations), 1 if counted["verify_exit"] else 0)),
            "count",
            note=("jifen verify clean" if not violations else f"first: {violations[0]}"),
        ),
        Result(
            "redeem_race_inconsistencies",
            float(len(found)),
            "count",
            note="; ".join(found) or "every check of the answers and the database holds",
        ),
        Result(
            "redeem_race_server_cpu_ms",
            per.get("server"),
            "ms",
            note=f"gunicorn workers' CPU per request answered; {share}",
        ),
        Result(
            "redeem_race_pg_cpu_ms",
            per.get("postgres"),
            "ms",
            note="CPU of the scratch database's PostgreSQL backends per request answered",
        ),
        Result(
            "redeem_race_loadgen_p99_ms",
            floor["p99"],
            "ms",
            note=f"the generator alone, the same burst against a stub answering at once: "
            f"p50 {floor['p50']:.2f} ms, written in {floor['release_ms']:.1f} ms",
        ),
    ]
