"""The filters of the inspectors' pages: the region, the period, months; and for the
messages behind a figure, which figure of which group, and the words searched."""

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.inspection import figures, selectors


def _day(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class SummaryForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False, choices=())
    start = _day(_("Written from"))
    end = _day(_("to"))
    monthly = forms.BooleanField(label=_("Month by month"), required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so above
        field.choices = regions

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not figures.EARLIEST <= day <= figures.LATEST:
                self.add_error(name, _("Choose a day between 2000 and 2100."))
                data.pop(name, None)
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date) and start > end:
            self.add_error("end", _("The first day comes after the last."))
            data.pop("start", None)
        return data


FIGURE_LABELS: dict[str, Any] = {
    "received": _("Received"),
    "answered": _("Answered"),
    "unanswered": _("Unanswered"),
    "late": _("Answered late"),
    "open_overdue": _("Waiting past due"),
    "overdue": _("Overdue"),
    "rated": _("Rated"),
    "reopened": _("Reopened"),
}


class MessagesForm(SummaryForm):
    monthly = None  # type: ignore[assignment]
    q = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=selectors.MAX_QUERY,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": str(selectors.MAX_QUERY)}),
    )
    figure = forms.ChoiceField(
        label=_("Which"), required=False, choices=list(FIGURE_LABELS.items())
    )
    topic = forms.CharField(label=_("Topic"), required=False, max_length=32)
    area = forms.CharField(label=_("Community or village"), required=False, max_length=32)
    month = forms.RegexField(
        label=_("Month"),
        required=False,
        regex=selectors.MONTH_PATTERN,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    exact = forms.BooleanField(required=False, widget=forms.HiddenInput)
