"""Forms of the 三单 · 微实事 pages: they parse input; the services decide, and their
refusals land on the field they name (``web.forms.add_domain_error``)."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.lib.bounds import MAX_DATE, MAX_ID, MAX_POINTS, MIN_DATE
from jifen.lib.widgets import DateInput
from jifen.projects.models import (
    AVAILABILITY_MAX,
    MAX_MILESTONES,
    NOTE_MAX,
    SOURCE_REF_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    NeedSource,
    ResourceKind,
)

Choices = list[tuple[Any, Any]]


def _text(label: Any, limit: int, rows: int = 3, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": str(limit)}),
    )


def _set_choices(form: forms.Form, name: str, choices: Choices) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so below
    field.choices = choices


def _in_range(value: date | None) -> date | None:
    if value is not None and not MIN_DATE <= value <= MAX_DATE:
        raise ValidationError(
            _("The date must be between %(first)s and %(last)s."),
            params={"first": MIN_DATE.isoformat(), "last": MAX_DATE.isoformat()},
        )
    return value


class BoundedDateField(forms.DateField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(widget=DateInput(), **kwargs)

    def clean(self, value: Any) -> date | None:
        return _in_range(super().clean(value))


class ResourceForm(forms.Form):
    """A unit's contact offers (choosing the unit), or staff enter (a unit, or a person by
    their volunteer number)."""

    organization = forms.ChoiceField(label=_("Offered by the unit"), choices=(), required=False)
    volunteer_no = forms.CharField(
        label=_("or by the person (volunteer number)"), max_length=16, required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("What is offered"), max_length=TITLE_MAX)
    description = _text(_("Description"), SUMMARY_MAX, required=False)
    availability = forms.CharField(
        label=_("When available"),
        max_length=AVAILABILITY_MAX,
        required=False,
        help_text=_("For example: weekday evenings; the first Saturday of each month."),
    )

    def __init__(self, *args: Any, units: Choices, by_person: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "organization", [("", _("— choose —")), *units])
        if not by_person:
            del self.fields["volunteer_no"]


class NeedForm(forms.Form):
    title = forms.CharField(label=_("The need"), max_length=TITLE_MAX)
    description = _text(_("Description"), SUMMARY_MAX, rows=4, required=False)
    source = forms.ChoiceField(label=_("Where it came from"), choices=NeedSource.choices)
    service_request = forms.IntegerField(
        label=_("Request number"), required=False, min_value=1, max_value=MAX_ID
    )
    message = forms.IntegerField(
        label=_("Message number"), required=False, min_value=1, max_value=MAX_ID
    )
    source_note = forms.CharField(
        label=_("Which survey or visit"), max_length=SOURCE_REF_MAX, required=False
    )


def parse_milestones(text: str) -> list[tuple[str, date | None]]:
    """One milestone a line: ``title`` or ``title | YYYY-MM-DD``."""
    found: list[tuple[str, date | None]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        title, _sep, due = line.replace("｜", "|").partition("|")
        day = None
        if due.strip():
            try:
                day = _in_range(date.fromisoformat(due.strip()))
            except ValueError:
                raise ValidationError(
                    _("Line %(n)s: write the date as YYYY-MM-DD."), params={"n": number}
                ) from None
        if not title.strip() or len(title.strip()) > TITLE_MAX:
            raise ValidationError(
                _("Line %(n)s: a title of 1 to %(max)s characters, please."),
                params={"n": number, "max": TITLE_MAX},
            )
        found.append((title.strip(), day))
    if len(found) > MAX_MILESTONES:
        raise ValidationError(
            _("At most %(n)s milestones per project."), params={"n": MAX_MILESTONES}
        )
    return found


class ProjectForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("project", "Title"), max_length=TITLE_MAX)
    summary = _text(_("Summary (public)"), SUMMARY_MAX, rows=4, required=False)
    budget = forms.CharField(
        label=_("Budget (yuan)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    milestones = forms.CharField(
        label=_("Milestones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line: a title, then | and the due date, e.g. 采购灯具 | 2027-01-15"),
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs it meets"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    resources = forms.MultipleChoiceField(
        label=_("Resources it draws on"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rule_item = forms.ChoiceField(label=_("Point item of the lead unit's claim"), choices=())
    points = forms.IntegerField(
        label=_("Points the lead unit earns on completion"),
        min_value=1,
        max_value=MAX_POINTS,
        required=False,
    )
    lead = forms.ChoiceField(
        label=_("Lead unit"),
        choices=(),
        required=False,
        help_text=_("Leave empty to publish it for the units to take the lead."),
    )

    def __init__(
        self,
        *args: Any,
        needs: Choices,
        resources: Choices,
        items: Choices,
        units: Choices,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "needs", needs)
        _set_choices(self, "resources", resources)
        _set_choices(self, "rule_item", [("", _("— set later —")), *items])
        self.fields["rule_item"].required = False
        _set_choices(self, "lead", [("", _("— none yet —")), *units])

    def clean_milestones(self) -> list[tuple[str, date | None]]:
        return parse_milestones(self.cleaned_data.get("milestones") or "")


class RewardForm(forms.Form):
    rule_item = forms.ChoiceField(label=_("Point item"), choices=())
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=MAX_POINTS)
    budget = forms.CharField(
        label=_("Budget (yuan)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, items: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "rule_item", items)


class UnitForm(forms.Form):
    organization = forms.ChoiceField(label=pgettext_lazy("projects", "Unit"), choices=())

    def __init__(self, *args: Any, units: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "organization", units)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=TITLE_MAX)
    due_on = BoundedDateField(label=_("Due on"), required=False)


class ReportForm(forms.Form):
    note = _text(_("What was done"), NOTE_MAX, rows=3, required=False)
    photo = forms.FileField(
        label=_("Photo (JPEG or PNG)"),
        required=False,
        help_text=_("Take a photo or choose from the album. Location data is removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class NoteForm(forms.Form):
    note = _text(_("Note"), SUMMARY_MAX, rows=3, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=NOTE_MAX)


class ClaimForm(forms.Form):
    organization = forms.ChoiceField(label=_("Take it as"), choices=(), required=False)

    def __init__(self, *args: Any, units: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "organization", [("", _("myself")), *units])
