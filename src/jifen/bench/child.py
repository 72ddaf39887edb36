"""Run benchmark code in fresh processes, each with Django set up against a scratch database.

The ``jifen bench`` process itself never opens a Django database connection: its
own settings point at the instance's database (``./var`` by default), which a
benchmark must never touch. Every piece of work runs in a *spawned* child that
sets ``JIFEN_DATABASE_URL`` before Django reads its settings, so the child sees
only the scratch database. Spawning (not forking) also gives each award worker
its own interpreter and connection, and a settlement child its own peak RSS.

This module imports no Django models at import time: the child imports it before
the environment is set.
"""

import importlib
import multiprocessing as mp
import os
import queue
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

SPAWN = mp.get_context("spawn")


class ChildFailed(RuntimeError):
    """A child raised; the message carries its traceback."""


def _child_main(
    database_url: str, target: str, kwargs: dict[str, Any], results: Any, sync: Any
) -> None:
    try:
        os.environ["JIFEN_DATABASE_URL"] = database_url
        os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
        import django

        django.setup()
        module, name = target.rsplit(":", 1)
        function = getattr(importlib.import_module(module), name)
        if sync is not None:
            kwargs = {**kwargs, "barrier": sync}
        results.put(("ok", function(**kwargs)))
    except BaseException:  # noqa: BLE001 - report anything to the parent
        results.put(("error", traceback.format_exc()))
    finally:
        from django.db import connections

        connections.close_all()


def run_many(
    database_url: str,
    target: str,
    kwargs_list: Sequence[dict[str, Any]],
    *,
    timeout: float,
    barrier: bool = False,
) -> list[Any]:
    """Run ``target`` ("module:function") once per kwargs, all at the same time, in
    spawned children; return their results in order. With ``barrier``, each call gets
    a ``barrier`` argument shared by all of them, to start their timed part together."""
    results = [SPAWN.Queue() for _ in kwargs_list]
    sync = SPAWN.Barrier(len(kwargs_list)) if barrier else None
    processes = [
        SPAWN.Process(
            target=_child_main, args=(database_url, target, kwargs, out, sync), daemon=True
        )
        for kwargs, out in zip(kwargs_list, results, strict=True)
    ]
    for process in processes:
        process.start()
    answers: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        for process, out in zip(processes, results, strict=True):
            while True:
                try:
                    status, value = out.get(timeout=1)
                    break
                except queue.Empty:
                    if not process.is_alive() and out.empty():
                        raise ChildFailed(
                            f"{target}: its process ended (exit code {process.exitcode}) "
                            "without an answer"
                        ) from None
                    if time.monotonic() > deadline:
                        raise ChildFailed(
                            f"{target} did not finish within {timeout:.0f} s"
                        ) from None
            if status != "ok":
                raise ChildFailed(f"{target} failed:\n{value}")
            answers.append(value)
            process.join(timeout=30)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
    return answers


def run(database_url: str, target: str, *, timeout: float = 3600, **kwargs: Any) -> Any:
    """Run ``target(**kwargs)`` in one spawned child and return what it returns."""
    return run_many(database_url, target, [kwargs], timeout=timeout)[0]


def timed_loop(
    operation: Callable[[int], object], *, warm_up: int, seconds: float, barrier: Any = None
) -> tuple[int, float, float]:
    """Warm up, wait for the other workers, then run ``operation(n)`` for ``seconds``:
    (how many ran, when the timing started, when it ended). Warm-up calls get n < 0."""
    for n in range(warm_up):
        operation(-n - 1)
    if barrier is not None:
        barrier.wait()
    start = time.monotonic()
    deadline = start + seconds
    done = 0
    while True:
        operation(done)
        done += 1
        if time.monotonic() >= deadline:
            break
    return done, start, time.monotonic()
