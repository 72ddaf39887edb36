"""A printable A4 PDF of one disclosure or 村级月报, for the notice board (公开栏).

Drawn with publicity's page helpers and the project's embedded CJK font
(``jifen.lib.pdf``): the title, the region and date, the text, the table (amounts in yuan,
right-aligned), the seven sections of a 月报 with their totals, the list of attachments
and, on a superseded version, a watermark and the version that replaced it.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from jifen.disclosure import services
from jifen.disclosure.models import Disclosure
from jifen.disclosure.money import yuan
from jifen.lib.pdf import cjk_font
from jifen.publicity.pdf import WIDTH, Foot, _build, _p, _styles, _table_style
from jifen.witness.selectors import checkpoint_line


def _table(
    header: list[str], rows: list[list[str]], money: list[bool], styles: dict[str, Any]
) -> Table:
    cell = styles["cell"]
    right = ParagraphStyle("money", parent=cell, alignment=TA_RIGHT)
    data = [[_p(h, cell) for h in header]] + [
        [_p(str(c), right if is_money else cell) for c, is_money in zip(row, money, strict=False)]
        for row in rows
    ]
    table = Table(data, colWidths=[WIDTH / max(len(header), 1)] * len(header), repeatRows=1)
    table.setStyle(TableStyle(_table_style(cjk_font())))
    return table


# Up to this many columns the table is printed as a table; a wider one row by row, each
# row a small table of column name and value, so no row grows taller than a page.
WIDE = 8
# Characters of table text printed at most: a notice board's sheets, not a data dump (the
# whole table is online and in the Excel file). Keeps a request within a few seconds.
MAX_TABLE_CHARS = 60_000


def _table_flowables(item: Disclosure, styles: dict[str, Any]) -> list[Flowable]:
    columns = item.table["columns"]
    names = [c["name"] for c in columns]
    money = [bool(c["money"]) for c in columns]
    shown: list[list[str]] = []
    budget = MAX_TABLE_CHARS
    for row in item.table["rows"]:
        cells = [
            yuan(cell) if is_money else ("" if cell is None else str(cell))
            for cell, is_money in zip(row, money, strict=False)
        ]
        budget -= sum(len(c) for c in cells) + len(cells)
        if budget < 0:
            break
        shown.append(cells)
    story: list[Flowable] = [Spacer(1, 4 * mm)]
    if len(columns) <= WIDE:
        story.append(_table(names, shown, money, styles))
    else:
        for number, cells in enumerate(shown, start=1):
            story.append(_p(_("Row %(n)s") % {"n": number}, styles["small"]))
            story.append(_key_values(names, cells, money, styles))
            story.append(Spacer(1, 2 * mm))
    left = len(item.table["rows"]) - len(shown)
    if left:
        story.append(
            _p(
                _("%(n)s more rows are not printed: read the whole table online or in Excel.")
                % {"n": left},
                styles["body"],
            )
        )
    return story


def _key_values(
    names: list[str], cells: list[str], money: list[bool], styles: dict[str, Any]
) -> Table:
    cell = styles["cell"]
    right = ParagraphStyle("money", parent=cell, alignment=TA_RIGHT)
    data = [
        [_p(name, cell), _p(value, right if is_money else cell)]
        for name, value, is_money in zip(names, cells, money, strict=False)
    ]
    table = Table(data, colWidths=[WIDTH * 0.3, WIDTH * 0.7])
    table.setStyle(TableStyle(_table_style(cjk_font(), header=False)))
    return table


def disclosure_pdf(item: Disclosure, url: str) -> bytes:
    """The printable PDF; should a page still not hold what it must (ReportLab's
    ``LayoutError``), the same PDF without the table, pointing to it online."""
    try:
        return _disclosure_pdf(item, url, with_table=True)
    except LayoutError:
        return _disclosure_pdf(item, url, with_table=False)


def _disclosure_pdf(item: Disclosure, url: str, *, with_table: bool) -> bytes:
    styles = _styles()
    story: list[Flowable] = [
        _p(item.title, styles["title"]),
        _p(
            f"{item.region.name} · {item.get_category_display()} · "
            f"{timezone.localtime(item.published_at):%Y-%m-%d %H:%M}"
            + (f" · {_('version')} {item.version}" if item.version > 1 else ""),
            styles["subtitle"],
        ),
        Spacer(1, 4 * mm),
    ]
    if not item.is_current and item.superseded_by is not None:
        story.append(
            _p(
                _("Superseded by version %(n)s (No. %(id)s).")
                % {"n": item.superseded_by.version, "id": item.superseded_by_id},
                styles["body"],
            )
        )
    if item.correction_note:
        story.append(
            _p(_("Correction: %(note)s") % {"note": item.correction_note}, styles["small"])
        )
    for paragraph in item.body.split("\n"):
        story.append(_p(paragraph, styles["body"]) if paragraph.strip() else Spacer(1, 3 * mm))
    if item.table and with_table:
        story += _table_flowables(item, styles)
    elif item.table:
        story.append(_p(_("The table is too large to print: read it online."), styles["body"]))
    if item.report:
        labels = services.section_labels()
        for key in services.SECTION_KEYS:
            section = item.report["sections"][key]
            story.append(_p(labels[key], styles["h2"]))
            rows = [[line["label"], yuan(line["amount"])] for line in section["lines"]]
            rows.append([pgettext("monthly report", "Total"), yuan(section["total"])])
            header = [pgettext("monthly report", "Line"), _("Amount (yuan)")]
            story.append(_table(header, rows, [False, True], styles))
        story.append(_p(labels["matters"], styles["h2"]))
        story.append(_p(item.report.get("matters") or _("None."), styles["body"]))
    names = [a.name for a in item.attachments.all()]
    if names:
        story.append(_p(_("Attachments"), styles["h2"]))
        story += [_p(f"· {name}", styles["body"]) for name in names]
    story += [Spacer(1, 6 * mm), _p(_("Read online: %(url)s") % {"url": url}, styles["small"])]
    if item.seal:
        story.append(_p(_("Seal: %(seal)s") % {"seal": item.seal}, styles["small"]))
        base = url.split("/disclosures/")[0]
        line = checkpoint_line(item.region, base)
        if line is not None:
            story.append(_p(f"{line[0]} · {line[1]}", styles["small"]))
    foot = Foot(
        head=f"{item.region.name} · {_('Village affairs disclosure')}",
        head_right=f"#{item.pk}",
        left=url,
    )
    watermark = "" if item.is_current else _("SUPERSEDED")
    return _build(story, foot, item.title, watermark=watermark)
