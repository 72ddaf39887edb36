"""The printable PDFs: the monthly 公示, the personal ledger (一人一档) and the certificate.

Their text is read back with ``pdftotext`` (poppler-utils), as a reader's software
would: the Chinese fields and the figures must be there, the CJK font embedded. Each
PDF is also saved to test-artifacts/ for a person to look at (``pdftoppm -png``).
"""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jifen.people.models import Household
from jifen.points import selectors as ledger
from jifen.publicity import certificates, pdf
from jifen.publicity import selectors as figures
from tests.pdfcheck import BUNDLED_FONT
from tests.publicity.document_data import (
    award,
    last_month,
    local,
    make_items,
    pdf_fonts,
    pdf_pages,
    pdf_text,
    published_month,
    redeem,
    served,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
URL = "http://testserver/certificates/JF-2026-350524100001-ABCDEF/"


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def _keep(data: bytes, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"pdf-{name}.pdf").write_bytes(data)


def _flat(text: str) -> str:
    """Text without the spaces and line breaks that layout puts between characters."""
    return "".join(text.split())


def test_the_announcement_pdf_has_the_header_totals_seal_ranking_and_every_line(
    world, tmp_path
) -> None:
    world.resident.name = "王淑英"
    world.resident.save()
    people = [world.resident, world.staff, world.reviewer]
    announcement = published_month(world, world.wenchang, people, lines=9)
    data = pdf.announcement_pdf(announcement, "http://testserver/announcements/1/")
    _keep(data, "announcement-short")
    text = _flat(pdf_text(data, tmp_path))

    assert "文昌社区" in text
    assert announcement.seal in text and announcement.root in text
    assert str(announcement.totals["issued"]) in text
    # Every line, with the masked name only.
    assert "王*英" in text and "王淑英" not in text
    for transfer in figures.lines(world.wenchang, announcement.month):
        line = figures.line(transfer)
        assert f"+{line.points}" in text
    assert BUNDLED_FONT in pdf_fonts(data, tmp_path) and "yes" in pdf_fonts(data, tmp_path)


def test_a_long_announcement_runs_over_pages_with_the_header_on_each_and_page_numbers(
    world, tmp_path
) -> None:
    people = [world.resident, world.staff, world.reviewer, world.merchant]
    announcement = published_month(world, world.wenchang, people, lines=130)
    data = pdf.announcement_pdf(announcement, "http://testserver/announcements/1/")
    _keep(data, "announcement-long")
    pages = pdf_pages(data, tmp_path)
    assert pages >= 4  # the summary page, then 130 lines at about 35 a page
    per_page = pdf_text(data, tmp_path).split("\f")[:pages]
    header = _flat(_("Volunteer number"))
    for number, page in enumerate(per_page, start=1):
        flat = _flat(page)
        assert _flat(_("Page %(page)s of %(pages)s") % {"page": number, "pages": pages}) in flat
        if number > 1:  # every page of lines repeats the table's header, once
            assert flat.count(header) == 1, number
    # The lines are numbered from 1 to 130, the last on the last page.
    assert _flat(per_page[-1]).find("130") >= 0


def test_the_ledger_pdf_has_the_opening_balance_every_entry_and_the_closing_balance(
    world, tmp_path
) -> None:
    person = world.resident
    person.id_number_masked = "3505**********1234"
    person.household = Household.objects.create(region=world.wenchang, label="江滨花园3栋201")
    person.save()
    today = timezone.localdate()
    start = today - timedelta(days=3)
    award(person, 40, local(start - timedelta(days=5)), memo="此前获得")  # before the period
    award(person, 30, local(start), memo="环境整治 3 小时")
    redeem(person, 25, local(today, 8))
    account = ledger.account_of(person)
    sheet = ledger.statement(account, start, today)
    data = pdf.ledger_pdf(person, sheet, start, today)
    _keep(data, "ledger")
    text = _flat(pdf_text(data, tmp_path))

    assert _flat(_("Personal points ledger")) in text
    assert "王淑英" in text and "3505**********1234" in text and "江滨花园3栋201" in text
    assert person.volunteer_no in text
    assert "环境整治3小时" in text
    assert "+30" in text and "-25" in text
    assert sheet.opening == 40 and sheet.closing == 45
    assert "40" in text and "45" in text
    assert BUNDLED_FONT in pdf_fonts(data, tmp_path)


def test_a_ledger_with_nothing_in_the_period_still_prints(world, tmp_path) -> None:
    today = timezone.localdate()
    data = pdf.ledger_pdf(world.neighbour, None, date(today.year, 1, 1), today)
    text = _flat(pdf_text(data, tmp_path))
    assert "刘金悦" in text


def test_the_certificate_pdf_has_every_required_field(world, tmp_path) -> None:
    items = make_items(world)
    person = world.resident
    person.id_number_masked = "3505**********1234"
    person.save()
    year = timezone.localdate().year - 1
    served(person, items.basic, "20.5", date(year, 3, 2))
    served(person, items.basic, 12, date(year, 5, 9))
    served(person, items.skilled, 3, date(year, 6, 1))
    served(person, items.visit, 2, date(year, 7, 1))
    certificate = certificates.issue_certificate(
        actor=world.staff,
        person=person,
        start=date(year, 1, 1),
        end=date(year, 12, 31),
        responsible="陈书记",
        handler="李经办",
    )
    data = pdf.certificate_pdf(certificate, URL)
    _keep(data, "certificate")
    text = _flat(pdf_text(data, tmp_path))

    assert _flat(_("Volunteer service record certificate")) in text
    assert "王淑英" in text and "3505**********1234" in text and person.volunteer_no in text
    assert certificate.number in text
    assert "35.5" in text  # 20.5 + 12 + 3 hours; the visits are times, not hours
    assert "环境整治" in text and "义诊" in text and "探访独居老人" in text
    assert "文昌社区" in text and "陈书记" in text and "李经办" in text
    issued = timezone.localtime(certificate.issued_at).date()
    assert f"{issued.year}年{issued.month}月{issued.day}日" in text
    assert f"{year}年1月1日" in text and f"{year}年12月31日" in text
    assert _flat(URL) in text
    fonts = pdf_fonts(data, tmp_path)
    assert BUNDLED_FONT in fonts
    # pdffonts: "emb" is yes for every font that draws text, the bundled CJK font included.
    cjk = [line for line in fonts.splitlines() if BUNDLED_FONT in line]
    assert cjk and all(" yes " in line for line in cjk)


def test_a_revoked_certificate_prints_marked_as_revoked(world, tmp_path) -> None:
    items = make_items(world)
    served(world.resident, items.basic, 4, last_month())
    certificate = certificates.issue_certificate(
        actor=world.staff,
        person=world.resident,
        start=last_month(),
        end=timezone.localdate(),
        responsible="陈书记",
        handler="李经办",
    )
    certificates.revoke_certificate(actor=world.staff, certificate=certificate, reason="录入有误")
    certificate.refresh_from_db()
    data = pdf.certificate_pdf(certificate, URL)
    _keep(data, "certificate-revoked")
    text = _flat(pdf_text(data, tmp_path))
    assert "录入有误" in text
    revoked = _("Revoked on %(date)s: %(reason)s. This certificate is no longer valid.")
    assert _flat(revoked.split("%(date)s")[0]) in text


def test_the_same_certificate_prints_the_same_bytes(world) -> None:
    items = make_items(world)
    served(world.resident, items.basic, 4, last_month())
    certificate = certificates.issue_certificate(
        actor=world.staff,
        person=world.resident,
        start=last_month(),
        end=timezone.localdate(),
        responsible="陈书记",
        handler="李经办",
    )
    assert pdf.certificate_pdf(certificate, URL) == pdf.certificate_pdf(certificate, URL)


def test_the_qr_codes_hold_the_public_pages_addresses(world, monkeypatch) -> None:
    drawn: list[str] = []
    real = pdf.draw_qr

    def spy(canvas, data, *args) -> None:
        drawn.append(data)
        real(canvas, data, *args)

    monkeypatch.setattr(pdf, "draw_qr", spy)
    items = make_items(world)
    served(world.resident, items.basic, 4, last_month())
    certificate = certificates.issue_certificate(
        actor=world.staff,
        person=world.resident,
        start=last_month(),
        end=timezone.localdate(),
        responsible="陈书记",
        handler="李经办",
    )
    pdf.certificate_pdf(certificate, URL)
    announcement = published_month(world, world.wenchang, [world.resident])
    pdf.announcement_pdf(announcement, "http://testserver/announcements/7/")
    # The seal's QR, then the county's checkpoint, which holds the month's seal.
    county = world.county.code
    assert drawn == [
        URL,
        "http://testserver/announcements/7/",
        f"http://testserver/public/checkpoints/{county}/",
    ]
