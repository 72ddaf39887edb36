"""Fixed statements planned once per PostgreSQL connection (``lib.rawrows.execute_planned``):
the first use prepares in the same message as it runs, later uses only execute, each
use is one statement that Django's cursor sees, and a failure never leaves a session
unable to run the statement again."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from jifen.lib.rawrows import _numbered, execute_planned

SQL = "SELECT CAST(%s AS integer) + 1, '100%%' WHERE %s"


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def _run(name: str, value: int) -> tuple[int, str] | None:
    with connection.cursor() as cursor:
        execute_planned(cursor, name, SQL, [value, True])
        return cursor.fetchone()


def test_placeholders_are_numbered_and_percent_signs_kept() -> None:
    assert _numbered("a = %s AND b LIKE '%%x' AND c = %s") == "a = $1 AND b LIKE '%%x' AND c = $2"


@pytest.mark.django_db
def test_it_reads_as_a_plain_statement_everywhere() -> None:
    assert _run("jifen_test_plain", 41) == (42, "100%")
    assert _run("jifen_test_plain", 1) == (2, "100%")


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_prepared_once_then_executed_one_statement_each_time() -> None:
    connection.close()  # a new session, as a worker's first request has
    with CaptureQueriesContext(connection) as first:
        assert _run("jifen_test_once", 1) == (2, "100%")
    assert "jifen_test_once" in _prepared()
    with CaptureQueriesContext(connection) as later:
        assert _run("jifen_test_once", 2) == (3, "100%")
        assert _run("jifen_test_once", 3) == (4, "100%")
    assert len(first) == 1 and first[0]["sql"].startswith("PREPARE jifen_test_once AS ")
    assert len(later) == 2 and all(q["sql"].startswith("EXECUTE jifen_test_once(") for q in later)


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again() -> None:
    assert _run("jifen_test_again", 1) == (2, "100%")
    connection.close()
    assert _run("jifen_test_again", 5) == (6, "100%")
    assert "jifen_test_again" in _prepared()


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_a_first_use_that_fails_leaves_the_session_able_to_run_it() -> None:
    connection.close()
    # The transaction is already aborted: the message (PREPARE and EXECUTE) fails whole.
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            with pytest.raises(DatabaseError):
                cursor.execute("SELECT 1 / 0")
            execute_planned(cursor, "jifen_test_fail", SQL, [1, True])
    assert _run("jifen_test_fail", 1) == (2, "100%")
    # The PREPARE ran but the EXECUTE failed (a value the statement rejects): the next
    # first use deallocates before preparing, instead of preparing twice.
    connection.close()
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        execute_planned(cursor, "jifen_test_half", SQL, ["not a number", True])
    assert _run("jifen_test_half", 7) == (8, "100%")
    assert _run("jifen_test_half", 8) == (9, "100%")
