"""Forms of the contest pages: they parse input; the services decide, and their refusals
land on the field they name (``web.forms.add_domain_error``)."""

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.contests.models import (
    MAX_SCORE_MAX,
    MAX_WINNERS,
    MAX_YEARS,
    NOTE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Criterion,
    Visibility,
)
from jifen.lib.widgets import DateInput


def _text(label: Any, limit: int, rows: int = 3, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": str(limit)}),
    )


class SettingsForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("contest", "Title"), max_length=TITLE_MAX)
    description = _text(_("Description (public)"), TEXT_MAX, required=False)
    anonymous_review = forms.BooleanField(
        label=_("Anonymous review: judges see a project's code, not its team"), required=False
    )
    score_visibility = forms.ChoiceField(
        label=_("Judges see each other's scores"),
        choices=Visibility.choices,
        initial=Visibility.AFTER_CLOSE,
    )
    roadshow_weight = forms.IntegerField(
        label=_("Roadshow weight (%)"), min_value=0, max_value=100, initial=70
    )
    live_weight = forms.IntegerField(
        label=_("Live answers weight (%)"), min_value=0, max_value=100, initial=30
    )
    winners = forms.IntegerField(
        label=_("Number of winners (their projects become 微实事)"),
        min_value=1,
        max_value=MAX_WINNERS,
        initial=3,
    )
    submission_ends_on = forms.DateField(
        label=_("Entries close on"), required=False, widget=DateInput()
    )
    review_ends_on = forms.DateField(label=_("Review ends on"), required=False, widget=DateInput())
    final_on = forms.DateField(label=_("Final on"), required=False, widget=DateInput())
    criteria = forms.CharField(
        label=_("Criteria: one a line — name, weight %, out of"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 9}),
        help_text=_("For example: 需求分析, 15, 10. The weights add up to 100."),
    )

    def clean_criteria(self) -> list[dict[str, Any]] | None:
        raw = self.cleaned_data.get("criteria", "")
        if not raw.strip():
            return None
        rows = []
        for line in raw.splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
                raise forms.ValidationError(
                    _("Write each criterion as: name, weight, out of (%(line)s)."),
                    params={"line": line[:40]},
                )
            weight, out_of = int(parts[1]), int(parts[2])
            if not 1 <= out_of <= MAX_SCORE_MAX or not 1 <= weight <= 100:
                raise forms.ValidationError(
                    _("A weight is 1 to 100 and a criterion is marked out of 1 to 100.")
                )
            rows.append({"name": parts[0], "weight": weight, "max_score": out_of})
        return rows


def criteria_text(criteria: list[Criterion]) -> str:
    return "\n".join(f"{c.name}, {c.weight}, {c.max_score}" for c in criteria)


class NewContestForm(SettingsForm):
    region = forms.ChoiceField(label=_("Region (community, town or county)"))
    field_order = ["region", "title"]

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so above
        field.choices = regions


class JudgeForm(forms.Form):
    phone = forms.CharField(
        label=_("Judge's mobile phone"),
        max_length=11,
        min_length=11,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (public)"), max_length=NOTE_MAX)


class EntryForm(forms.Form):
    entrant = forms.ChoiceField(label=pgettext_lazy("contest", "Entered by"))
    title = forms.CharField(label=pgettext_lazy("contest", "Project"), max_length=TITLE_MAX)
    summary = _text(pgettext_lazy("contest", "Summary"), TEXT_MAX, rows=5)
    years_running = forms.IntegerField(
        label=_("Years running"), min_value=0, max_value=MAX_YEARS, initial=0
    )
    core_members = _text(_("Core members"), NOTE_MAX, rows=2, required=False)
    budget_yuan = forms.DecimalField(
        label=_("Budget (yuan)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    milestones = forms.CharField(
        label=_("Milestones: one a line, a date after a comma if there is one"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: 招募志愿者, 2027-03-01"),
    )

    community = forms.ChoiceField(
        label=_("Community where the project runs"),
        required=False,
        help_text=_("Leave it for the team's or unit's own community."),
    )

    def __init__(
        self,
        *args: Any,
        entrants: list[tuple[str, str]],
        communities: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["entrant"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so above
        field.choices = entrants
        places = self.fields["community"]
        assert isinstance(places, forms.ChoiceField)  # noqa: S101 - declared so above
        if communities:
            places.choices = [("", _("The team's or unit's own")), *communities]
        else:
            # A community's contest runs where it is held: nothing to choose.
            del self.fields["community"]

    def clean_milestones(self) -> list[tuple[str, date | None]]:
        rows: list[tuple[str, date | None]] = []
        for line in self.cleaned_data.get("milestones", "").splitlines():
            if not line.strip():
                continue
            title, _sep, due = line.replace("，", ",").rpartition(",")
            if not title:
                title, due = due, ""
            due = due.strip()
            try:
                day = date.fromisoformat(due) if due else None
            except ValueError:
                title, day = line, None
            rows.append((title.strip(), day))
        return rows


class ScoreForm(forms.Form):
    comment = forms.CharField(label=_("Comment (for staff)"), required=False, max_length=NOTE_MAX)

    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        marks: dict[str, forms.Field] = {}
        for c in criteria:
            marks[f"c{c.pk}"] = forms.IntegerField(
                label=f"{c.name}（{c.weight}%）",
                help_text=_("0 to %(n)s") % {"n": c.max_score},
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "min": 0, "max": c.max_score, "step": 1}
                ),
            )
        self.fields = {**marks, **self.fields}
        self.criteria = criteria

    def values(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"c{c.pk}"] for c in self.criteria}


class AbstainForm(forms.Form):
    reason = forms.CharField(label=_("Conflict of interest"), max_length=NOTE_MAX)
