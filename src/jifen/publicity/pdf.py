"""The paper track (电子化、纸质化双轨制): printable A4 PDFs of the monthly 公示, of a
person's ledger (一人一档) and of a certificate of service (志愿服务记录证明).

ReportLab platypus, the CJK font of ``jifen.lib.pdf`` embedded (a subset), text at
10 pt or more where people read it. Every page carries what it belongs to and "page n
of m" at its foot, so a loose sheet finds its place. The announcement's lines are
single-line rows of a fixed height, a page's worth to a table: a month of 50,000 lines
is laid out in time linear in its length, and each page repeats the table's header.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from jifen.lib.months import parse_month
from jifen.lib.pdf import cjk_font, draw_qr
from jifen.people.models import Person
from jifen.points.selectors import Statement
from jifen.publicity import selectors
from jifen.publicity.models import Announcement, Certificate
from jifen.publicity.selection import hours_text, name_label, place_label, row_label
from jifen.witness.selectors import checkpoint_line

PAGE_W, PAGE_H = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 16 * mm
MARGIN_BOTTOM = 18 * mm
WIDTH = PAGE_W - 2 * MARGIN_X
HEAD = 7 * mm  # the running head above the frame
MONO = "Courier"

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#5f6368")
RULE = colors.HexColor("#9aa0a6")
SHADE = colors.HexColor("#f1f3f4")
RED = colors.HexColor("#b71c1c")


# --- Shared -------------------------------------------------------------------------------------


def _styles() -> dict[str, ParagraphStyle]:
    font = cjk_font()
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=16, textColor=INK)
    # CJK text breaks between any two characters (ReportLab's wordWrap="CJK").
    return {
        "body": ParagraphStyle("body", parent=base, wordWrap="CJK"),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=18, leading=24, alignment=TA_CENTER, spaceAfter=4
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10.5, leading=15, alignment=TA_CENTER, textColor=MUTED
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=13, leading=18, spaceBefore=8, spaceAfter=4
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=13, wordWrap="CJK"),
        "small": ParagraphStyle(
            "small", parent=base, fontSize=9, leading=12, textColor=MUTED, wordWrap="CJK"
        ),
        "mono": ParagraphStyle("mono", parent=base, fontName=MONO, fontSize=8.5, leading=11),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _table_style(font: str, size: float = 10, header: bool = True) -> list[tuple[Any, ...]]:
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, size),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    return style


def _clip(text: str, font: str, size: float, width: float) -> str:
    """The text, cut short with an ellipsis if it would not fit on one line of ``width``
    (a line of the announcement is one row of a fixed height)."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _signed(points: int) -> str:
    return f"+{points}" if points > 0 else str(points)


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def _month_label(month: str) -> str:
    return date_format(parse_month(month), "YEAR_MONTH_FORMAT")


@dataclass(frozen=True)
class Foot:
    """What each page says at its head (left and right) and foot (left; "page n of m" on
    the right). No head: a document of one page that speaks for itself (the certificate)
    has neither, and one of more pages only the foot."""

    head: str = ""
    head_right: str = ""
    left: str = ""


def _numbered(foot: Foot) -> type[Canvas]:
    """A canvas that holds its pages back until the end, to print "page n of m" on each."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            font = cjk_font()
            self.saveState()
            self.setFillColor(MUTED)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            if foot.head:
                top = PAGE_H - MARGIN_TOP + 2 * mm
                self.setFont(font, 9)
                self.drawString(MARGIN_X, top, foot.head)
                if foot.head_right:
                    self.setFont(MONO if foot.head_right.isascii() else font, 8.5)
                    self.drawRightString(PAGE_W - MARGIN_X, top, foot.head_right)
                self.line(MARGIN_X, top - 2 * mm, PAGE_W - MARGIN_X, top - 2 * mm)
            if foot.head or total > 1:
                bottom = MARGIN_BOTTOM - 9 * mm
                self.line(MARGIN_X, bottom + 4.5 * mm, PAGE_W - MARGIN_X, bottom + 4.5 * mm)
                self.setFont(font, 9)
                if foot.left:
                    self.drawString(MARGIN_X, bottom, foot.left)
                page = _("Page %(page)s of %(pages)s") % {"page": self._pageNumber, "pages": total}
                self.drawRightString(PAGE_W - MARGIN_X, bottom, page)
            self.restoreState()

    return NumberedCanvas


def _build(story: list[Flowable], foot: Foot, title: str, watermark: str = "") -> bytes:
    buffer = BytesIO()
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        WIDTH,
        PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - HEAD,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )

    def mark(canvas: Canvas, _doc: Any) -> None:
        if watermark:
            canvas.saveState()
            canvas.setFillColor(RED)
            canvas.setFillAlpha(0.18)
            canvas.setFont(cjk_font(), 64)
            canvas.translate(PAGE_W / 2, PAGE_H / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, watermark)
            canvas.restoreState()

    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=_("Jifen"),
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        # Over the page once it is drawn: no table shading hides it.
        pageTemplates=[PageTemplate(id="page", frames=[frame], onPageEnd=mark)],
        invariant=True,  # the same record gives the same bytes
    )
    doc.build(story, canvasmaker=_numbered(foot))
    return buffer.getvalue()


class QR(Flowable):
    """A QR code of ``size`` as vector squares, with a caption under it."""

    def __init__(self, data: str, size: float, caption: str = "") -> None:
        super().__init__()
        self.data, self.size, self.caption = data, size, caption

    def wrap(self, _avail_w: float, _avail_h: float) -> tuple[float, float]:
        return self.size, self.size + (5 * mm if self.caption else 0)

    def draw(self) -> None:
        below = 5 * mm if self.caption else 0
        draw_qr(self.canv, self.data, 0, below, self.size)
        if self.caption:
            self.canv.setFont(cjk_font(), 9)
            self.canv.setFillColor(INK)
            self.canv.drawCentredString(self.size / 2, 1 * mm, self.caption)


def _facts(
    pairs: Sequence[tuple[str, Any]], widths: Sequence[float], styles: dict[str, Any]
) -> Table:
    """Label/value pairs, two pairs a row."""
    cells = [_p(str(v), styles["cell"]) if isinstance(v, str) else v for _k, v in pairs]
    labels = [_p(k, styles["cell"]) for k, _v in pairs]
    rows: list[list[Any]] = []
    for i in range(0, len(pairs), 2):
        row = [labels[i], cells[i]]
        row += [labels[i + 1], cells[i + 1]] if i + 1 < len(pairs) else ["", ""]
        rows.append(row)
    table = Table(rows, colWidths=list(widths))
    style = _table_style(cjk_font(), header=False)
    style += [("BACKGROUND", (0, 0), (0, -1), SHADE), ("BACKGROUND", (2, 0), (2, -1), SHADE)]
    table.setStyle(TableStyle(style))
    return table


# --- The monthly announcement --------------------------------------------------------------------

ROW_H = 6.6 * mm
HEADER_ROW_H = 7.5 * mm
LINE_COLUMNS = (13 * mm, 23 * mm, 27 * mm, 27 * mm, 62 * mm, 22 * mm)  # = WIDTH (174 mm)


def _line_pages(rows: Iterable[list[str]], per_page: int, header: list[str]) -> Iterable[Flowable]:
    font = cjk_font()
    style = TableStyle(
        [
            *_table_style(font, 10),
            ("ALIGN", (0, 0), (0, -1), "RIGHT"),
            ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ]
    )
    chunk: list[list[str]] = []

    def table() -> Table:
        made = Table(
            [header, *chunk],
            colWidths=list(LINE_COLUMNS),
            rowHeights=[HEADER_ROW_H] + [ROW_H] * len(chunk),
        )
        made.setStyle(style)
        return made

    first = True
    for row in rows:
        chunk.append(row)
        if len(chunk) == per_page:
            if not first:
                yield PageBreak()
            yield table()
            first, chunk = False, []
    if chunk or first:
        if not first:
            yield PageBreak()
        yield table()


def announcement_pdf(announcement: Announcement, url: str) -> bytes:
    """The published 公示 as it goes on the notice board: header and totals, the seal with a
    QR code to the public page, the ranking, then every line with masked names."""
    styles = _styles()
    font = cjk_font()
    community = announcement.community
    month = _month_label(announcement.month)
    title = _("%(community)s: points announcement for %(month)s") % {
        "community": community.name,
        "month": month,
    }
    totals = announcement.totals or {}
    story: list[Flowable] = [
        _p(title, styles["title"]),
    ]
    published = announcement.published_at
    if published is not None:
        subtitle = _("Reviewed by the points review group and published on %(date)s.") % {
            "date": _day(timezone.localtime(published).date())
        }
        if announcement.objections_until is not None:
            subtitle += " " + _(
                "Anyone may object to an entry until %(date)s, on the public page or at the "
                "community office."
            ) % {"date": _day(timezone.localtime(announcement.objections_until).date())}
        story.append(_p(subtitle, styles["subtitle"]))
    else:
        story.append(_p(_("Draft: not yet published or sealed."), styles["subtitle"]))
    story.append(Spacer(1, 4 * mm))

    figures = [
        (_("Points issued"), totals.get("issued", 0)),
        (_("Points redeemed"), totals.get("redeemed", 0)),
        (_("Points expired"), totals.get("expired", 0)),
        (pgettext("announcement totals", "People"), totals.get("people", 0)),
        (_("Point changes"), totals.get("entries", 0)),
    ]
    numbers = Table(
        [[label for label, _v in figures], [str(v) for _label, v in figures]],
        colWidths=[WIDTH / len(figures)] * len(figures),
        rowHeights=[7 * mm, 10 * mm],
    )
    numbers.setStyle(
        TableStyle(
            [
                *_table_style(font, 10),
                ("FONT", (0, 1), (-1, 1), font, 15),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ]
        )
    )
    story += [numbers, Spacer(1, 5 * mm)]

    if announcement.seal:
        story.append(_seal_block(announcement, url, styles))
    if announcement.note:
        story += [_p(_("Note"), styles["h2"]), _p(announcement.note, styles["body"])]

    ranking = announcement.ranking or []
    if ranking:
        story.append(_p(_("Ranking of the month"), styles["h2"]))
        ranked = [[place_label(), name_label(), _("Volunteer number"), _("Points")]] + [
            [str(r["place"]), r["name"], r.get("volunteer_no", ""), str(r["points"])]
            for r in ranking
        ]
        table = Table(ranked, colWidths=[22 * mm, 52 * mm, 60 * mm, 40 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    *_table_style(font, 10),
                    ("ALIGN", (0, 0), (0, -1), "CENTER"),
                    ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
                ]
            )
        )
        story.append(table)

    story.append(PageBreak())
    header = [row_label(), _("Date"), name_label(), _("Volunteer number"), _("Item"), _("Points")]
    frame_h = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - HEAD
    per_page = int((frame_h - HEADER_ROW_H - 1) // ROW_H)

    def line_rows() -> Iterable[list[str]]:
        what_w = LINE_COLUMNS[4] - 6
        for number, transfer in enumerate(
            selectors.lines(community, announcement.month).iterator(chunk_size=2000), start=1
        ):
            line = selectors.line(transfer)
            what = _clip(line.what, font, 10, what_w)
            name = _clip(line.name, font, 10, LINE_COLUMNS[2] - 6)
            yield [
                str(number),
                line.day.isoformat(),
                name,
                line.volunteer_no,
                what,
                _signed(line.points),
            ]

    story += list(_line_pages(line_rows(), per_page, header))
    foot = Foot(
        head=title,
        head_right=f"{_('Seal')} {announcement.seal[:16]}" if announcement.seal else "",
        left=_("Names are masked; phone and ID numbers are never published."),
    )
    return _build(story, foot, title)


def _seal_block(announcement: Announcement, url: str, styles: dict[str, Any]) -> Flowable:
    assert announcement.published_at is not None  # noqa: S101 - a seal is set when published
    mono, cell = styles["mono"], styles["cell"]
    published = _day(timezone.localtime(announcement.published_at).date())
    pairs = [
        (_("Published on"), _p(published, cell)),
        (_("Entries sealed"), _p(str(announcement.leaf_count or 0), cell)),
        (_("Root"), _p(announcement.root, mono)),
        (_("Seal"), _p(announcement.seal, mono)),
        (
            _("Previous seal"),
            _p(announcement.previous_seal, mono)
            if announcement.previous_seal
            else _p(_("(the community's first sealed month)"), cell),
        ),
    ]
    facts = Table(
        [[_p(label, cell), value] for label, value in pairs], colWidths=[30 * mm, WIDTH - 30 * mm]
    )
    facts.setStyle(
        TableStyle(
            [*_table_style(cjk_font(), header=False), ("BACKGROUND", (0, 0), (0, -1), SHADE)]
        )
    )
    qr_size = 30 * mm
    explain = [
        _p(
            _(
                "The seal is worked out from every point change of the month: any later change "
                "shows. Scan the code to see this announcement online and to check your own "
                "entries against the seal."
            ),
            styles["body"],
        ),
        Spacer(1, 2 * mm),
        _p(url, styles["small"]),
    ]
    beside = Table(
        [[explain, QR(url, qr_size, _("Scan to check"))]],
        colWidths=[WIDTH - qr_size - 8 * mm, qr_size + 8 * mm],
    )
    beside.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 8 * mm),
            ]
        )
    )
    parts: list[Flowable] = [
        _p(_("Seal of the month"), styles["h2"]),
        facts,
        Spacer(1, 3 * mm),
        beside,
    ]
    checkpoint = _checkpoint_block(announcement, url, styles)
    if checkpoint is not None:
        parts += [Spacer(1, 3 * mm), checkpoint]
    return KeepTogether(parts)


def _checkpoint_block(
    announcement: Announcement, url: str, styles: dict[str, Any]
) -> Flowable | None:
    """The county's checkpoint, which holds this month's seal: its line (code, number of
    seals, short hash, date) and a QR code to its public page. None without one."""
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    found = checkpoint_line(announcement.community, base)
    if found is None:
        return None
    text, link = found
    qr_size = 22 * mm
    words = [
        _p(text, styles["body"]),
        _p(
            _(
                "Every published seal of the county is chained into its checkpoint: keep a "
                "copy and compare it later, so that no month can be rewritten unseen."
            ),
            styles["small"],
        ),
        _p(link, styles["small"]),
    ]
    table = Table(
        [[words, QR(link, qr_size, _("Checkpoint"))]],
        colWidths=[WIDTH - qr_size - 8 * mm, qr_size + 8 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 8 * mm),
            ]
        )
    )
    return table


# --- The personal ledger (一人一档) ---------------------------------------------------------------

LEDGER_COLUMNS = (27 * mm, 17 * mm, 30 * mm, 20 * mm, 15 * mm, 16 * mm, 33 * mm, 16 * mm)
LEDGER_CHUNK = 400  # rows per table: a long history splits page by page without slowing down


def ledger_pdf(person: Person, sheet: Statement | None, start: date, end: date) -> bytes:
    """一人一档 on paper: the person's details, opening balance, every entry with its running
    balance, closing balance, and lines to sign."""
    styles = _styles()
    font = cjk_font()
    title = _("Personal points ledger")
    community = person.community.name if person.community else "—"
    story: list[Flowable] = [
        _p(title, styles["title"]),
        _p(
            _("%(community)s · from %(start)s to %(end)s")
            % {"community": community, "start": _day(start), "end": _day(end)},
            styles["subtitle"],
        ),
        Spacer(1, 5 * mm),
    ]
    opening = sheet.opening if sheet else 0
    closing = sheet.closing if sheet else 0
    pairs = [
        (name_label(), person.name),
        (_("Volunteer number"), person.volunteer_no or "—"),
        (_("ID number"), person.id_number_masked or "—"),
        (_("Household"), person.household.label if person.household else "—"),
        (_("Opening balance"), str(opening)),
        (_("Closing balance"), str(closing)),
        (_("Received"), str(sheet.received if sheet else 0)),
        (_("Paid out"), str(sheet.paid if sheet else 0)),
    ]
    story += [_facts(pairs, (24 * mm, 63 * mm, 24 * mm, 63 * mm), styles), Spacer(1, 6 * mm)]

    header = [
        _("Date"),
        _("Kind"),
        _("Item"),
        _("Service date"),
        _("Points"),
        _("Balance"),
        _("Note"),
        _("Entry number"),
    ]
    cell, small = styles["cell"], ParagraphStyle("ledger", parent=styles["cell"], fontSize=9.5)
    rows: list[list[Any]] = []
    for line in sheet.lines if sheet else []:
        transfer = line.transfer
        version = transfer.rule_version
        rows.append(
            [
                timezone.localtime(transfer.created_at).strftime("%Y-%m-%d %H:%M"),
                _p(str(transfer.get_kind_display()), small),
                _p(version.name if version else "", small),
                transfer.service_date.isoformat() if transfer.service_date else "",
                _signed(line.signed),
                str(line.running),
                _p(transfer.memo, small),
                str(transfer.pk),
            ]
        )
    style = TableStyle(
        [
            *_table_style(font, 9.5),
            ("ALIGN", (4, 0), (5, -1), "RIGHT"),
            ("ALIGN", (7, 0), (7, -1), "RIGHT"),
            ("FONT", (0, 1), (0, -1), font, 8.5),
        ]
    )
    if not rows:
        story.append(_p(_("No entries in this period."), cell))
    for at in range(0, len(rows), LEDGER_CHUNK):
        table = Table(
            [header, *rows[at : at + LEDGER_CHUNK]], colWidths=list(LEDGER_COLUMNS), repeatRows=1
        )
        table.setStyle(style)
        story.append(table)
    story += [
        Spacer(1, 10 * mm),
        KeepTogether(
            [
                _p(
                    _("Points are personal: they cannot be given, transferred or sold."),
                    styles["small"],
                ),
                Spacer(1, 8 * mm),
                _signatures([_("Signature of the volunteer"), _("Handled by"), _("Date")], styles),
            ]
        ),
    ]
    printed = _("Printed on %(date)s") % {"date": _day(timezone.localdate())}
    foot = Foot(head=f"{title} · {person.name}", head_right=person.volunteer_no or "", left=printed)
    return _build(story, foot, f"{title} · {person.volunteer_no or ''}")


def _signatures(labels: Sequence[str], styles: dict[str, Any]) -> Table:
    """A line to sign on for each label, with a gap between the lines."""
    gap = 8 * mm
    width = (WIDTH - gap * (len(labels) - 1)) / len(labels)
    cells: list[Any] = []
    widths: list[float] = []
    for index, label in enumerate(labels):
        if index:
            cells.append("")
            widths.append(gap)
        cells.append(_p(f"{label}：", styles["body"]))
        widths.append(width)
    table = Table([cells], colWidths=widths, rowHeights=[14 * mm])
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]
    style += [("LINEBELOW", (i, 0), (i, 0), 0.6, INK) for i in range(0, len(cells), 2)]
    table.setStyle(TableStyle(style))
    return table


# --- The certificate (志愿服务记录证明) -----------------------------------------------------------


def certificate_pdf(certificate: Certificate, url: str) -> bytes:
    """The certificate on one A4 page (a very long list of services runs on): number,
    title, the statement, the services, issuer, responsible person and handler, issue
    date, and a QR code to the public page that confirms it."""
    styles = _styles()
    font = cjk_font()
    title = _("Volunteer service record certificate")
    issued = timezone.localtime(certificate.issued_at).date()
    big = ParagraphStyle("big", parent=styles["body"], fontSize=13, leading=24, firstLineIndent=26)
    story: list[Flowable] = [
        _p(_("Certificate number: %(number)s") % {"number": certificate.number}, styles["right"]),
        Spacer(1, 10 * mm),
        _p(title, ParagraphStyle("cert", parent=styles["title"], fontSize=24, leading=32)),
        Spacer(1, 10 * mm),
    ]
    if certificate.revoked_at is not None:
        revoked = _("Revoked on %(date)s: %(reason)s. This certificate is no longer valid.") % {
            "date": _day(timezone.localtime(certificate.revoked_at).date()),
            "reason": certificate.revoke_reason,
        }
        story += [
            _p(revoked, ParagraphStyle("revoked", parent=styles["body"], textColor=RED)),
            Spacer(1, 6 * mm),
        ]
    statement = _(
        "This is to certify that %(name)s (ID number %(id)s, volunteer number %(number)s) "
        "took part in volunteer service from %(start)s to %(end)s. The service recorded "
        "and approved by %(issuer)s comes to %(hours)s hours in all, as follows:"
    ) % {
        "name": certificate.name,
        "id": certificate.id_number_masked or "—",
        "number": certificate.volunteer_no or "—",
        "start": _day(certificate.period_start),
        "end": _day(certificate.period_end),
        "issuer": certificate.issuer,
        "hours": hours_text(certificate.hours),
    }
    story += [_p(statement, big), Spacer(1, 6 * mm)]

    rows: list[list[Any]] = [[row_label(), _("Service"), _("Times"), _("Hours")]]
    cell = ParagraphStyle("service", parent=styles["cell"], fontSize=11, leading=14)
    for number, service in enumerate(certificate.services, start=1):
        rows.append(
            [
                str(number),
                _p(str(service["item"]), cell),
                str(service["times"]),
                service["hours"] if service["hours"] is not None else "—",
            ]
        )
    times = sum(int(s["times"]) for s in certificate.services)
    rows.append(["", _("Total"), str(times), hours_text(certificate.hours)])
    table = Table(rows, colWidths=[16 * mm, 98 * mm, 28 * mm, 32 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                *_table_style(font, 11),
                ("ALIGN", (0, 0), (0, -1), "CENTER"),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("ALIGN", (0, 0), (-1, 0), "CENTER"),
                ("BACKGROUND", (0, -1), (-1, -1), SHADE),
            ]
        )
    )
    story += [table, Spacer(1, 6 * mm), _p(_("This certificate is hereby issued."), big)]

    sign = ParagraphStyle("sign", parent=styles["body"], fontSize=12, leading=22)
    signed = [
        _p(_("Issuing organisation: %(issuer)s (seal)") % {"issuer": certificate.issuer}, sign),
        _p(_("Responsible person: %(name)s") % {"name": certificate.responsible}, sign),
        _p(_("Handled by: %(name)s") % {"name": certificate.handler}, sign),
        _p(_("Date of issue: %(date)s") % {"date": _day(issued)}, sign),
    ]
    qr_size = 36 * mm
    bottom = Table(
        [[QR(url, qr_size, _("Scan to confirm")), signed]],
        colWidths=[qr_size + 12 * mm, WIDTH - qr_size - 12 * mm],
    )
    bottom.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 12 * mm),
            ]
        )
    )
    story += [
        Spacer(1, 14 * mm),
        KeepTogether(
            [
                bottom,
                Spacer(1, 6 * mm),
                _p(
                    _(
                        "This certificate records approved volunteer service in the period "
                        "stated. Check it at %(url)s (the QR code above): the page says whether "
                        "it is valid."
                    )
                    % {"url": url},
                    styles["small"],
                ),
                _p(
                    _("Check code: %(hash)s") % {"hash": certificate.content_hash},
                    styles["small"],
                ),
            ]
        ),
    ]
    foot = Foot(left=f"{certificate.issuer} · {certificate.number}")
    watermark = _("REVOKED") if certificate.is_revoked else ""
    return _build(story, foot, f"{title} {certificate.number}", watermark=watermark)


def filename(kind: str, *parts: str) -> str:
    """An ASCII file name: what it is and whose."""
    return "-".join([kind, *[p for p in parts if p]]) + ".pdf"
