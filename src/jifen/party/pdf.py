"""The printable 服务登记卡: an employer's sealed quarterly statement as an A4 PDF.

The page helpers and the embedded CJK font are the 公示's (``publicity.pdf``). The unit's
copy names its members in full beside their volunteer numbers; the seal block prints the
root, the seal, the previous seal and a QR code to the public check page, where the
masked lines and the seal recomputed from them can be compared with this sheet.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from jifen.lib.pdf import cjk_font
from jifen.party.models import Statement
from jifen.publicity.pdf import QR, SHADE, WIDTH, Foot, _build, _p, _styles, _table_style

COLUMNS = (10 * mm, 28 * mm, 34 * mm, 30 * mm, 22 * mm, 22 * mm, 28 * mm)  # = WIDTH (174 mm)


def _lines_table(lines: list[dict[str, Any]], styles: dict[str, Any]) -> Table:
    header = [
        "#",
        _("Volunteer number"),
        pgettext("person", "Name"),
        _("Months reported home"),
        pgettext("party", "Services"),
        _("Hours"),
        _("Points"),
    ]
    rows: list[list[Any]] = [[_p(h, styles["cell"]) for h in header]]
    members = [line for line in lines if line["kind"] == "member"]
    for n, line in enumerate(members, start=1):
        rows.append(
            [
                str(n),
                line["volunteer_no"] or "—",
                _p(line.get("full_name") or line["name"], styles["cell"]),
                str(line["reports"]),
                str(line["services"]),
                line["hours"],
                str(line["points"]),
            ]
        )
    if not members:
        rows.append(["", _p(_("No member reported home to a community."), styles["cell"])])
        rows[-1] += [""] * 5
    table = Table(rows, colWidths=list(COLUMNS), repeatRows=1)
    style = _table_style(cjk_font())
    if not members:
        style.append(("SPAN", (1, 1), (-1, 1)))
    table.setStyle(TableStyle(style))
    return table


def _seal_block(statement: Statement, url: str, styles: dict[str, Any]) -> Flowable:
    mono, cell = styles["mono"], styles["cell"]
    pairs = [
        (_("Sealed on"), _p(f"{timezone.localtime(statement.sealed_at):%Y-%m-%d %H:%M}", cell)),
        (_("Lines sealed"), _p(str(statement.leaf_count), cell)),
        (_("Root"), _p(statement.root, mono)),
        (_("Seal"), _p(statement.seal, mono)),
        (
            _("Previous seal"),
            _p(statement.previous_seal, mono)
            if statement.previous_seal
            else _p(_("(the unit's first sealed statement)"), cell),
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
                "The seal is worked out from every line of this statement: any later change "
                "shows. Scan the code to compare this sheet with the published lines and "
                "the seal recomputed from them."
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
    return KeepTogether(
        [_p(_("Seal of the statement"), styles["h2"]), facts, Spacer(1, 3 * mm), beside]
    )


def statement_pdf(
    statement: Statement, url: str, lines: list[dict[str, Any]] | None = None
) -> bytes:
    """The unit's copy: members in full (of ``lines``, the stored ones as the reader may
    see them), the unit's own points, the seal and its QR."""
    styles = _styles()
    title = _("Service record of in-service party members reporting home")
    organization = statement.organization
    story: list[Flowable] = [
        _p(title, styles["title"]),
        _p(f"{organization.name} · {statement.quarter}", styles["subtitle"]),
        Spacer(1, 4 * mm),
        _p(
            _(
                "Members of the unit who reported home to their communities, and their "
                "service in the monthly home days (积分周·回家日) of the quarter that was "
                "counted as reporting home and verified by the review group."
            ),
            styles["body"],
        ),
        Spacer(1, 3 * mm),
        _lines_table(statement.lines if lines is None else lines, styles),
        Spacer(1, 3 * mm),
        _p(
            _("The unit's own points in the quarter: %(points)s")
            % {"points": statement.unit_points},
            styles["body"],
        ),
        Spacer(1, 5 * mm),
        _seal_block(statement, url, styles),
    ]
    foot = Foot(
        head=f"{organization.name} · {_('Service record')}",
        head_right=statement.quarter,
        left=url.split("?", 1)[0],  # the seal is printed above, and the line stays short
    )
    return _build(story, foot, f"{title} {statement.quarter}")
