"""`manage.py check --deploy` finds nothing but what the reverse proxy is there for."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

# TLS, HSTS and the HTTPS redirect belong to the reverse proxy (CONTRACT.md).
PROXY_ONLY = {"security.W004", "security.W008"}
HTTP_COOKIES = {"security.W012", "security.W016"}


@pytest.fixture(autouse=True)
def _as_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    # The browser tests' Playwright needs this in the test process; a server never has it.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)


def deploy_check_ids() -> set[str]:
    out, err = StringIO(), StringIO()
    call_command("check", deploy=True, stdout=out, stderr=err)
    return set(re.findall(r"\(([a-z_.]+\.[A-Z]\d{3})\)", out.getvalue() + err.getvalue()))


@override_settings(DEBUG=False)
def test_plain_http_reports_only_the_proxy_and_cookie_warnings():
    assert deploy_check_ids() == PROXY_ONLY | HTTP_COOKIES


@override_settings(DEBUG=False, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_behind_an_https_proxy_only_the_proxys_own_warnings_remain():
    assert deploy_check_ids() == PROXY_ONLY


@override_settings(DEBUG=True)
def test_the_check_does_notice_debug_left_on():
    assert "security.W018" in deploy_check_ids()
