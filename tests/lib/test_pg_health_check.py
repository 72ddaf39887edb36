"""The PostgreSQL backend's health check (jifen/lib/db/postgresql): no round trip for a
healthy idle connection, and a connection the server closed is replaced before a
request's first query."""

import time

import psycopg
import pytest
from django.db import connection

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]


def _server_closes(pid: int) -> None:
    """Another session ends this connection's backend, as a restart would."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or "postgres",
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _checked() -> None:
    """What Django does before a request's first query, with health checks on."""
    connection.health_check_enabled = True
    connection.health_check_done = False
    connection.close_if_health_check_failed()


def test_the_engine_is_jifens() -> None:
    assert connection.settings_dict["ENGINE"] == "jifen.lib.db.postgresql"
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_healthy_idle_connection_passes_without_asking_the_server() -> None:
    connection.ensure_connection()
    raw = connection.connection

    def no_statement(*args: object, **kwargs: object) -> None:
        raise AssertionError("the health check sent a statement")

    raw.cursor = no_statement  # type: ignore[method-assign]
    try:
        _checked()
    finally:
        del raw.cursor
    assert connection.connection is raw  # kept, not reopened


def test_a_connection_the_server_closed_is_replaced_before_the_first_query() -> None:
    connection.ensure_connection()
    raw = connection.connection
    _server_closes(raw.info.backend_pid)
    deadline = time.monotonic() + 5
    while raw.pgconn.socket is not None and time.monotonic() < deadline:
        if not connection.is_usable():
            break
        time.sleep(0.05)
    assert connection.is_usable() is False
    _checked()
    assert connection.connection is None  # closed: the next query opens a new one
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection is not raw


def test_without_the_check_the_dead_connection_fails_the_query() -> None:
    """Why the check is on: the same closed connection, unchecked, fails a request."""
    connection.ensure_connection()
    raw = connection.connection
    _server_closes(raw.info.backend_pid)
    time.sleep(0.2)
    with pytest.raises(Exception, match="terminat|closed|connection"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    connection.close()
