"""``python -m jifen.lib.pgcheck URL``: is PostgreSQL there for the PostgreSQL test pass?

Exit 0 when it answers. Otherwise say plainly that the pass is skipped and exit 1,
or, when ``JIFEN_REQUIRE_PG=1`` (CI), fail with exit 2.
"""

import os
import sys

import dj_database_url
import psycopg


def main(url: str) -> int:
    cfg = dj_database_url.parse(url)
    try:
        psycopg.connect(
            host=cfg["HOST"] or "127.0.0.1",
            port=cfg["PORT"] or 5432,
            user=cfg["USER"] or "postgres",
            password=cfg["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if os.environ.get("JIFEN_REQUIRE_PG") == "1":
            print(f"PostgreSQL is required (JIFEN_REQUIRE_PG=1) but unreachable: {reason}")
            return 2
        print(f"SKIPPED: the PostgreSQL test pass — PostgreSQL unreachable at {url}: {reason}")
        return 1
    print(f"PostgreSQL reachable at {url}: running the suite on PostgreSQL")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
