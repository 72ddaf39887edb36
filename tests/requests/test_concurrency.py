"""抢单 under real concurrency: of many volunteers taking one open request at once, exactly
one has it (ARCHITECTURE.md invariant 9).

On PostgreSQL, like tests/claims and tests/shop: each test commits for real
(``transaction=True``) and runs threads released together by a barrier, each with its
own database connection. The request's row lock (``services._locked``: ``FOR UPDATE``)
makes the check of its status and the write one step: without it, every racer reads
``open`` and each overwrites the assignee of the one before, all answered as winners.

On SQLite the same race runs in a child process on a copy of the test database in a file,
opened with the settings ``jifen serve`` uses (WAL, ``BEGIN IMMEDIATE``, a 30 s busy
timeout), as tests/shop/test_concurrency.py explains.
"""

import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from jifen.lib.errors import Conflict
from jifen.people.models import Person
from jifen.requests import services
from jifen.requests.models import Event, ServiceRequest, Status
from tests.conftest import make_person

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)


def in_threads(count: int, work: Callable[[int], object], timeout: float = 60) -> list:
    """Run ``work(i)`` in ``count`` threads released together; return their results, or
    their exceptions. Each thread closes its own connection when done."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (lock wait?)"
    return results


def outcome(results: list) -> Counter:
    seen: Counter = Counter()
    for result in results:
        if isinstance(result, ServiceRequest):
            seen["won"] += 1
        elif isinstance(result, Conflict):
            seen[result.code] += 1
        else:
            raise AssertionError(f"unexpected: {result!r}")
    return seen


def open_request(world, title: str = "电饭煲坏了") -> ServiceRequest:
    request = services.submit_request(
        actor=world.resident, community=world.wenchang, category="REPAIR", title=title
    )
    return services.publish(actor=world.staff, request=request)


def accepting(request: ServiceRequest, people: list[Person]) -> Callable[[int], object]:
    ids = [p.pk for p in people]

    def work(i: int) -> ServiceRequest:
        return services.accept(actor=Person.objects.get(pk=ids[i]), request=request.pk)

    return work


@pg
@transactional
def test_of_many_volunteers_taking_one_request_at_once_exactly_one_has_it(world, menu):
    volunteers = [make_person(world.wenchang, f"志愿者{i}") for i in range(8)]
    for round_ in range(10):
        request = open_request(world, f"求助{round_}")
        results = in_threads(len(volunteers), accepting(request, volunteers))
        assert outcome(results) == Counter({"won": 1, "already_taken": 7}), results
        [winner] = [r for r in results if isinstance(r, ServiceRequest)]
        stored = ServiceRequest.objects.get(pk=request.pk)
        assert stored.status == Status.ASSIGNED and stored.assignee_id == winner.assignee_id
        accepts = Event.objects.filter(request=request, step="accept")
        assert accepts.count() == 1 and accepts.get().actor_id == winner.assignee_id


@pg
@transactional
def test_a_double_tap_and_a_rival_at_once_give_the_request_once(world, menu):
    first, rival = make_person(world.wenchang, "周甲"), make_person(world.wenchang, "周乙")
    for round_ in range(10):
        request = open_request(world, f"求助{round_}")
        results = in_threads(3, accepting(request, [first, first, rival]))
        stored = ServiceRequest.objects.get(pk=request.pk)
        seen = outcome(results)
        if stored.assignee_id == first.pk:  # both taps answered as the taker's own
            assert seen == Counter({"won": 2, "already_taken": 1}), results
        else:
            assert seen == Counter({"won": 1, "already_taken": 2}), results
        assert Event.objects.filter(request=request, step="accept").count() == 1


@pg
@transactional
def test_an_accept_racing_a_cancel_lets_one_win(world, menu):
    volunteer = make_person(world.wenchang, "周甲")
    for round_ in range(10):
        request = open_request(world, f"求助{round_}")

        def work(i: int, request: ServiceRequest = request) -> object:
            if i == 0:
                return services.accept(
                    actor=Person.objects.get(pk=volunteer.pk), request=request.pk
                )
            return services.cancel(
                actor=Person.objects.get(pk=world.resident.pk), request=request.pk, reason="不要了"
            )

        results = in_threads(2, work)
        stored = ServiceRequest.objects.get(pk=request.pk)
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1 and isinstance(refused[0], Conflict), results
        assert refused[0].code == "invalid_transition"
        assert stored.status in (Status.ASSIGNED, Status.CANCELLED)
        steps = list(Event.objects.filter(request=request).values_list("step", flat=True))
        assert steps[:2] == ["submit", "publish"] and len(steps) == 3


RACE_ON_SQLITE = r"""
import json, os, sys, threading
import django

os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
django.setup()
from django.db import connection
from jifen.lib.errors import Conflict
from jifen.people.models import Person
from jifen.requests import services
from jifen.requests.models import Event, ServiceRequest

assert connection.vendor == "sqlite" and connection.settings_dict["NAME"].endswith(".sqlite3")
mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
assert (mode, connection.settings_dict["OPTIONS"]["transaction_mode"]) == ("wal", "IMMEDIATE")
plan = json.loads(sys.argv[1])

def race(request_id, people):
    barrier = threading.Barrier(len(people))
    results = [None] * len(people)

    def run(i):
        try:
            barrier.wait()
            services.accept(actor=Person.objects.get(pk=people[i]), request=request_id)
            results[i] = "won"
        except Conflict as exc:
            results[i] = exc.code
        except BaseException as exc:
            results[i] = repr(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(len(people))]
    for t in workers:
        t.start()
    for t in workers:
        t.join(60)
    stored = ServiceRequest.objects.get(pk=request_id)
    return {
        "results": sorted(results),
        "status": stored.status,
        "accepts": Event.objects.filter(request_id=request_id, step="accept").count(),
    }

print(json.dumps([race(request_id, people) for request_id, people in plan]))
"""


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's own race: runs in the SQLite pass"
)
@transactional
def test_on_sqlite_one_of_many_takes_the_request(world, menu, tmp_path: Path):
    volunteers = [make_person(world.wenchang, f"志愿者{i}").pk for i in range(6)]
    plan = [(open_request(world, f"求助{n}").pk, volunteers) for n in range(5)]
    connection.ensure_connection()
    with sqlite3.connect(tmp_path / "jifen.sqlite3") as copy:
        connection.connection.backup(copy)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
    env["JIFEN_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", RACE_ON_SQLITE, json.dumps(plan)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for race in json.loads(done.stdout.strip().splitlines()[-1]):
        assert race == {
            "results": ["already_taken"] * 5 + ["won"],
            "status": "assigned",
            "accepts": 1,
        }, race
