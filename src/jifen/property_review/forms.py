"""Forms of the 物业互评 pages: they parse input; the services decide, and their refusals
land on the field they name (``web.forms.add_domain_error``)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.lib.bounds import MAX_ID
from jifen.lib.widgets import DateInput
from jifen.property_review.models import (
    GROUP_MAX,
    ITEM_MAX,
    LOCATION_MAX,
    MAX_SCORE_MAX,
    MAX_SCORE_MIN,
    NOTE_MAX,
    PROBLEM_MAX,
    TITLE_MAX,
    PanelKind,
)
from jifen.web.forms import PhoneInput


def _text(label: Any, limit: int, rows: int = 3, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": str(limit)}),
    )


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so below
    field.choices = choices


class RoundForm(forms.Form):
    region = forms.ChoiceField(label=_("Town or community"), choices=())
    quarter = forms.RegexField(
        label=_("Quarter"),
        regex=r"^\d{4}Q[1-4]$",
        max_length=6,
        help_text=_("For example 2026Q4."),
        error_messages={"invalid": _("Give the quarter as YYYYQn, for example 2026Q4.")},
    )
    title = forms.CharField(
        label=pgettext_lazy("property review", "Title"), max_length=TITLE_MAX, required=False
    )
    copy_previous = forms.BooleanField(
        label=_("Start from the last quarter's companies, compounds and checklist"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "region", regions)


class CompanyForm(forms.Form):
    organization = forms.ChoiceField(label=_("Property company"), choices=())
    compounds = forms.MultipleChoiceField(
        label=_("Compounds it manages"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        organizations: list[tuple[int, str]],
        compounds: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "organization", organizations)
        _choices(self, "compounds", compounds)


class ItemForm(forms.Form):
    group = forms.CharField(label=pgettext_lazy("property review", "Group"), max_length=GROUP_MAX)
    title = forms.CharField(label=_("What is checked"), max_length=ITEM_MAX)
    max_score = forms.IntegerField(
        label=_("Full marks"), min_value=MAX_SCORE_MIN, max_value=MAX_SCORE_MAX
    )


class InspectionForm(forms.Form):
    compound = forms.ChoiceField(label=_("Compound inspected"), choices=())
    inspector = forms.ChoiceField(label=_("Inspecting company"), choices=())
    scheduled_on = forms.DateField(label=_("Date"), required=False, widget=DateInput)

    def __init__(
        self,
        *args: Any,
        compounds: list[tuple[int, str]],
        companies: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "compound", compounds)
        _choices(self, "inspector", companies)


class PanelForm(forms.Form):
    inspection = forms.ChoiceField(label=pgettext_lazy("property review", "Inspection"), choices=())
    phone = forms.CharField(label=_("Mobile number"), max_length=11, widget=PhoneInput)
    kind = forms.ChoiceField(
        label=_("Seat"), choices=PanelKind.choices, widget=forms.RadioSelect, initial="owner"
    )

    def __init__(self, *args: Any, inspections: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "inspection", inspections)


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), NOTE_MAX, rows=2)


class FindingForm(forms.Form):
    problem = _text(_("Problem found"), PROBLEM_MAX)
    location = forms.CharField(label=_("Where"), max_length=LOCATION_MAX, required=False)


class TrackForm(forms.Form):
    due_on = forms.DateField(
        label=_("Rectify by"),
        required=False,
        widget=DateInput,
        help_text=_("Empty: 10 working days from today."),
    )
    note = _text(_("Note to the company"), NOTE_MAX, rows=2, required=False)


class ReferForm(forms.Form):
    category = forms.ChoiceField(label=_("Incident category"), choices=())

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "category", categories)


class VerifyForm(forms.Form):
    ok = forms.TypedChoiceField(
        label=_("The fix"),
        choices=[("yes", _("accepted")), ("no", _("not accepted, reopen"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = _text(_("Note"), NOTE_MAX, rows=2, required=False)


class NoteForm(forms.Form):
    note = _text(_("Note"), NOTE_MAX, rows=2, required=False)


class FixForm(forms.Form):
    note = _text(_("What was done"), NOTE_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].help_text = _(
            "Shown on the public page with the finding: write no one's name or phone number."
        )


def scores_from(data: Any, items: list[Any]) -> dict[int, Any]:
    """``score-<item id>`` fields of the scoring form: a whole number, or left empty (not
    scored yet). Anything else is passed on as it is, for the service to refuse."""
    found: dict[int, Any] = {}
    for item in items:
        raw = (data.get(f"score-{item.pk}") or "").strip()
        if not raw:
            continue
        found[item.pk] = int(raw) if raw.isdigit() and len(raw) <= 4 else raw
    return found


def id_or_none(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_ID else None
