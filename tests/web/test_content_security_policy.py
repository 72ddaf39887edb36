"""Every response carries a Content-Security-Policy that lets the pages load only what
the site itself serves (they use no CDN), and the templates contain nothing the policy
would block: no inline script, no inline event handler, no style attribute or <style>
element. The browser's own word on it is tests/browser/test_content_security_policy.py.
"""

import re
from pathlib import Path

from django.conf import settings
from django.test import Client

import jifen
from jifen.web.middleware import CONTENT_SECURITY_POLICY

TEMPLATES = Path(jifen.__file__).parent


def policy_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:])
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def test_pages_api_errors_and_static_files_all_carry_the_policy(world) -> None:
    client = Client()
    client.force_login(world.resident)
    for url in ("/", "/login/", "/shop/", "/api/v1/openapi.json", "/no-such-page/"):
        response = client.get(url)
        policy = policy_of(response)
        assert policy["default-src"] == "'self'", url
        assert policy["script-src"] == "'self'", url
        assert policy["style-src"] == "'self'", url
        assert policy["img-src"] == "'self' data:", url
        assert policy["object-src"] == "'none'", url
        assert policy["frame-ancestors"] == "'none'", url
        assert policy["base-uri"] == "'self'", url
        assert policy["form-action"] == "'self'", url
    assert "Content-Security-Policy" in Client().get(f"{settings.STATIC_URL}jifen/jifen.css")


def test_the_api_docs_page_is_served_from_the_site_under_the_same_policy(world) -> None:
    """django-ninja's own copy of Swagger UI, not its CDN one: the policy would refuse it
    (the browser test opens and tries an operation without a violation)."""
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower() and "ninja/swagger-ui-bundle.js" in html
    policy = policy_of(response)
    assert (policy["default-src"], policy["script-src"], policy["style-src"]) == (
        "'self'",
        "'self'",
        "'self'",
    )


def test_htmx_is_told_not_to_inject_its_indicator_style(world) -> None:
    client = Client()
    client.force_login(world.resident)
    html = client.get("/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false}\'>' in html


def test_the_policy_is_one_constant() -> None:
    assert CONTENT_SECURITY_POLICY.startswith("default-src 'self'")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
JS_URL = re.compile(r"\b(href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


def test_no_template_has_inline_script_handlers_or_styles() -> None:
    offenders = []
    for path in sorted(TEMPLATES.rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for name, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("inline event handler", EVENT_HANDLER),
            ("style attribute", STYLE_ATTRIBUTE),
            ("<style> element", STYLE_ELEMENT),
            ("javascript: URL", JS_URL),
        ):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(TEMPLATES)}:{line}: {name}")
    assert offenders == [], "\n".join(offenders)
