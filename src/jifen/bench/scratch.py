"""Scratch databases for the benchmarks, migrated once and copied for each benchmark.

PostgreSQL: databases named ``jifen_bench_<pid>_<what>`` on the server of
``JIFEN_BENCH_PG_URL``, made with ``CREATE DATABASE ... TEMPLATE`` from one
migrated template and dropped when the run ends. SQLite: files in a temporary
directory, copied from one migrated file. The instance's own database is never
opened.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import dj_database_url

from jifen.bench import child

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PREFIX = "jifen_bench"


def pg_url_from_env() -> str:
    return os.environ.get("JIFEN_BENCH_PG_URL", "").strip() or DEFAULT_PG_URL


def migrate() -> None:
    """(In a child.) Create the schema of the scratch database."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _connect(cfg: Any, dbname: str) -> Any:
    import psycopg

    return psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        dbname=dbname,
        connect_timeout=5,
        autocommit=True,
    )


@dataclass
class PostgresScratch:
    """Scratch databases on one PostgreSQL server."""

    admin_url: str
    made: list[str] = field(default_factory=list)
    template: str | None = None

    def __post_init__(self) -> None:
        self.cfg = dj_database_url.parse(self.admin_url)
        self.tag = f"{PREFIX}_{os.getpid()}"

    def check(self) -> str | None:
        """None when the server answers, else why not."""
        try:
            with _connect(self.cfg, self.cfg["NAME"] or "postgres") as conn:
                conn.execute("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - any failure means "skip PostgreSQL"
            text = str(exc).strip().splitlines()
            return text[0] if text else type(exc).__name__
        return None

    def server_version(self) -> str:
        with _connect(self.cfg, self.cfg["NAME"] or "postgres") as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"

    def checkpoint(self) -> None:
        """Best effort: CHECKPOINT needs a superuser or pg_checkpoint."""
        try:
            self._execute("CHECKPOINT")
        except Exception:  # noqa: BLE001, S110 - a benchmark runs without it too
            pass

    def url(self, name: str) -> str:
        cfg = self.cfg
        auth = quote(cfg["USER"] or "postgres", safe="")
        if cfg["PASSWORD"]:
            auth += ":" + quote(cfg["PASSWORD"], safe="")
        host = cfg["HOST"] or "127.0.0.1"
        return f"postgres://{auth}@{host}:{cfg['PORT'] or 5432}/{name}"

    def _execute(self, sql: str) -> None:
        with _connect(self.cfg, self.cfg["NAME"] or "postgres") as conn:
            conn.execute(sql)

    def create(self, what: str, *, migrated: bool = True) -> str:
        """A new empty (or migrated) database; returns its name."""
        name = f"{self.tag}_{what}"
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if migrated:
            if self.template is None:
                self.template = f"{self.tag}_template"
                self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
                self._execute(f'CREATE DATABASE "{self.template}"')
                self.made.append(self.template)
                child.run(self.url(self.template), "jifen.bench.scratch:migrate", timeout=600)
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        else:
            self._execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return name

    def drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.made:
            self.made.remove(name)

    def drop_all(self) -> None:
        for name in list(reversed(self.made)):
            try:
                self.drop(name)
            except Exception:  # noqa: BLE001, S112 - best effort at the end of a run
                continue


@dataclass
class SqliteScratch:
    """Scratch SQLite files in a temporary directory."""

    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="jifen_bench_")))
    template: Path | None = None

    def url(self, path: Path) -> str:
        return f"sqlite:///{path}"

    def create(self, what: str) -> Path:
        if self.template is None:
            self.template = self.directory / "template.sqlite3"
            child.run(self.url(self.template), "jifen.bench.scratch:migrate", timeout=600)
        path = self.directory / f"{what}.sqlite3"
        shutil.copyfile(self.template, path)
        return path

    def drop_all(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
