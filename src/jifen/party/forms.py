"""Forms of the 回家报到 pages: they parse input; the services decide, and their refusals
land on the field they name (``web.forms.add_domain_error``)."""

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.party.models import DAYS_MAX, DAYS_MIN, NOTE_MAX, ReportStatus, ServiceStatus
from jifen.people.models import Organization

MAX_CHOICES = 300


def employer_choices(query: str = "") -> list[tuple[str, str]]:
    """Organisations of any region, by name (at most ``MAX_CHOICES``; a search narrows)."""
    rows = Organization.objects.select_related("region")
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(region__name__icontains=query))
    return [
        (str(o.pk), f"{o.name}（{o.region.name}）")
        for o in rows.order_by("name", "pk")[:MAX_CHOICES]
    ]


class EmployerForm(forms.Form):
    employer = forms.TypedChoiceField(label=_("Employer"), coerce=int, choices=())

    def __init__(self, *args: Any, query: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["employer"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so above
        field.choices = [("", "—")] + employer_choices(query)

    def organization(self) -> Organization:
        return Organization.objects.select_related("region").get(pk=self.cleaned_data["employer"])


class CorrectForm(EmployerForm):
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False)


class EndForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=NOTE_MAX, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False)


class DaysForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"), choices=())
    days = forms.IntegerField(
        label=_("Home days: the last days of each month"), min_value=DAYS_MIN, max_value=DAYS_MAX
    )

    def __init__(self, *args: Any, communities: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared so above
        field.choices = communities


class ReportFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name, volunteer number or employer"), max_length=50, required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ReportStatus.choices]
    )


class ServiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ServiceStatus.choices]
    )
