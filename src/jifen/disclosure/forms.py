"""The console's forms of 村务公开: publish, correct, the 村级月报, the calendar, filters.

A table is typed (or pasted from a spreadsheet) as lines: the first holds the column
names, the others the rows, cells separated by a tab or ``|``. A column whose name ends
in ``(元)`` or ``（元）`` holds money: its cells are amounts in yuan, stored as fen. A
section of the 月报 is lines of ``label amount`` (the amount last, in yuan) and its
stated total, which the service checks.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.disclosure import services
from jifen.disclosure.attachments import MAX_FILES
from jifen.disclosure.models import Category, Frequency
from jifen.disclosure.money import parse_yuan, yuan
from jifen.lib.errors import InvalidInput

ACCEPT = "application/pdf,image/jpeg,image/png"
MONEY_SUFFIXES = ("(元)", "（元）")


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so below
    field.choices = choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("PDF or pictures (JPEG, PNG), at most 10 MB each, 10 in all.")
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        found = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(found) > MAX_FILES:
            raise forms.ValidationError(_("At most %(n)s attachments."), params={"n": MAX_FILES})
        return [super(FilesField, self).clean(f, initial) for f in found]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in (line.split("\t") if "\t" in line else line.split("|"))]


def parse_table(text: str) -> dict[str, Any] | None:
    """The typed table as the service takes it; ``InvalidInput`` on ``table``."""
    lines = [line for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]
    if not lines:
        return None
    names = _cells(lines[0])
    columns = [{"name": n, "money": n.endswith(MONEY_SUFFIXES)} for n in names]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = _cells(line)
        if len(cells) != len(columns):
            raise InvalidInput(
                _("Line %(line)s has %(cells)s cells; the header has %(columns)s."),
                field="table",
                params={"line": number, "cells": len(cells), "columns": len(columns)},
            )
        rows.append(
            [
                (parse_yuan(cell, "table") if cell else None) if column["money"] else cell
                for column, cell in zip(columns, cells, strict=True)
            ]
        )
    return {"columns": columns, "rows": rows}


def table_text(table: dict[str, Any]) -> str:
    """A stored table back as the text the form takes (for a correction)."""
    if not table:
        return ""
    columns = table["columns"]
    lines = [" | ".join(c["name"] for c in columns)]
    for row in table["rows"]:
        lines.append(
            " | ".join(
                yuan(cell).replace(",", "") if c["money"] else str(cell)
                for c, cell in zip(columns, row, strict=False)
            )
        )
    return "\n".join(lines)


def parse_lines(text: str, field: str) -> list[dict[str, Any]]:
    """``label amount`` per line (the amount last, in yuan)."""
    out = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        line = line.strip()
        if not line:
            continue
        label, _sep, amount = line.replace("\t", " ").rpartition(" ")
        if not label.strip():
            raise InvalidInput(
                _("Write each line as a label, then its amount in yuan."), field=field
            )
        out.append({"label": label.strip(), "amount": parse_yuan(amount, field)})
    return out


def lines_text(lines: list[dict[str, Any]]) -> str:
    return "\n".join(f"{line['label']} {yuan(line['amount']).replace(',', '')}" for line in lines)


class PublishForm(forms.Form):
    region = forms.ChoiceField(label=_("Village or community"))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    title = forms.CharField(
        label=pgettext_lazy("disclosure", "Title"), max_length=services.MAX_TITLE
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=services.MAX_BODY,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    table = forms.CharField(
        label=_("Table"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}),
        help_text=_(
            "First line: the column names; then one row per line. Separate cells with | or "
            "paste from a spreadsheet. A column named with (元) holds amounts in yuan."
        ),
    )
    period = forms.CharField(
        label=_("Period it discloses"),
        required=False,
        max_length=8,
        help_text=_("For the disclosure calendar: 2026-11, 2026Q4 or 2026."),
    )
    decided_on = forms.DateField(
        label=_("Date of the decision or change"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Major matters are disclosed within 5 working days of it."),
    )
    follows = forms.TypedChoiceField(
        label=_("Follows in a thread"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("A bid follows its lease notice, a contract its bids, a receipt its contract."),
    )
    attachments = FilesField(label=_("Attachments"))

    def __init__(
        self, *args: Any, regions: list[tuple[str, str]], threads: list[tuple[int, str]], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        _choices(self, "region", regions)
        _choices(self, "follows", [("", _("— none: a new thread —")), *threads])


class CorrectForm(forms.Form):
    title = forms.CharField(
        label=pgettext_lazy("disclosure", "Title"), max_length=services.MAX_TITLE
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=services.MAX_BODY,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    table = PublishForm.base_fields["table"]
    period = PublishForm.base_fields["period"]
    decided_on = PublishForm.base_fields["decided_on"]
    drop = forms.TypedMultipleChoiceField(
        label=_("Attachments to leave out of the new version"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    attachments = FilesField(label=_("New attachments"))
    note = forms.CharField(
        label=_("Reason for the correction"),
        max_length=services.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown with the new version."),
    )
    confirm = forms.BooleanField(
        label=_("I understand: the old version stays public, marked as superseded."),
        required=True,
    )

    def __init__(self, *args: Any, attachments: list[tuple[int, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _choices(self, "drop", attachments)
        if not attachments:
            del self.fields["drop"]


class ReportForm(forms.Form):
    region = forms.ChoiceField(label=_("Village or community"))
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
    )
    title = forms.CharField(
        label=pgettext_lazy("disclosure", "Title"),
        max_length=services.MAX_TITLE,
        required=False,
        help_text=_("Leave empty for the usual title."),
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _choices(self, "region", regions)
        labels = services.section_labels()
        for key in services.SECTION_KEYS:
            self.fields[f"{key}_lines"] = forms.CharField(
                label=labels[key],
                required=False,
                max_length=10_000,
                widget=forms.Textarea(attrs={"rows": 4, "data-section": key}),
                help_text=_("One line each: a label, then the amount in yuan."),
            )
            self.fields[f"{key}_total"] = forms.CharField(
                label=pgettext_lazy("monthly report", "Total of %(section)s (yuan)")
                % {"section": labels[key]},
                required=False,
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "data-total": key}),
            )
        self.fields["matters"] = forms.CharField(
            label=labels["matters"],
            required=False,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
        self.fields["attachments"] = FilesField(label=_("Attachments"))

    def sections(self) -> dict[str, Any]:
        """The sections as the service takes them; ``InvalidInput`` naming a field."""
        data = self.cleaned_data
        out = {}
        for key in services.SECTION_KEYS:
            total_text = (data.get(f"{key}_total") or "").strip()
            out[key] = {
                "lines": parse_lines(data.get(f"{key}_lines") or "", f"{key}_lines"),
                "total": parse_yuan(total_text, f"{key}_total") if total_text else 0,
            }
        return out


class ScheduleForm(forms.Form):
    region = forms.ChoiceField(label=_("Village or community"))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    frequency = forms.ChoiceField(label=_("How often"), choices=Frequency.choices)
    due_day = forms.IntegerField(
        label=_("Due by day"),
        min_value=1,
        max_value=28,
        initial=10,
        help_text=_("Day of the month after the period ends."),
    )
    starts_on = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _choices(self, "region", regions)


class FilterForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *Category.choices]
    )
    q = forms.CharField(label=_("Words"), required=False, max_length=50)
    superseded = forms.BooleanField(label=_("Show superseded versions"), required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _choices(self, "region", [("", _("All")), *regions])
