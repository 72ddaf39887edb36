"""``jifen bench``: run the benchmarks, print a table, optionally write JSON.

Each benchmark module exposes ``run(ctx) -> list[Result]`` and is listed in
``BENCHMARKS`` with the names it reports (CONTRACT.md, "Benchmark names").
Derived figures (a ratio, the larger of two peaks) are computed here. A
benchmark that cannot run (no PostgreSQL, no pgbench binary) reports its names
with no value and the reason, and the run goes on.
"""

import json
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from jifen.bench.scratch import PostgresScratch, SqliteScratch, pg_url_from_env

BONUS_VOLUNTEERS = 142_000


@dataclass
class Result:
    name: str
    value: float | None
    unit: str
    target: str | None = None
    met: bool | None = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        if isinstance(self.value, float):
            data["value"] = round(self.value, 4)
        return data


@dataclass
class Config:
    quick: bool = False

    @property
    def seconds(self) -> float:
        """How long each throughput benchmark posts."""
        return 5.0 if self.quick else 20.0

    @property
    def pgbench_seconds(self) -> int:
        return 5 if self.quick else 30

    @property
    def bonus_volunteers(self) -> int:
        return BONUS_VOLUNTEERS // 10 if self.quick else BONUS_VOLUNTEERS

    @property
    def read_repeats(self) -> int:
        return 2_000 if self.quick else 10_000

    @property
    def checkin_seconds(self) -> float:
        """How long the check-in burst lasts (at 300/s, one volunteer each)."""
        return 10.0 if self.quick else 30.0

    @property
    def redeem_attempts(self) -> int:
        """How many volunteers race for the item at once."""
        return 100 if self.quick else 500

    @property
    def redeem_stock(self) -> int:
        """The raced item's stock."""
        return 10 if self.quick else 50

    @property
    def accept_attempts(self) -> int:
        """How many volunteers race to take one open request."""
        return 50 if self.quick else 200


@dataclass
class Context:
    config: Config
    out: TextIO
    pg: PostgresScratch | None
    pg_skip_reason: str | None
    sqlite: SqliteScratch
    results: dict[str, Result] = field(default_factory=dict)
    # Scratch databases shared between benchmarks (e.g. both award_pg runs), by
    # "<vendor>:<what>": the SQLite and PostgreSQL award databases are different ones.
    shared: dict[str, str] = field(default_factory=dict)

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def pg_database(self, what: str, prepare: str | None = None, **kwargs: Any) -> str:
        """The URL of a migrated scratch PostgreSQL database, prepared once per run."""
        from jifen.bench import child

        assert self.pg is not None  # noqa: S101 - callers check pg_skip_reason first
        key = f"postgresql:{what}"
        if key not in self.shared:
            url = self.pg.url(self.pg.create(what))
            if prepare:
                child.run(url, prepare, timeout=3600, **kwargs)
            self.shared[key] = url
        return self.shared[key]

    def sqlite_database(self, what: str, prepare: str | None = None, **kwargs: Any) -> str:
        from jifen.bench import child

        key = f"sqlite:{what}"
        if key not in self.shared:
            url = self.sqlite.url(self.sqlite.create(what))
            if prepare:
                child.run(url, prepare, timeout=3600, **kwargs)
            self.shared[key] = url
        return self.shared[key]


@dataclass(frozen=True)
class Benchmark:
    key: str
    names: tuple[str, ...]
    run: Callable[[Context], list[Result]]
    needs_pg: bool = True


# name -> (comparison, threshold); award_pg_4w's threshold follows pgbench (below).
TARGETS: dict[str, tuple[str, float]] = {
    "award_pg_1w": (">=", 500),
    "award_pg_4w_vs_pgbench": (">=", 0.45),
    "award_sqlite_1w": (">=", 2000),
    "debit_pg_1w": (">=", 400),
    "bonus_142k_pg_s": ("<", 10),
    "bonus_142k_sqlite_s": ("<", 10),
    "bonus_142k_peak_mb": ("<", 300),
    "checkin_burst_p99_ms": ("<", 200),
    "announcement_50k_s": ("<", 5),
    "county_ranking_5m_s": ("<", 1),
    "incident_dashboard_1m_s": ("<", 1),
    "inspection_summary_1m_s": ("<", 1),
    "checkin_burst_errors": ("==", 0),
    "checkin_burst_duplicates": ("==", 0),
    # redeem_race_winners (== the stock) and redeem_race_losers_out_of_stock (== the
    # others) have targets that depend on the size run: the benchmark sets them.
    "redeem_race_other_errors": ("==", 0),
    "redeem_race_stock_left": ("==", 0),
    "redeem_race_oversold": ("==", 0),
    "redeem_race_verify_violations": ("==", 0),
    "redeem_race_inconsistencies": ("==", 0),
    "redeem_race_server_cpu_ms": ("<=", 3),
    "import_10k_rows_s": ("<", 60),
    # accept_race_winners (== 1) and accept_race_losers_already_taken: set by the benchmark.
    "accept_race_p99_ms": ("<", 500),
    "accept_race_other_errors": ("==", 0),
    "accept_race_inconsistencies": ("==", 0),
}
UNITS = {
    "announcement_50k_s": "s",
    "county_ranking_5m_s": "s",
    "incident_dashboard_1m_s": "s",
    "inspection_summary_1m_s": "s",
    "county_ranking_5m_ledger_s": "s",
    "county_group_by_5m_s": "s",
    "county_roll_up_s": "s",
    "award_pg_4w_vs_pgbench": "ratio",
    "bonus_142k_peak_mb": "MB",
    "checkin_burst_rps": "check-ins/s",
    "checkin_burst_p50_ms": "ms",
    "checkin_burst_p99_ms": "ms",
    "checkin_burst_errors": "count",
    "checkin_burst_duplicates": "count",
    "checkin_burst_server_cpu_ms": "ms",
    "checkin_burst_pg_cpu_ms": "ms",
    "checkin_burst_loadgen_p99_ms": "ms",
    "redeem_race_winners": "count",
    "redeem_race_losers_out_of_stock": "count",
    "redeem_race_other_errors": "count",
    "redeem_race_rps": "requests/s",
    "redeem_race_p50_ms": "ms",
    "redeem_race_p99_ms": "ms",
    "redeem_race_stock_left": "count",
    "redeem_race_oversold": "count",
    "redeem_race_verify_violations": "count",
    "redeem_race_inconsistencies": "count",
    "redeem_race_server_cpu_ms": "ms",
    "redeem_race_pg_cpu_ms": "ms",
    "redeem_race_loadgen_p99_ms": "ms",
    "import_10k_rows_s": "s",
    "accept_race_winners": "count",
    "accept_race_losers_already_taken": "count",
    "accept_race_other_errors": "count",
    "accept_race_rps": "requests/s",
    "accept_race_p50_ms": "ms",
    "accept_race_p99_ms": "ms",
    "accept_race_inconsistencies": "count",
    "accept_race_server_cpu_ms": "ms",
    "accept_race_pg_cpu_ms": "ms",
    "accept_race_loadgen_p99_ms": "ms",
}
REDEEM_RACE_NAMES = (
    "redeem_race_winners",
    "redeem_race_losers_out_of_stock",
    "redeem_race_other_errors",
    "redeem_race_rps",
    "redeem_race_p50_ms",
    "redeem_race_p99_ms",
    "redeem_race_stock_left",
    "redeem_race_oversold",
    "redeem_race_verify_violations",
    "redeem_race_inconsistencies",
    "redeem_race_server_cpu_ms",
    "redeem_race_pg_cpu_ms",
    "redeem_race_loadgen_p99_ms",
)
ACCEPT_RACE_NAMES = (
    "accept_race_winners",
    "accept_race_losers_already_taken",
    "accept_race_other_errors",
    "accept_race_rps",
    "accept_race_p50_ms",
    "accept_race_p99_ms",
    "accept_race_inconsistencies",
    "accept_race_server_cpu_ms",
    "accept_race_pg_cpu_ms",
    "accept_race_loadgen_p99_ms",
)
COUNTY_RANKING_NAMES = (
    "county_ranking_5m_s",
    "county_ranking_5m_ledger_s",
    "county_group_by_5m_s",
    "county_roll_up_s",
)
# Derived name -> the names it is computed from.
DERIVED = {
    "award_pg_4w_vs_pgbench": ("pgbench_tpcb_4c", "award_pg_4w"),
    "bonus_142k_peak_mb": ("bonus_142k_pg_peak_mb", "bonus_142k_sqlite_peak_mb"),
}


def _benchmarks() -> list[Benchmark]:
    """In the order they run. SQLite first: its commits share the disk with PostgreSQL's
    checkpoints, which the PostgreSQL benchmarks set off (the bonus seeding writes
    hundreds of megabytes). pgbench right before the award runs it is compared with."""
    from jifen.bench import (
        accept,
        award,
        balance_read,
        bonus,
        checkin,
        debit,
        imports,
        incidents,
        inspection,
        pgbench,
        publicity,
        redeem,
    )

    return [
        Benchmark("award_sqlite_1w", ("award_sqlite_1w",), award.run_sqlite_1w, needs_pg=False),
        Benchmark(
            "bonus_sqlite",
            ("bonus_142k_sqlite_s", "bonus_142k_sqlite_peak_mb"),
            bonus.run_sqlite,
            needs_pg=False,
        ),
        Benchmark("pgbench", ("pgbench_tpcb_4c",), pgbench.run),
        Benchmark("award_pg_1w", ("award_pg_1w",), award.run_pg_1w),
        Benchmark("award_pg_4w", ("award_pg_4w",), award.run_pg_4w),
        Benchmark("debit_pg_1w", ("debit_pg_1w",), debit.run),
        Benchmark(
            "balance_read", ("balance_read_100_us", "balance_read_100k_us"), balance_read.run
        ),
        Benchmark(
            "checkin_burst",
            (
                "checkin_burst_rps",
                "checkin_burst_p50_ms",
                "checkin_burst_p99_ms",
                "checkin_burst_errors",
                "checkin_burst_duplicates",
                "checkin_burst_server_cpu_ms",
                "checkin_burst_pg_cpu_ms",
                "checkin_burst_loadgen_p99_ms",
            ),
            checkin.run,
        ),
        Benchmark("redeem_race", REDEEM_RACE_NAMES, redeem.run),
        Benchmark("accept_race", ACCEPT_RACE_NAMES, accept.run),
        Benchmark("bonus_pg", ("bonus_142k_pg_s", "bonus_142k_pg_peak_mb"), bonus.run_pg),
        Benchmark("announcement", ("announcement_50k_s",), publicity.run_announcement),
        Benchmark("county_ranking", COUNTY_RANKING_NAMES, publicity.run_county),
        Benchmark("incident_dashboard", ("incident_dashboard_1m_s",), incidents.run),
        Benchmark("inspection_summary", ("inspection_summary_1m_s",), inspection.run),
        Benchmark(
            "import_10k_rows",
            ("import_10k_rows_s", "import_10k_rows_sqlite_s", "import_10k_rows_pg_s"),
            imports.run,
            needs_pg=False,
        ),
    ]


# The table's order (the contract's), whatever the order they ran in.
TABLE_ORDER = (
    "pgbench_tpcb_4c",
    "award_pg_1w",
    "award_pg_4w",
    "award_pg_4w_vs_pgbench",
    "award_sqlite_1w",
    "debit_pg_1w",
    "bonus_142k_pg_s",
    "bonus_142k_sqlite_s",
    "bonus_142k_peak_mb",
    "bonus_142k_pg_peak_mb",
    "bonus_142k_sqlite_peak_mb",
    "balance_read_100_us",
    "balance_read_100k_us",
    "checkin_burst_rps",
    "checkin_burst_p50_ms",
    "checkin_burst_p99_ms",
    "checkin_burst_errors",
    "checkin_burst_duplicates",
    "checkin_burst_server_cpu_ms",
    "checkin_burst_pg_cpu_ms",
    "checkin_burst_loadgen_p99_ms",
    *REDEEM_RACE_NAMES,
    *ACCEPT_RACE_NAMES,
    "announcement_50k_s",
    *COUNTY_RANKING_NAMES,
    "incident_dashboard_1m_s",
    "inspection_summary_1m_s",
)


def all_names() -> list[str]:
    """Every figure, in the order of the table."""
    names = [name for bench in _benchmarks() for name in bench.names] + list(DERIVED)
    return [n for n in TABLE_ORDER if n in names] + [n for n in names if n not in TABLE_ORDER]


def select(benchmarks: list[Benchmark], only: Iterable[str]) -> list[Benchmark]:
    """The benchmarks needed for the names asked for: exact names first, else prefixes."""
    wanted: set[str] = set()
    known = [name for bench in benchmarks for name in bench.names] + list(DERIVED)
    known += [bench.key for bench in benchmarks if bench.key not in known]
    for item in only:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            matches = [n for n in known if n == part] or [n for n in known if n.startswith(part)]
            if not matches:
                raise ValueError(f"no benchmark is called {part!r}; known: {', '.join(known)}")
            wanted.update(matches)
    for name in list(wanted):
        wanted.update(DERIVED.get(name, ()))
    return [b for b in benchmarks if b.key in wanted or wanted.intersection(b.names)]


def _target_text(comparison: str, threshold: float) -> str:
    number = f"{threshold:g}"
    return f"{comparison} {number}"


def _meets(value: float, comparison: str, threshold: float) -> bool:
    if comparison == "==":
        return value == threshold
    if comparison == "<=":
        return value <= threshold
    return value >= threshold if comparison == ">=" else value < threshold


def apply_targets(results: dict[str, Result]) -> None:
    for name, (comparison, threshold) in TARGETS.items():
        result = results.get(name)
        if result is None:
            continue
        result.target = _target_text(comparison, threshold)
        if result.value is not None:
            result.met = _meets(result.value, comparison, threshold)
    award, pgbench = results.get("award_pg_4w"), results.get("pgbench_tpcb_4c")
    if award is not None:
        if pgbench is not None and pgbench.value:
            threshold = round(0.45 * pgbench.value, 1)
            award.target = f">= {threshold:g} (45% of pgbench_tpcb_4c)"
            if award.value is not None:
                award.met = award.value >= threshold
        else:
            award.target = ">= 45% of pgbench_tpcb_4c"


def derive(results: dict[str, Result]) -> None:
    award, pgbench = results.get("award_pg_4w"), results.get("pgbench_tpcb_4c")
    if award is not None and pgbench is not None:
        if award.value is not None and pgbench.value:
            results["award_pg_4w_vs_pgbench"] = Result(
                "award_pg_4w_vs_pgbench", award.value / pgbench.value, "ratio"
            )
        else:
            results["award_pg_4w_vs_pgbench"] = Result(
                "award_pg_4w_vs_pgbench",
                None,
                "ratio",
                note="skipped: needs both award_pg_4w and pgbench_tpcb_4c",
            )
    peaks = [
        results[name]
        for name in DERIVED["bonus_142k_peak_mb"]
        if name in results and results[name].value is not None
    ]
    if peaks:
        top = max(peaks, key=lambda r: r.value or 0)
        results["bonus_142k_peak_mb"] = Result(
            "bonus_142k_peak_mb",
            top.value,
            "MB",
            note=f"the larger of {len(peaks)} run(s): {top.name}; {top.note}",
        )


def machine(ctx: Context) -> list[tuple[str, str]]:
    import django

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "?"
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    pg = ctx.pg_skip_reason or (ctx.pg.server_version() if ctx.pg else "?")
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "?"
    return [
        ("date", datetime.now(UTC).astimezone().isoformat(timespec="seconds")),
        ("cpu", f"{cpu}, {os.cpu_count()} logical CPUs (nproc)"),
        ("memory", memory),
        ("postgresql", pg),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("django", django.get_version()),
        ("sqlite", sqlite3.sqlite_version),
        ("load", f"{load} (1, 5, 15 min load average at the start)"),
        ("mode", "quick (smaller sizes, shorter runs)" if ctx.config.quick else "full"),
    ]


def _format_value(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def table(results: list[Result]) -> str:
    rows = [("name", "value", "unit", "target", "met", "note")]
    for r in results:
        met = "—" if r.met is None else ("yes" if r.met else "NO")
        rows.append((r.name, _format_value(r.value), r.unit, r.target or "", met, r.note))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1])]
        cells += [row[i].ljust(widths[i]) for i in (2, 3, 4)]
        lines.append("  ".join(cells) + "  " + row[5])
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 4)
    return "\n".join(lines)


def run(
    *,
    quick: bool = False,
    only: Iterable[str] = (),
    json_path: str | None = None,
    out: TextIO = sys.stdout,
) -> list[Result]:
    config = Config(quick=quick)
    benchmarks = _benchmarks()
    only = list(only)
    chosen = select(benchmarks, only) if only else benchmarks
    pg = PostgresScratch(pg_url_from_env())
    pg_skip = pg.check()
    sqlite = SqliteScratch()
    ctx = Context(config, out, None if pg_skip else pg, pg_skip, sqlite)
    started = time.monotonic()
    ctx.say("jifen bench — " + ("quick run" if quick else "full run"))
    for key, value in machine(ctx):
        ctx.say(f"  {key:<10} {value}")
    if pg_skip:
        ctx.say(f"  PostgreSQL figures are skipped: {pg_skip}")
    try:
        for bench in chosen:
            if bench.needs_pg and pg_skip:
                for name in bench.names:
                    ctx.results[name] = Result(
                        name, None, UNITS.get(name, ""), note=f"skipped: PostgreSQL: {pg_skip}"
                    )
                continue
            ctx.say(f"\n[{bench.key}] …")
            if ctx.pg is not None:
                # Each starts with PostgreSQL's dirty buffers on disk, not a checkpoint
                # that the previous benchmark left running.
                ctx.pg.checkpoint()
            t0 = time.monotonic()
            try:
                for result in bench.run(ctx):
                    ctx.results[result.name] = result
                    ctx.say(f"  {result.name} = {_format_value(result.value)} {result.unit}")
            except Exception as exc:  # noqa: BLE001 - one broken benchmark must not stop the run
                first = str(exc).strip().splitlines()
                ctx.say(f"  FAILED: {exc}")
                for name in bench.names:
                    ctx.results[name] = Result(
                        name,
                        None,
                        UNITS.get(name, ""),
                        note=f"failed: {first[-1] if first else type(exc).__name__}",
                    )
            ctx.say(f"  ({time.monotonic() - t0:.0f} s)")
    finally:
        if ctx.pg is not None:
            ctx.pg.drop_all()
        sqlite.drop_all()
    derive(ctx.results)
    apply_targets(ctx.results)
    order = [n for n in all_names() if n in ctx.results]
    order += [n for n in ctx.results if n not in order]
    results = [ctx.results[n] for n in order]
    ctx.say("")
    ctx.say(table(results))
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        ctx.say(f"\nload average at the end: {load}")
    except OSError:
        pass
    ctx.say(f"{len(results)} figure(s) in {time.monotonic() - started:.0f} s")
    if json_path:
        Path(json_path).write_text(
            json.dumps([r.as_json() for r in results], ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
        ctx.say(f"written to {json_path}")
    return results
