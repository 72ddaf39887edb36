"""``pgbench_tpcb_4c``: the machine's own PostgreSQL yardstick, measured in the same run.

``pgbench -i -s 4`` on a scratch database (scale 4: as many branches as clients,
as pgbench's documentation advises, so the clients do not all queue on one
branch row), then the built-in TPC-B-like script with ``-c 4 -j 2 -T <s>``. The
award figures are read against it: both pay for one durable commit per
transaction on the same disk.
"""

import glob
import os
import re
import shutil
import subprocess

from jifen.bench.runner import Context, Result

SCALE = 4
TPS_RE = re.compile(r"tps = ([\d.]+) \(without initial connection time\)")


def find_pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), reverse=True)
    return candidates[0] if candidates else None


def run(ctx: Context) -> list[Result]:
    binary = find_pgbench()
    if binary is None:
        return [
            Result(
                "pgbench_tpcb_4c",
                None,
                "tps",
                note="skipped: no pgbench binary (install postgresql-client / postgresql)",
            )
        ]
    assert ctx.pg is not None  # noqa: S101 - the runner skips this without PostgreSQL
    name = ctx.pg.create("pgbench", migrated=False)
    cfg = ctx.pg.cfg
    env = {**os.environ}
    if cfg["PASSWORD"]:
        env["PGPASSWORD"] = cfg["PASSWORD"]
    conn = ["-h", cfg["HOST"] or "127.0.0.1", "-p", str(cfg["PORT"] or 5432)]
    conn += ["-U", cfg["USER"] or "postgres"]
    seconds = ctx.config.pgbench_seconds
    try:
        subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [binary, "-i", "-q", "-s", str(SCALE), *conn, name],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
        done = subprocess.run(  # noqa: S603
            [binary, "-c", "4", "-j", "2", "-T", str(seconds), *conn, name],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 600,
        )
    except subprocess.CalledProcessError as exc:
        reason = (exc.stderr or exc.stdout or "").strip().splitlines()
        return [
            Result(
                "pgbench_tpcb_4c",
                None,
                "tps",
                note=f"failed: {reason[-1] if reason else exc}",
            )
        ]
    finally:
        ctx.pg.drop(name)
    match = TPS_RE.search(done.stdout)
    if match is None:
        return [Result("pgbench_tpcb_4c", None, "tps", note="failed: no tps in pgbench's output")]
    return [
        Result(
            "pgbench_tpcb_4c",
            float(match.group(1)),
            "tps",
            note=f"TPC-B-like, scale {SCALE}, -c 4 -j 2 -T {seconds}",
        )
    ]
