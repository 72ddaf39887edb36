"""Forms of the deliberation pages: they parse input; the services decide, and their
refusals land on the field they name (``web.forms.add_domain_error``)."""

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.deliberation.models import (
    DECISION_MAX,
    DESCRIPTION_MAX,
    MINUTES_MAX,
    NOTE_MAX,
    QUORUM_MAX,
    QUORUM_MIN,
    TITLE_MAX,
    ActionStatus,
    Choice,
    MeetingKind,
    Status,
    Tier,
)
from jifen.lib.bounds import MAX_ID
from jifen.lib.widgets import DateInput, DateTimeInput


def _text(label: Any, limit: int, rows: int = 3, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": str(limit)}),
    )


def _set_choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so below
    field.choices = choices


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    tier = forms.ChoiceField(
        label=pgettext_lazy("deliberation", "Tier"), required=False, choices=()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        _set_choices(self, "status", every + list(Status.choices))
        _set_choices(self, "tier", every + list(Tier.choices))


class SourceIdField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            min_value=1,
            max_value=MAX_ID,
            widget=forms.HiddenInput,
            **kwargs,
        )


class MatterForm(forms.Form):
    region = forms.ChoiceField(label=_("Place"), choices=())
    tier = forms.ChoiceField(
        label=pgettext_lazy("deliberation", "Tier"),
        choices=Tier.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Small things: a poll of the residents of the place. Urgent things: a quick poll "
            "of the parties named, within hours. Hard things: a meeting."
        ),
    )
    title = forms.CharField(label=pgettext_lazy("deliberation", "Title"), max_length=TITLE_MAX)
    description = _text(_("Description (public)"), DESCRIPTION_MAX, rows=5, required=False)
    organizations = forms.MultipleChoiceField(
        label=_("Parties"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Who votes in an urgent poll, or is invited to the meeting."),
    )
    incident = SourceIdField()
    service_request = SourceIdField()
    message = SourceIdField()

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]],
        organizations: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "region", regions)
        _set_choices(self, "organizations", organizations)


class PollForm(forms.Form):
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DateTimeInput())
    quorum_percent = forms.IntegerField(
        label=_("Quorum (percentage of those who may vote)"),
        initial=50,
        validators=[MinValueValidator(QUORUM_MIN), MaxValueValidator(QUORUM_MAX)],
    )
    organizations = forms.MultipleChoiceField(
        label=_("Parties who vote (urgent polls)"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organizations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "organizations", organizations)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Meeting"), choices=MeetingKind.choices)
    at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=200)
    agenda = _text(_("Agenda"), DESCRIPTION_MAX, rows=4)
    organizations = forms.MultipleChoiceField(
        label=_("Invited parties"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organizations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "organizations", organizations)


class MinutesForm(forms.Form):
    minutes = _text(_("Minutes"), MINUTES_MAX, rows=6)
    attended = forms.MultipleChoiceField(
        label=_("Parties present"), required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    residents_present = forms.IntegerField(
        label=_("Residents present"),
        initial=0,
        validators=[MinValueValidator(0), MaxValueValidator(100_000)],
    )

    def __init__(self, *args: Any, invitees: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "attended", invitees)


class DecisionForm(forms.Form):
    decision = _text(_("Decision (public)"), DECISION_MAX, rows=4)


class NoteForm(forms.Form):
    note = _text(_("Note"), NOTE_MAX, rows=2, required=False)


class CancelForm(forms.Form):
    reason = _text(_("Reason (public)"), NOTE_MAX, rows=2)


class ActionForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("follow-up action", "Action"), max_length=200)
    owner_organization = forms.ChoiceField(label=_("Owner: an organisation"), required=False)
    owner_phone = forms.CharField(
        label=_("or a person: their mobile number"),
        required=False,
        max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())

    def __init__(self, *args: Any, organizations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "owner_organization", [("", "—"), *organizations])


class ProgressForm(forms.Form):
    percent = forms.IntegerField(
        label=_("Progress (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *ActionStatus.choices]
    )
    note = _text(_("Note (public)"), NOTE_MAX, rows=2, required=False)


class VoteForm(forms.Form):
    choice = forms.ChoiceField(choices=Choice.choices)
