"""Chromium through Playwright, against pytest-django's live server.

One browser for this folder's tests; a fresh context (cookies, storage) per test.
Chromium comes from Debian (/usr/bin/chromium), never from ``playwright install``.
Without it the browser tests are skipped and say why; with ``JIFEN_REQUIRE_BROWSER=1``
(CI) they fail instead.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.browser.helpers import DESKTOP, PHONE
from tests.conftest import require_env

# Debian's Chromium; JIFEN_CHROMIUM names another build (e.g. on a developer's laptop).
CHROMIUM = os.environ.get("JIFEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Long enough for a slow CI machine, short enough that a broken page fails fast.
TIMEOUT_MS = 10_000
BOTH_DATABASES = {"test_login.py", "test_points.py"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    # The pages are the same on either database; `make test` drives them all on SQLite,
    # and on PostgreSQL walks only logging in and the ledger's pages (to keep CI short).
    once = pytest.mark.skip(reason="this browser test runs in the SQLite pass of `make test`")
    on_pg = connection.vendor == "postgresql"
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if on_pg and Path(str(item.fspath)).name not in BOTH_DATABASES:
                item.add_marker(once)
            # The live server answers from its own threads, so each test commits for real
            # and the tables are emptied afterwards (not one rolled-back transaction).
            item.add_marker(pytest.mark.django_db(transaction=True))


def _unavailable(reason: str) -> None:
    if require_env("JIFEN_REQUIRE_BROWSER"):
        pytest.fail(f"Chromium is required (JIFEN_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Any]:
    """Playwright for this folder's tests only, stopped when the last of them is done."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"Playwright for Python is not installed ({exc})")
    # The sync API keeps an event loop running in the test thread while it is started;
    # Django would refuse every ORM call made there (set-up, database assertions).
    # Only for as long as Playwright runs: `check --deploy` rightly flags this variable.
    saved = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        driver = sync_playwright().start()
    except Exception as exc:  # noqa: BLE001 - any failure to start means "no browser"
        _restore(saved)
        _unavailable(f"Playwright could not start: {exc}")
    yield driver
    driver.stop()
    _restore(saved)


def _restore(saved: str | None) -> None:
    if saved is None:
        os.environ.pop(ASYNC_UNSAFE, None)
    else:
        os.environ[ASYNC_UNSAFE] = saved


def _gist(exc: Exception) -> str:
    """The first line of Playwright's launch error and what the browser said as it died."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    said = [line.strip() for line in lines if "[err]" in line or "process did exit" in line]
    return " / ".join([lines[0], *said[:5]])


@pytest.fixture(scope="package")
def browser(playwright_driver: Any) -> Iterator[Any]:
    try:
        chromium = playwright_driver.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
    except Exception as exc:  # noqa: BLE001
        _unavailable(f"Playwright could not launch {CHROMIUM}: {_gist(exc)}")
    yield chromium
    chromium.close()


def _context(browser: Any, live_server: Any, options: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page in a 360 px phone (2x, touch, zh-CN), logged out."""
    yield from _context(browser, live_server, PHONE)


@pytest.fixture
def desktop(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page in a 1366 px desktop browser (zh-CN), logged out."""
    yield from _context(browser, live_server, DESKTOP)


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """Save the whole page to test-artifacts/<name>.png for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
