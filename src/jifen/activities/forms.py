"""Forms of the activity pages: they parse input; the services decide."""

from typing import Any, cast

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from jifen.activities.models import Status
from jifen.lib.widgets import DateTimeInput

MINUTE_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def _when(label: Any, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, input_formats=MINUTE_FORMATS, widget=DateTimeInput(), **kwargs
    )


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    # Named as the service names it, so its refusals land on this field.
    community = forms.ChoiceField(
        label=_("Community or town"),
        choices=(),
        help_text=_("A town-wide activity is open to residents of every community in the town."),
    )
    rule_item = forms.ChoiceField(label=_("Service item (points)"), choices=())
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = _when(_("Starts at"))
    ends_at = _when(_("Ends at"))
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=10_000,
        help_text=_("When the places are taken, as many again can join the waiting list."),
    )
    description = forms.CharField(
        label=_("What volunteers will do"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    team = forms.ChoiceField(label=_("Organising volunteer team"), choices=(), required=False)
    organization = forms.ChoiceField(label=_("Organising organisation"), choices=(), required=False)
    tags = forms.CharField(
        label=_("Requirements"),
        max_length=200,
        required=False,
        help_text=_("e.g. 会使用智能手机, 懂急救, 能搬重物"),
    )
    min_age = forms.IntegerField(label=_("Minimum age"), min_value=1, max_value=119, required=False)
    risk_notes = forms.CharField(
        label=_("Risks and precautions"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    needs_insurance = forms.BooleanField(
        label=_("Volunteers need accident insurance for this activity"), required=False
    )

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]],
        items: list[tuple[str, str]],
        teams: list[tuple[str, str]],
        organizations: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        none = [("", _("— none —"))]
        _choices(self, "community", regions)
        _choices(self, "rule_item", [("", _("— choose —")), *items])
        _choices(self, "team", none + teams)
        _choices(self, "organization", none + organizations)
        # A new item list arrives when another community is chosen.
        self.fields["community"].widget.attrs.update({"data-items-for": ""})


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All"))] + list(Status.choices), required=False
    )
    region = forms.ChoiceField(label=_("Community or town"), choices=(), required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "region", [("", _("All")), *regions])
        for field in self.fields.values():
            field.widget.attrs["data-autosubmit"] = ""


class PersonField(forms.CharField):
    """A volunteer number, or a phone number (whole, or its last digits)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Volunteer number or phone"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        # As staff type, who it names shows in the ``.who-hint`` after the field.
        self.widget.attrs.update(
            {
                "inputmode": "numeric",
                "autocomplete": "off",
                "hx-get": reverse_lazy("activities:who"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "next .who-hint",
            }
        )


class SignupForm(forms.Form):
    who = PersonField()


class PaperForm(forms.Form):
    who = PersonField(
        help_text=_("As written on the sheet; the last 4 digits of the phone are enough.")
    )
    checkin_at = _when(_("Checked in at"))
    checkout_at = _when(_("Checked out at"))
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("e.g. the sheet's page and line, who signed it"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comments for staff"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What should be changed before the filing can be approved."),
    )
