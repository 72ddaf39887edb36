"""The contest's scores as Excel, for staff: every judge's sheet line by line, and the
standings. Written with ``jifen.lib.xlsx``: a project's title or a team's name that begins
like a formula stays text. Marks and totals are numbers (totals in points, two decimals).
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jifen.contests import selectors
from jifen.contests.models import Contest, Phase
from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes


def _points(hundredths: int | None) -> Decimal | None:
    return None if hundredths is None else Decimal(hundredths) / 100


def scores_xlsx(contest: Contest) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Scores")[:31]
    criteria = list(contest.criteria.all())
    phases = dict(Phase.choices)
    append_row(
        sheet,
        [
            pgettext("contest", "Code"),
            pgettext("contest", "Project"),
            _("Team or unit"),
            _("Phase"),
            _("Judge"),
            *[f"{c.name} ({c.weight}%, /{c.max_score})" for c in criteria],
            _("Total"),
            _("Comment"),
        ],
    )
    for s in selectors.sheets(contest).order_by("entry__code", "phase", "judge_id"):
        append_row(
            sheet,
            [
                s.entry.code,
                s.entry.title,
                s.entry.entrant_name,
                str(phases.get(s.phase, s.phase)),
                s.judge.name,
                *[s.values.get(str(c.pk)) for c in criteria],
                _points(s.total),
                s.comment,
            ],
        )
    aside = book.create_sheet(_("Abstentions")[:31])
    append_row(
        aside,
        [pgettext("contest", "Code"), pgettext("contest", "Project"), _("Judge"), _("Reason")],
    )
    for a in contest.abstentions.select_related("entry", "judge").order_by("entry__code", "id"):
        append_row(aside, [a.entry.code, a.entry.title, a.judge.name, a.reason])
    ranked = book.create_sheet(_("Standings")[:31])
    append_row(
        ranked,
        [
            _("Rank"),
            pgettext("contest", "Code"),
            pgettext("contest", "Project"),
            _("Team or unit"),
            _("Final score"),
            pgettext("contest phase", "roadshow"),
            pgettext("contest phase", "live answers"),
            pgettext("contest phase", "written review"),
            _("Tie broken by"),
        ],
    )
    for row in selectors.standings(contest):
        append_row(
            ranked,
            [
                row.rank,
                row.entry.code,
                row.entry.title,
                row.entry.entrant_name,
                _points(row.total),
                _points(row.roadshow),
                _points(row.live),
                _points(row.review),
                str(selectors.tie_label(row.tie_break)),
            ],
        )
    return workbook_bytes(book)
