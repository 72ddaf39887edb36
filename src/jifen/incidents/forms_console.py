"""Forms of the staff pages of grid incidents (事件处置台): they parse input; the services
decide, and their refusals land on the field they name (``web.forms.add_domain_error``)."""

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.incidents.models import CloseReason, Status, Tier

NOTE_MAX = 500


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so below
    field.choices = choices


def _note(label: Any, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": str(NOTE_MAX)}),
    )


class FilterForm(forms.Form):
    """The queue's filters (``?status=&category=&region=&tier=&handler=``); ``status``
    is also ``open`` (every status before closed) or ``overdue``."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    category = forms.ChoiceField(label=_("Category"), required=False, choices=())
    region = forms.ChoiceField(label=_("Grid or community"), required=False, choices=())
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=())
    handler = forms.CharField(
        label=_("Handler"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("Name or volunteer number, or a unit.")}),
    )

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]],
        regions: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        _choices(
            self,
            "status",
            every
            + [
                ("open", pgettext_lazy("incidents", "Open")),
                ("overdue", pgettext_lazy("incidents", "Overdue")),
            ]
            + list(Status.choices),
        )
        _choices(self, "category", every + categories)
        _choices(self, "region", every + regions)
        _choices(self, "tier", every + list(Tier.choices))


class AssignForm(forms.Form):
    """派遣: to a person (volunteer number, or a name within the community) or to an
    organisation that serves it; the service wants exactly one."""

    person = forms.CharField(
        # Not "Person" (居民 in the people's pages): a grid worker or staff may take it too.
        label=pgettext_lazy("incident assign", "To a person"),
        required=False,
        max_length=50,
        help_text=_("Volunteer number, or the name of a resident of the community."),
    )
    organization = forms.ChoiceField(label=_("or a unit"), required=False, choices=())

    def __init__(self, *args: Any, organizations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "organization", [("", "—"), *organizations])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("person")) == bool(data.get("organization")):
            raise forms.ValidationError(_("Assign to one person or one organisation."))
        return data


class NoteForm(forms.Form):
    note = _note(_("Note"))


class CloseForm(forms.Form):
    """Closed without a fix: the reason the reporter sees, the duplicate's number."""

    reason = forms.ChoiceField(
        label=_("Why is it closed?"),
        choices=[
            (CloseReason.DUPLICATE, CloseReason.DUPLICATE.label),
            (CloseReason.NOT_RESPONSIBLE, CloseReason.NOT_RESPONSIBLE.label),
            (CloseReason.NO_ACTION, CloseReason.NO_ACTION.label),
        ],
    )
    duplicate_of = forms.IntegerField(
        label=_("Number of the incident it duplicates"),
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = _note(_("Note for the reporter"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == CloseReason.DUPLICATE and not data.get("duplicate_of"):
            self.add_error("duplicate_of", _("Give the number of the incident it duplicates."))
        return data


class VerifyForm(forms.Form):
    ok = forms.TypedChoiceField(
        label=_("Is it fixed?"),
        choices=[("yes", _("Yes, fixed: close it")), ("no", _("No: send it back"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = _note(_("Note (required when it is not fixed)"), required=False)


class IntakeForm(forms.Form):
    """录入来电: staff take a phone call and report what the caller says."""

    place = forms.ChoiceField(label=_("Where?"), choices=())
    category = forms.ChoiceField(label=_("Category"), choices=())
    description = forms.CharField(
        label=_("What the caller says"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        places: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "place", [("", "—"), *places])
        _choices(self, "category", [("", "—"), *categories])


class RegionForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False, choices=())

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "region", regions)


class CategoryForm(forms.Form):
    """A category of incidents; ``services.save_category`` checks it."""

    region = forms.ChoiceField(label=_("Region"), choices=())
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "Letters, digits, '-' or '_'. The same code in a community replaces the "
            "county's category there."
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=50)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    tier = forms.ChoiceField(label=_("Handled by default by"), choices=Tier.choices)
    deadline_days = forms.IntegerField(
        label=_("Working days to handle"),
        initial=3,
        min_value=1,
        max_value=60,
        help_text=_("Counted in official working days from the day it is accepted."),
    )
    deadline_hours = forms.IntegerField(
        label=_("Hours to handle (urgent)"),
        initial=0,
        min_value=0,
        max_value=168,
        help_text=_("Urgent categories count hours instead of working days; 0: not urgent."),
    )
    default_organization = forms.ChoiceField(
        label=_("Handled by default by the organisation"), required=False, choices=()
    )
    photo_required = forms.BooleanField(label=_("A photo is required"), required=False)
    report_item = forms.ChoiceField(
        label=_("Points item for a report accepted"), required=False, choices=()
    )
    close_item = forms.ChoiceField(
        label=_("Points item for an incident closed"), required=False, choices=()
    )
    position = forms.IntegerField(
        label=pgettext_lazy("display order", "Position"), initial=0, min_value=0, max_value=32767
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]],
        organizations: list[tuple[str, str]],
        rule_items: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "region", regions)
        _choices(self, "default_organization", [("", "—"), *organizations])
        _choices(self, "report_item", [("", "—"), *rule_items])
        _choices(self, "close_item", [("", "—"), *rule_items])


class DashboardForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False, choices=())
    start = forms.DateField(
        label=_("Reported from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "region", regions)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not date(2000, 1, 1) <= day <= date(2100, 12, 31):
                self.add_error(name, _("Choose a day between 2000 and 2100."))
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The first day comes after the last."))
        return data


class CalendarDayForm(forms.Form):
    day = forms.DateField(
        label=_("Day"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    kind = forms.ChoiceField(
        label=_("This day is"),
        choices=[
            ("off", _("a day off (holiday)")),
            ("working", _("a working day (a make-up day)")),
            ("clear", _("as the official calendar says (remove the correction)")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=100, required=False)
