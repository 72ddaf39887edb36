"""The xlsx templates staff download: the headers and one example row."""

from django.http import HttpResponse

from jifen.imports import services
from jifen.imports.models import Kind
from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes

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
# One example row each: delete it before importing (its phone belongs to nobody).
EXAMPLES = {
    Kind.PEOPLE: ("王淑英", "13800138000", "", "3栋201", "党员、楼栋长", ""),
    Kind.HISTORY: ("13800138000", "", "2023-05-01", "XF01", 2, 20, "纸质台账第3页"),
}
FILE_NAMES = {Kind.PEOPLE: "people-template.xlsx", Kind.HISTORY: "history-template.xlsx"}


def workbook(kind: Kind) -> bytes:
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = "导入"
    append_row(sheet, HEADERS[kind])
    append_row(sheet, EXAMPLES[kind])
    for column in ("A", "B", "C", "D", "E", "F", "G"):
        sheet.column_dimensions[column].width = 16
    # Phones and dates as text, so a spreadsheet program does not turn them into numbers.
    for row in sheet.iter_rows(min_row=2, max_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.number_format = "@"
    return workbook_bytes(book)


def response(kind: Kind) -> HttpResponse:
    answer = HttpResponse(workbook(kind), content_type=XLSX)
    answer["Content-Disposition"] = f'attachment; filename="{FILE_NAMES[kind]}"'
    return answer
