"""Every PDF Jifen serves prints its Chinese in the font shipped inside the package.

A fresh machine has no Chinese font package; the PDFs must not need one. Each route that
answers a PDF is fetched as its reader would, and its bytes say which font is embedded
and which Chinese characters it draws — read without poppler, so this runs everywhere.
Where poppler is installed the first page is also rendered and the place where the
Chinese is printed must not be blank. A new PDF route fails the first test until it is
added here.
"""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from jifen.disclosure import services as disclosures
from jifen.party import services as party
from jifen.people.models import Organization
from jifen.publicity import certificates
from tests.pdfcheck import (
    BUNDLED_FONT,
    chinese_drawn,
    dark_pixels,
    embedded_fonts,
    render_gray,
)
from tests.publicity.document_data import (
    award,
    local,
    make_items,
    published_month,
    served,
)
from tests.web.conftest import as_person  # noqa: F401 - the logged-in client fixture

# A resident whose name has characters few fonts draw: they must print, not as boxes.
RARE_NAME = "王堃喆"
YEAR = timezone.localdate().year - 1

# Route name -> (who fetches it, the Chinese that must be drawn, where on page 1 the
# Chinese title or name is printed: top, bottom, left, right as fractions of the page).
PDFS = {
    "activities:my_card": ("resident", "堃喆志愿者", (0.11, 0.16, 0.10, 0.32)),
    "activities:person_card": ("staff", "堃喆志愿者", (0.11, 0.16, 0.10, 0.32)),
    "publicity:my_ledger_pdf": ("resident", "王堃喆积分", (0.04, 0.12, 0.25, 0.75)),
    "publicity:person_ledger_pdf": ("staff", "王堃喆积分", (0.04, 0.12, 0.25, 0.75)),
    "publicity:announcement_pdf": ("resident", "文昌社区", (0.04, 0.12, 0.20, 0.80)),
    "publicity:certificate_pdf": ("resident", "王堃喆志愿服务", (0.12, 0.17, 0.30, 0.70)),
    "disclosure:item_pdf": ("resident", "文昌社区", (0.05, 0.11, 0.15, 0.85)),
    "party:statement_pdf": ("staff", "堃喆医院", (0.04, 0.14, 0.10, 0.90)),
}


def _pdf_routes() -> set[str]:
    """The names of every route whose path says it answers a PDF."""
    found: set[str] = set()

    def walk(patterns: list, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and "pdf" in str(pattern.pattern).lower():
                found.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return found


@pytest.fixture
def urls(world) -> dict[str, str]:
    """A resident with a rare name, their points, a published 公示 and a certificate."""
    person = world.resident
    person.name = RARE_NAME
    person.save()
    items = make_items(world)
    served(person, items.basic, 6, date(YEAR, 3, 1))
    award(person, 30, local(timezone.localdate() - timedelta(days=1)), memo="环境整治")
    announcement = published_month(world, world.wenchang, [person, world.staff])
    certificate = certificates.issue_certificate(
        actor=world.staff,
        person=person,
        start=date(YEAR, 1, 1),
        end=date(YEAR, 12, 31),
        responsible="陈书记",
        handler="李经办",
    )
    disclosed = disclosures.publish(
        actor=world.staff, region=world.wenchang, category="other", title="文昌社区村务公开"
    )
    # A unit's quarterly statement (在职党员回家报到), sealed for a quarter that has ended.
    employer = Organization.objects.create(region=world.wenchang, name="堃喆医院")
    quarter = party.quarter_of(timezone.localdate() - timedelta(days=100))
    party.statement(actor=world.staff, organization=employer, quarter=quarter)
    return {
        "party:statement_pdf": f"/party/units/{employer.pk}/statements/{quarter}/pdf/",
        "activities:my_card": "/me/card.pdf",
        "activities:person_card": f"/console/people/{person.pk}/card.pdf",
        "publicity:my_ledger_pdf": "/documents/ledger.pdf",
        "publicity:person_ledger_pdf": f"/console/people/{person.pk}/ledger.pdf"
        f"?start={YEAR}-01-01&end={timezone.localdate():%Y-%m-%d}",
        "publicity:announcement_pdf": f"/documents/announcements/{announcement.pk}.pdf",
        "publicity:certificate_pdf": f"/certificates/{certificate.number}/pdf/",
        "disclosure:item_pdf": f"/disclosures/{disclosed.pk}.pdf",
    }


def _fetch(world, as_person, urls, route: str) -> bytes:  # noqa: F811
    who, _chars, _box = PDFS[route]
    response = as_person(getattr(world, who)).get(urls[route])
    assert response.status_code == 200, (route, response.status_code)
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_every_pdf_route_is_checked_here() -> None:
    assert _pdf_routes() == set(PDFS)


@pytest.mark.parametrize("route", sorted(PDFS))
def test_the_pdf_embeds_the_bundled_font_and_draws_its_chinese_with_it(
    world,
    as_person,  # noqa: F811
    urls,
    route,
) -> None:
    data = _fetch(world, as_person, urls, route)
    fonts = embedded_fonts(data)
    # The Chinese font is the bundled one, embedded (/FontFile2) as a subset of the
    # glyphs used; any other font is one of the 14 every reader has (Helvetica, Courier).
    assert b"/FontFile2" in data
    chinese = [f for f in fonts if f.base_font.endswith("+" + BUNDLED_FONT)]
    assert chinese, [f.base_font for f in fonts]
    others = [f for f in fonts if f not in chinese]
    assert all(f.subtype == "Type1" and not f.program for f in others), others
    assert f"/BaseFont /{chinese[0].base_font}".encode() in data
    drawn = chinese_drawn(data)
    _who, expected, _box = PDFS[route]
    assert set(expected) <= drawn, (route, sorted(set(expected) - drawn))


@pytest.mark.parametrize("route", sorted(PDFS))
def test_the_pdf_renders_its_chinese(
    world,
    as_person,  # noqa: F811
    urls,
    route,
    tmp_path: Path,
) -> None:
    data = _fetch(world, as_person, urls, route)
    rows = render_gray(data, tmp_path)
    _who, _chars, (top, bottom, left, right) = PDFS[route]
    assert dark_pixels(rows, top, bottom, left, right) > 30, route
