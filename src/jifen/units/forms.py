"""Forms of the units' pages: they parse input; the services decide, and their refusals
land on the field they name (``web.forms.add_domain_error``)."""

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from jifen.lib.bounds import MAX_ID, MAX_POINTS
from jifen.people.models import OrganizationKind
from jifen.units.models import MEMO_MAX, NOTE_MAX, USE_DESCRIPTION_MAX, USE_NAME_MAX


def _set_choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so below
    field.choices = choices


def _reason(label: Any, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": str(NOTE_MAX)}),
    )


class FilterForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"), required=False, choices=())
    kind = forms.ChoiceField(label=_("Kind of unit"), required=False, choices=())
    alliance = forms.ChoiceField(
        label=_("Alliance"),
        required=False,
        choices=(("", _("All")), ("in", _("In the alliance")), ("out", _("Not in it"))),
    )
    q = forms.CharField(label=_("Name"), required=False, max_length=100)

    def __init__(self, *args: Any, communities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "community", [("", _("All")), *communities])
        _set_choices(self, "kind", [("", _("All")), *OrganizationKind.choices])


class UnitForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"), choices=())
    name = forms.CharField(label=_("Name of the unit"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind of unit"), choices=OrganizationKind.choices)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), required=False, max_length=18
    )
    contact = forms.CharField(
        label=_("Contact person's volunteer number"),
        required=False,
        max_length=40,
        help_text=_("The contact declares the unit's service and acts for it."),
    )

    def __init__(self, *args: Any, communities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "community", communities)


class EditForm(forms.Form):
    name = forms.CharField(label=_("Name of the unit"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind of unit"), choices=OrganizationKind.choices)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), required=False, max_length=18
    )


class ContactForm(forms.Form):
    contact = forms.CharField(label=_("Contact person's volunteer number"), max_length=40)


class PersonIdForm(forms.Form):
    person = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class ReasonForm(forms.Form):
    reason = _reason(_("Reason"))


class JoinForm(forms.Form):
    note = _reason(_("A word to the community (optional)"), required=False)


class UseForm(forms.Form):
    name = forms.CharField(label=_("Use"), max_length=USE_NAME_MAX)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=USE_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": str(USE_DESCRIPTION_MAX)}),
    )
    active = forms.BooleanField(label=_("Allowed now"), required=False, initial=True)


class SpendForm(forms.Form):
    use = forms.ChoiceField(label=_("Use"), choices=())
    amount = forms.IntegerField(
        label=_("Points"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_POINTS)],
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
    )
    memo = forms.CharField(label=_("Memo"), required=False, max_length=MEMO_MAX)

    def __init__(self, *args: Any, uses: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "use", uses)


class RankingForm(forms.Form):
    region = forms.ChoiceField(label=_("Community or town"), choices=())
    quarter = forms.CharField(label=_("Quarter"), required=False, max_length=6)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "region", regions)
