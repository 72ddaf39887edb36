"""HTTP load generators for the HTTP benchmarks: asyncio and raw streams, stdlib only.

``generate`` (``checkin_burst``) is open loop at a fixed rate; ``burst``
(``redeem_race``) opens every connection first and then releases every request at
the same instant.

In ``generate``, request ``i`` is *scheduled* at ``t0 + i / rate`` and sent then, whatever is still
outstanding (open loop): a server that stalls shows up as latency, never as a slower
rate. Latency is measured from the scheduled time to the last byte of the answer, so
a send that the generator itself starts late counts against it too; the send lag
(actual minus scheduled) is recorded separately to show the generator's own share.

Connections are kept alive where the server allows it and reused from a pool;
gunicorn's sync workers close every connection after one answer
(``Connection: close``), so against ``jifen serve`` each request opens its own TCP
connection, as a phone behind a proxy would not but a bench on 127.0.0.1 must.

Also a stub server that answers every request at once (``stub_server``), to
measure what the generator and the loopback cost on their own.

This module imports nothing of Django: it runs in a spawned process of its own.
"""

import asyncio
import json
import os
import resource
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TOKEN_PERIOD = 30  # jifen.activities.tokens.PERIOD
REQUEST_TIMEOUT = 30.0


@dataclass
class Record:
    """One request, times in seconds from the run's t0 (the loop's monotonic clock)."""

    index: int
    scheduled: float
    sent: float
    done: float
    status: int  # 0: no HTTP answer (connection error, timeout)
    error: str = ""

    @property
    def latency(self) -> float:
        return self.done - self.scheduled


def _proc_stats() -> dict[int, tuple[str, int, float, float]]:
    """Every process: pid -> (name, parent, own CPU, CPU of its reaped children), seconds;
    a PostgreSQL backend is named by its title ("postgres: ... <database> ...")."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:  # noqa: PTH123 - a tiny proc file
                text = fh.read()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        if name == "postgres":
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:  # noqa: PTH123
                    name = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                continue
        fields = text[text.rindex(")") + 2 :].split()
        own = (int(fields[11]) + int(fields[12])) / tick
        reaped = (int(fields[13]) + int(fields[14])) / tick
        stats[int(entry)] = (name, int(fields[1]), own, reaped)
    return stats


def cpu_snapshot(server_pid: int | None, database: str | None = None) -> dict[str, float]:
    """CPU seconds used so far: the machine (busy and total, all CPUs), ``server_pid``
    and its children (gunicorn's master and workers; the master's count of its reaped
    children included, so a recycled worker still counts), and the PostgreSQL backends
    serving ``database`` now (others' databases on the same server left out; see
    ``_BackendWatch`` for backends that come and go). Linux only; whatever cannot be
    read is left out."""
    tick = os.sysconf("SC_CLK_TCK")
    snapshot: dict[str, float] = {}
    try:
        with open("/proc/stat") as stat:  # noqa: PTH123
            values = [int(v) for v in stat.readline().split()[1:]]
        snapshot["machine_total"] = sum(values[:8]) / tick
        snapshot["machine_idle"] = (values[3] + values[4]) / tick
        stats = _proc_stats()
    except (OSError, ValueError, IndexError):
        return snapshot

    def tree(root: int) -> float:
        _name, _parent, own, reaped = stats[root]
        return own + reaped + sum(s[2] for s in stats.values() if s[1] == root)

    if server_pid and server_pid in stats:
        snapshot["server"] = tree(server_pid)
    if database:
        snapshot["postgres"] = sum(
            own
            for name, _parent, own, _reaped in stats.values()
            if name.startswith("postgres: ") and f" {database} " in name
        )
    return snapshot


class _BackendWatch:
    """CPU of a database's PostgreSQL backends over a run, sampled every half second:
    Django closes a persistent connection after ``CONN_MAX_AGE`` (60 s) and opens
    another, and a backend that has exited can no longer be read, so each is counted
    from its first sample (from zero when it started during the run) to its last one.
    What a backend does in its last half second before exiting is lost."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.first = True

    def sample(self) -> None:
        try:
            stats = _proc_stats()
        except OSError:
            return
        for pid, (name, _parent, own, _reaped) in stats.items():
            if name.startswith("postgres: ") and f" {self.database} " in name:
                self.start.setdefault(pid, own if self.first else 0.0)
                self.last[pid] = own
        self.first = False

    def used(self) -> float:
        return sum(self.last[pid] - self.start[pid] for pid in self.last)

    async def watch(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            try:
                await asyncio.wait_for(stop.wait(), 0.5)
            except TimeoutError:
                pass
        self.sample()


class _Pool:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0

    async def take(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        while self.idle:
            reader, writer = self.idle.pop()
            if not writer.is_closing() and not reader.at_eof():
                return reader, writer, True
        reader, writer = await asyncio.open_connection(self.host, self.port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.opened += 1
        return reader, writer, False

    def give(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.idle.append((reader, writer))

    async def close(self) -> None:
        for _reader, writer in self.idle:
            writer.close()
        self.idle.clear()


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes
) -> tuple[int, bytes, bool]:
    """Send one request, read one answer: (status, body, whether the server closes)."""
    writer.write(payload)
    await writer.drain()
    return await _answer(reader)


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Read one answer: (status, body, whether the server closes)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length: int | None = None
    close = lines[0].startswith("HTTP/1.0")
    for line in lines[1:]:
        name, _sep, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection":
            close = value.strip().lower() == "close"
    if length is None:
        body = await reader.read()
        close = True
    else:
        body = await reader.readexactly(length)
    return status, body, close


def _payload(
    host: str,
    port: int,
    path: str,
    bearer: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> bytes:
    data = json.dumps(body).encode()
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Authorization: Bearer {bearer}\r\n"
        "Content-Type: application/json\r\n"
        "Accept: application/json\r\n"
        f"{extra}"
        f"Content-Length: {len(data)}\r\n"
        "\r\n"
    )
    return head.encode() + data


def _error_code(body: bytes) -> str:
    try:
        return str(json.loads(body)["error"]["code"])
    except Exception:  # noqa: BLE001 - any unreadable body is reported by its start
        return body[:80].decode("utf-8", "replace")


async def _one(
    pool: _Pool, payload: bytes, index: int, scheduled: float, t0: float, clock: Callable[[], float]
) -> Record:
    sent = clock() - t0
    try:
        for attempt in (0, 1):
            reader, writer, reused = await pool.take()
            try:
                status, body, close = await asyncio.wait_for(
                    _exchange(reader, writer, payload), REQUEST_TIMEOUT
                )
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                # A kept-alive connection the server had closed meanwhile: once more on a
                # fresh one (check-in is idempotent). A fresh connection failing is an error.
                if reused and attempt == 0:
                    continue
                raise
            if close:
                writer.close()
            else:
                pool.give(reader, writer)
            done = clock() - t0
            error = "" if 200 <= status < 300 else f"{status} {_error_code(body)}"
            return Record(index, scheduled, sent, done, status, error)
    except TimeoutError:
        return Record(index, scheduled, sent, clock() - t0, 0, "timeout")
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        return Record(index, scheduled, sent, clock() - t0, 0, type(exc).__name__)
    raise AssertionError("unreachable")


async def _run(
    host: str,
    port: int,
    path: str,
    bearers: list[str],
    qr_tokens: dict[int, str],
    rate: float,
    server_pid: int | None,
    database: str | None,
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    clock = loop.time
    pool = _Pool(host, port)

    def token_now() -> str:
        period = int(time.time() // TOKEN_PERIOD)
        return qr_tokens[period]

    cpu0 = cpu_snapshot(server_pid)
    backends = _BackendWatch(database) if database else None
    stop_watching = asyncio.Event()
    watching = loop.create_task(backends.watch(stop_watching)) if backends else None
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = clock() + 0.05
    wall0 = time.time() + (t0 - clock())
    tasks = []
    for index, bearer in enumerate(bearers):
        at = t0 + index / rate
        delay = at - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        payload = _payload(host, port, path, bearer, {"token": token_now()})
        tasks.append(loop.create_task(_one(pool, payload, index, at - t0, t0, clock)))
    records: list[Record] = await asyncio.gather(*tasks)
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu1 = cpu_snapshot(server_pid)
    stop_watching.set()
    if watching is not None and backends is not None:
        await watching
        cpu1["postgres"], cpu0["postgres"] = backends.used(), 0.0
    await pool.close()
    span = max(r.done for r in records)
    cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    return {
        "records": [(r.index, r.scheduled, r.sent, r.done, r.status, r.error) for r in records],
        "span": span,
        "wall_start": wall0,
        "cpu_seconds": cpu,
        "cpu": {k: cpu1[k] - cpu0[k] for k in cpu1 if k in cpu0},
        "connections": pool.opened,
    }


def generate(
    *,
    host: str,
    port: int,
    path: str,
    bearers: list[str],
    qr_tokens: dict[int, str],
    rate: float,
    server_pid: int | None = None,
    database: str | None = None,
) -> dict[str, Any]:
    """POST ``{"token": <the QR token of the moment>}`` to ``path`` once per bearer token,
    at ``rate`` per second, open loop. ``qr_tokens`` maps each 30-second period (unix
    time // 30) of the run to the activity's token for it, so the code on the screen is
    refreshed as it turns, as a volunteer's phone would read it. With
    ``server_pid`` and ``database``, the CPU used over the run by the server's workers
    and by PostgreSQL's backends of that database is reported too."""
    return asyncio.run(_run(host, port, path, bearers, qr_tokens, rate, server_pid, database))


# --- A burst: every connection opened first, every request released at one instant ---------


async def _connect(
    host: str, port: int, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | BaseException:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError) as exc:
        return exc
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return reader, writer


def _failure(exc: BaseException) -> str:
    return "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__


async def _burst(
    host: str,
    port: int,
    path: str,
    requests: list[tuple[str, dict[str, Any], dict[str, str]]],
    timeout: float,
    server_pid: int | None,
    database: str | None,
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    clock = loop.time
    payloads = [_payload(host, port, path, b, body, headers) for b, body, headers in requests]
    # Every connection first: the kernel completes the handshakes into the listening
    # socket's queue (gunicorn's workers accept one at a time, as they come free).
    opening = clock()
    connections = await asyncio.gather(*(_connect(host, port, timeout) for _ in payloads))
    connect_seconds = clock() - opening
    cpu0 = cpu_snapshot(server_pid)
    backends = _BackendWatch(database) if database else None
    stop_watching = asyncio.Event()
    watching = loop.create_task(backends.watch(stop_watching)) if backends else None
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    # The release: each whole request written at once, one after the other, with no
    # await in between (the transport hands each to the kernel in this loop).
    t0 = clock()
    wall0 = time.time()
    sent: list[float] = []
    for connection, payload in zip(connections, payloads, strict=True):
        if isinstance(connection, tuple):
            connection[1].write(payload)
        sent.append(clock() - t0)
    release_seconds = clock() - t0

    async def answer(index: int) -> tuple[Record, bytes]:
        connection = connections[index]
        if not isinstance(connection, tuple):
            return Record(index, 0.0, sent[index], sent[index], 0, _failure(connection)), b""
        reader, writer = connection

        async def exchange() -> tuple[int, bytes, bool]:
            await writer.drain()
            return await _answer(reader)

        try:
            left = max(0.001, timeout - (clock() - t0))
            status, body, _close = await asyncio.wait_for(exchange(), left)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            return Record(index, 0.0, sent[index], clock() - t0, 0, _failure(exc)), b""
        finally:
            writer.close()
        error = "" if 200 <= status < 300 else f"{status} {_error_code(body)}"
        return Record(index, 0.0, sent[index], clock() - t0, status, error), body

    answers = await asyncio.gather(*(answer(i) for i in range(len(payloads))))
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu1 = cpu_snapshot(server_pid)
    stop_watching.set()
    if watching is not None and backends is not None:
        await watching
        cpu1["postgres"], cpu0["postgres"] = backends.used(), 0.0
    records = [record for record, _body in answers]
    cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    return {
        "records": [(r.index, r.scheduled, r.sent, r.done, r.status, r.error) for r in records],
        # The answers of the requests that succeeded (what they created), by index.
        "bodies": {
            r.index: body.decode("utf-8", "replace") for r, body in answers if 200 <= r.status < 300
        },
        "span": max((r.done for r in records), default=0.0),
        "wall_start": wall0,
        "connect_seconds": connect_seconds,
        "release_seconds": release_seconds,
        "cpu_seconds": cpu,
        "cpu": {k: cpu1[k] - cpu0[k] for k in cpu1 if k in cpu0},
        "connections": sum(1 for c in connections if isinstance(c, tuple)),
    }


def burst(
    *,
    host: str,
    port: int,
    path: str,
    requests: list[tuple[str, dict[str, Any], dict[str, str]]],
    request_timeout: float = 60.0,
    server_pid: int | None = None,
    database: str | None = None,
) -> dict[str, Any]:
    """POST every request of ``requests`` (bearer token, JSON body, extra headers) to
    ``path`` at the same instant: all connections are opened first, then every request is
    written in one pass (``release_seconds`` says how long that pass took), and each
    answer is read as it comes. Records are as ``generate``'s with ``scheduled`` 0 (the
    release), so a latency runs from the release to the last byte of the answer; a
    request without an answer within ``request_timeout`` s of the release is a ``timeout``.
    With ``server_pid`` and ``database``, CPU as in ``generate``."""
    return asyncio.run(_burst(host, port, path, requests, request_timeout, server_pid, database))


# --- A stub server: what the generator costs with nothing behind it --------------------


async def _stub_handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    body = b'{"id": 1}'
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.decode("latin-1").split("\r\n")[1:]:
                name, _sep, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            # Like gunicorn's sync worker: one answer per connection.
            writer.write(
                b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
            break
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def stub_server(port: int, seconds: float, ready: Any = None) -> None:
    """Answer 201 to every request on 127.0.0.1:``port`` for ``seconds``."""

    async def main() -> None:
        server = await asyncio.start_server(_stub_handle, "127.0.0.1", port, backlog=2048)
        if ready is not None:
            ready.set()
        async with server:
            await asyncio.sleep(seconds)

    asyncio.run(main())
