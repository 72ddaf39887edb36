"""The xlsx templates staff download: the headers and one example row, and, for a
community, what the cells must name there.

Downloaded for a community, the history template's example uses one of the community's
own rule items (its code, and the points its terms give) and a second sheet 积分项目 lists
every item the community may import, one line per version of its terms; the people
template lists the community's volunteer teams in a sheet 志愿服务队. Without a community
(an administrator over several, asking for none) the example's item code is a marked
placeholder. Every text is written by ``lib.xlsx``: a name someone typed never runs as a
formula.
"""

from datetime import date
from decimal import Decimal

from django.http import HttpResponse

from jifen.claims.services import points_for
from jifen.imports import services
from jifen.imports.models import Kind
from jifen.lib.xlsx import Worksheet, append_row, first_sheet, new_workbook, workbook_bytes
from jifen.people import authz
from jifen.people.models import Person, Team
from jifen.points.models import RuleItem, RuleVersion, Unit
from jifen.regions.models import Level, Region
from jifen.regions.selectors import get_region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADERS = {
    Kind.PEOPLE: (*services.PEOPLE_REQUIRED, *services.PEOPLE_OPTIONAL),
    Kind.HISTORY: (
        services.PHONE,
        services.VOLUNTEER_NO,
        *services.HISTORY_REQUIRED,
        *services.HISTORY_OPTIONAL,
    ),
}
# The example rows: delete them before importing (their phone belongs to nobody).
EXAMPLE_PHONE = "13800138000"
EXAMPLE_DATE = date(2023, 5, 1)
EXAMPLE_NOTE = "示例行，导入前请删除"
# Where no community names its items: a placeholder no item code can be (codes have no
# spaces or brackets), so a file imported with it unchanged fails on that cell.
PLACEHOLDER_CODE = "（填积分项目编号）"
EXAMPLES = {
    Kind.PEOPLE: ("王淑英", EXAMPLE_PHONE, "", "3栋201", "党员、楼栋长", ""),
    Kind.HISTORY: (EXAMPLE_PHONE, "", EXAMPLE_DATE.isoformat(), PLACEHOLDER_CODE, 2, 20, ""),
}
FILE_NAMES = {Kind.PEOPLE: "people-template.xlsx", Kind.HISTORY: "history-template.xlsx"}

ITEMS_SHEET = "积分项目"
ITEMS_HEADERS = ("积分项目", "名称", "类别", "计分方式", "分值", "起施行日期", "状态")
UNIT_WORDS = {Unit.HOUR: "每小时", Unit.TIME: "每次"}
TEAMS_SHEET = "志愿服务队"
TEAMS_HEADERS = ("志愿服务队",)


def _catalogue(community: Region) -> list[tuple[RuleItem, list[RuleVersion]]]:
    """The items the community imports against (as ``services.import_history`` reads them:
    its own and those above it, the nearest region's code winning), active ones first."""
    catalogue = services._Catalogue.of(community)  # noqa: SLF001 - the import's own reading
    items = [
        (item, catalogue.versions.get(item.pk, []))
        for item in catalogue.items.values()
        if catalogue.versions.get(item.pk)
    ]
    return sorted(items, key=lambda pair: (not pair[0].is_active, pair[0].code))


def _history_example(catalogue: list[tuple[RuleItem, list[RuleVersion]]]) -> tuple[object, ...]:
    """A row that would import (but for its phone): a real code and the points its terms
    in force on the example date give."""
    active = [(item, versions) for item, versions in catalogue if item.is_active]
    if not active:
        return EXAMPLES[Kind.HISTORY]
    item, versions = active[0]
    in_force = [v for v in versions if v.effective_from <= EXAMPLE_DATE]
    version = in_force[-1] if in_force else versions[0]  # the first prices earlier dates
    quantity = Decimal(2) if version.unit == Unit.HOUR else Decimal(1)
    return (
        EXAMPLE_PHONE,
        "",
        EXAMPLE_DATE.isoformat(),
        item.code,
        int(quantity),
        points_for(version, quantity),
        EXAMPLE_NOTE,
    )


def _items_sheet(sheet: Worksheet, catalogue: list[tuple[RuleItem, list[RuleVersion]]]) -> None:
    append_row(sheet, ITEMS_HEADERS)
    for item, versions in catalogue:
        for version in versions:
            append_row(
                sheet,
                (
                    item.code,
                    version.name,
                    version.category,
                    UNIT_WORDS.get(Unit(version.unit), version.unit),
                    version.points,
                    version.effective_from.isoformat(),
                    "在用" if item.is_active else "已停用",
                ),
            )
    for column, width in zip("ABCDEFG", (14, 24, 14, 10, 8, 12, 8), strict=True):
        sheet.column_dimensions[column].width = width


def _as_text(sheet: Worksheet, row: int) -> None:
    # Phones, codes and dates as text, so a spreadsheet program does not turn them into
    # numbers.
    for cells in sheet.iter_rows(min_row=row, max_row=row):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.number_format = "@"


def workbook(kind: Kind, community: Region | None = None) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = "导入"
    append_row(sheet, HEADERS[kind])
    if kind == Kind.HISTORY:
        catalogue = _catalogue(community) if community is not None else []
        append_row(sheet, _history_example(catalogue))
        if community is not None:
            _items_sheet(book.create_sheet(ITEMS_SHEET), catalogue)
    else:
        teams = (
            list(
                Team.objects.filter(region=community)
                .order_by("name")
                .values_list("name", flat=True)
            )
            if community is not None
            else []
        )
        example = list(EXAMPLES[kind])
        if teams:
            example[-1] = teams[0]
        append_row(sheet, example)
        if community is not None:
            listing = book.create_sheet(TEAMS_SHEET)
            append_row(listing, TEAMS_HEADERS)
            for name in teams:
                append_row(listing, (name,))
            listing.column_dimensions["A"].width = 30
    for column in "ABCDEFG":
        sheet.column_dimensions[column].width = 16
    _as_text(sheet, 2)
    return workbook_bytes(book)


def community_for(actor: Person, code: str | None) -> Region | None:
    """The community a template is asked for (refused unless the actor imports there); with
    none asked for, the only community the actor imports into, if there is just one."""
    if code:
        community = get_region(code)
        services.require_community(actor, community)
        return community
    mine = list(
        Region.objects.filter(
            authz.regions_q(actor, services.IMPORT), level=Level.COMMUNITY
        ).order_by("path")[:2]
    )
    return mine[0] if len(mine) == 1 else None


def response(kind: Kind, community: Region | None = None) -> HttpResponse:
    answer = HttpResponse(workbook(kind, community), content_type=XLSX)
    name = FILE_NAMES[kind]
    if community is not None:
        name = name.replace("template", f"template-{community.code}")
    answer["Content-Disposition"] = f'attachment; filename="{name}"'
    return answer
