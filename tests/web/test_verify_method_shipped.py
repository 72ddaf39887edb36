"""/verify/method/ serves docs/verification.md wherever Jifen is installed (issue 13): the
page reads it from inside the package, where `pip install .` puts a copy (package data:
templates/**), not from a source checkout's docs folder that an installation lacks."""

from pathlib import Path

from django.test import Client

import jifen
from jifen.publicity.views import verify

ROOT = Path(__file__).resolve().parents[2]


def test_the_method_is_read_from_inside_the_package_and_is_the_published_doc():
    package = Path(jifen.__file__).resolve().parent
    assert verify.METHOD_DOC.is_relative_to(package)
    assert "templates" in verify.METHOD_DOC.relative_to(package).parts  # shipped as package data
    doc = (ROOT / "docs" / "verification.md").read_text(encoding="utf-8")
    assert verify.METHOD_DOC.read_text(encoding="utf-8") == doc


def test_the_verify_pages_link_the_method_by_name_not_by_path(world):
    for path in ("/verify/", "/verify/method/"):
        page = Client().get(path).content.decode()
        assert "docs/verification.md" not in page, path
    assert 'href="/verify/method/"' in Client().get("/verify/").content.decode()
