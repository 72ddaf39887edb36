"""Forms of the staff pages of service requests (派单台): they parse input; the services
decide, and their refusals land on the field they name (``web.forms.add_domain_error``)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.requests.models import Eligibility, Kind, Status


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so below
    field.choices = choices


class FilterForm(forms.Form):
    """The list's filters (``?status=&kind=&category=&community=&assignee=&overdue=1``)."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=())
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=())
    category = forms.ChoiceField(label=_("Service"), required=False, choices=())
    community = forms.ChoiceField(label=_("Community"), required=False, choices=())
    assignee = forms.CharField(
        label=_("Helper"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("Name or volunteer number, or a team or unit name.")}
        ),
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)

    def __init__(
        self,
        *args: Any,
        communities: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        _choices(self, "status", every + list(Status.choices))
        _choices(self, "kind", every + list(Kind.choices))
        _choices(self, "category", every + categories)
        _choices(self, "community", every + communities)
        if len(communities) <= 1:
            del self.fields["community"]


class PublishForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points for the helper"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
    )

    def __init__(self, *args: Any, suggested: int, most: int, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"points": suggested})
        super().__init__(*args, **kwargs)
        self.fields["points"].help_text = _(
            "Suggested by the service menu: %(points)s; at most %(most)s."
        ) % {"points": suggested, "most": most}
        self.fields["points"].widget.attrs["max"] = str(most)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": "200"}),
    )


class DispatchForm(forms.Form):
    """派单: to one volunteer (found by volunteer number or name within the community),
    or to a team or an organisation that serves it. The service wants exactly one."""

    person = forms.CharField(
        label=_("Volunteer"),
        required=False,
        max_length=50,
        help_text=_("Volunteer number, or the name of a resident of the community."),
    )
    team = forms.ChoiceField(label=_("or a volunteer team"), required=False, choices=())
    organization = forms.ChoiceField(label=_("or a unit"), required=False, choices=())
    points = forms.IntegerField(
        label=_("Points for the helper"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
    )

    def __init__(
        self,
        *args: Any,
        teams: list[tuple[str, str]],
        organizations: list[tuple[str, str]],
        suggested: int,
        most: int,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {"points": suggested})
        super().__init__(*args, **kwargs)
        none = [("", "—")]
        _choices(self, "team", none + teams)
        _choices(self, "organization", none + organizations)
        self.fields["points"].help_text = _(
            "Suggested by the service menu: %(points)s; at most %(most)s."
        ) % {"points": suggested, "most": most}
        self.fields["points"].widget.attrs["max"] = str(most)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [k for k in ("person", "team", "organization") if data.get(k)]
        if len(chosen) != 1:
            raise forms.ValidationError(
                _("Dispatch to one volunteer, one team or one organisation.")
            )
        return data


class MemberForm(forms.Form):
    person = forms.ChoiceField(label=_("Member who goes"), choices=())

    def __init__(self, *args: Any, members: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "person", [("", "—"), *members])


class MenuRegionForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), required=False, choices=())

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "region", regions)


class MenuItemForm(forms.Form):
    """A line of the service menu (菜单服务); ``services.save_menu_item`` checks it."""

    region = forms.ChoiceField(label=_("Region"), choices=())
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "Letters, digits, '-' or '_'. The same code in a community replaces the "
            "county's line there."
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=50)
    group = forms.CharField(label=_("Category"), max_length=30)
    kind = forms.ChoiceField(
        label=_("Serves"),
        choices=Kind.choices,
        initial=Kind.REQUEST,
        required=False,  # empty: a service
        help_text=_(
            "A wish line is offered on the wish form only, a service on the request form only."
        ),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    rule_item = forms.ChoiceField(
        label=_("Points item"),
        choices=(),
        help_text=_("The helper's claim is made of this item of the points catalogue."),
    )
    points = forms.IntegerField(
        label=_("Suggested points"), widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    max_points = forms.IntegerField(
        label=_("Most points"),
        required=False,
        help_text=_("Staff may fix the points of a request up to this; empty: the suggestion."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    eligibility = forms.ChoiceField(
        label=_("Who may take it"), choices=Eligibility.choices, initial=Eligibility.ANYONE
    )
    deadline_days = forms.IntegerField(
        label=_("Working days to do it"),
        initial=3,
        help_text=_("Counted in official working days from the day it is taken or dispatched."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    position = forms.IntegerField(
        label=_("Order in the menu"),
        initial=0,
        min_value=0,
        max_value=32767,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    is_active = forms.BooleanField(label=_("Offered"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]],
        rule_items: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "region", regions)
        _choices(self, "rule_item", [("", "—"), *rule_items])


class StatsForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    community = forms.ChoiceField(label=_("Community"), required=False, choices=())

    def __init__(self, *args: Any, communities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "community", [("", _("All")), *communities])
        if len(communities) <= 1:
            del self.fields["community"]
