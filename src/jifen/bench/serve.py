"""What the HTTP benchmarks share: ``jifen serve`` in a subprocess, bearer tokens made in
bulk, and nearest-rank percentiles.

``Server`` starts ``python -m jifen serve`` exactly as production does (gunicorn, sync
workers, ``JIFEN_DEBUG`` off) on a free 127.0.0.1 port, its environment pointing at a
scratch database, with a secret key of its own and a temporary data directory.
``issue_tokens`` runs in a child against the scratch database. Nothing here imports
Django at import time.
"""

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def issue_tokens(person_ids: list[int]) -> dict[int, str]:
    """(In a child.) One API token per person, stored as ``jifen.people.auth`` stores them
    (the SHA-256 only); the plaintexts, for the load generator, by person id."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from jifen.people.auth import TOKEN_PREFIX, _digest
    from jifen.people.models import ApiToken

    expires = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
    raw = {pk: TOKEN_PREFIX + secrets.token_urlsafe(32) for pk in person_ids}
    ApiToken.objects.bulk_create(
        [ApiToken(person_id=pk, digest=_digest(t), expires_at=expires) for pk, t in raw.items()],
        batch_size=2000,
    )
    return raw


class Server:
    """``jifen serve`` in a subprocess (its own session, so it can be stopped whole)."""

    def __init__(self, database_url: str, secret_key: str, workers: int | None = None) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="jifen_bench_serve_"))
        self.log_path = self.directory / "serve.log"
        env = {
            **os.environ,
            "JIFEN_DATABASE_URL": database_url,
            "JIFEN_SECRET_KEY": secret_key,
            "JIFEN_DEBUG": "0",
            "JIFEN_DATA_DIR": str(self.directory / "data"),
            "JIFEN_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SETTINGS_MODULE": "jifen.settings",
        }
        command = [sys.executable, "-m", "jifen", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port)]
        if workers:
            command += ["--workers", str(workers)]
        self.expected_workers = workers or (os.cpu_count() or 1) * 2 + 1
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        """Until it answers HTTP (an unauthenticated GET: any status will do)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jifen serve exited ({self.process.returncode}): {self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/v1/me")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"jifen serve did not answer within {timeout:.0f} s: {self.tail()}")
        # Every worker booted, not only the first to answer.
        while self.workers() < self.expected_workers and time.monotonic() < deadline:
            time.sleep(0.2)

    def tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:])

    def workers(self) -> int:
        try:
            path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return len(path.read_text().split())
        except OSError:
            return 0

    def stop(self) -> bool:
        """SIGTERM (gunicorn's graceful stop); SIGKILL to its group after 30 s.
        True when it stopped on its own."""
        clean = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                clean = False
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()
        return clean and self.process.returncode == 0

    def remove(self) -> None:
        """Its temporary directory (data directory and log)."""
        shutil.rmtree(self.directory, ignore_errors=True)

    def log_lines(self) -> list[str]:
        try:
            return self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []

    def server_times(self, method: str, path: str, status: int | None = None) -> list[float]:
        """Request times (ms) of ``method path`` as gunicorn's access log has them (of the
        answers with ``status`` only, when given)."""
        return request_times(self.log_lines(), method, path, status)


def request_times(
    lines: list[str], method: str, path: str, status: int | None = None
) -> list[float]:
    """The times (ms) of ``method path`` in access-log lines
    (``%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms``, as ``jifen serve`` logs them), of the
    answers with ``status`` only when given."""
    needle = f'"{method} {path}" '
    times = []
    for line in lines:
        if needle not in line or not line.endswith("ms"):
            continue
        fields = line.split(needle, 1)[1].split()
        if status is not None and fields[:1] != [str(status)]:
            continue
        try:
            times.append(float(fields[-1][:-2]))
        except (ValueError, IndexError):
            continue
    return times
