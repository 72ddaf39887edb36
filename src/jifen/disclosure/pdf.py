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

from jifen.disclosure import services
from jifen.disclosure.models import Disclosure
from jifen.disclosure.money import yuan
from jifen.lib.pdf import cjk_font
from jifen.publicity.pdf import WIDTH, Foot, _build, _p, _styles, _table_style


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


def disclosure_pdf(item: Disclosure, url: str) -> bytes:
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
    if item.table:
        columns = item.table["columns"]
        story += [Spacer(1, 4 * mm)]
        story.append(
            _table(
                [c["name"] for c in columns],
                [
                    [
                        yuan(cell) if c["money"] else cell
                        for c, cell in zip(columns, row, strict=False)
                    ]
                    for row in item.table["rows"]
                ],
                [c["money"] for c in columns],
                styles,
            )
        )
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
    foot = Foot(
        head=f"{item.region.name} · {_('Village affairs disclosure')}",
        head_right=f"#{item.pk}",
        left=url,
    )
    watermark = "" if item.is_current else _("SUPERSEDED")
    return _build(story, foot, item.title, watermark=watermark)
