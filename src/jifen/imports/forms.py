"""Page forms of imports: they parse input; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.imports import services
from jifen.people import authz
from jifen.people.models import Person
from jifen.points.models import ImportApproval
from jifen.regions.models import Level, Region


def import_communities(actor: Person) -> list[tuple[str, str]]:
    regions = Region.objects.filter(authz.regions_q(actor, services.IMPORT), level=Level.COMMUNITY)
    return [(r.code, f"{r.name}（{r.code}）") for r in regions.order_by("path")]


class UploadForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"), choices=())
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = import_communities(actor)
        field = self.fields["community"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = choices
        if len(choices) == 1:
            field.initial = choices[0][0]


class ApprovalModeForm(forms.Form):
    """The community's choice (CommunityPolicy.import_approval), set with the rules service."""

    community = forms.ChoiceField(label=_("Community"), choices=())
    import_approval = forms.ChoiceField(
        label=_("Imported history is approved by"),
        choices=ImportApproval.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = import_communities(actor)
        if len(field.choices) == 1:
            field.initial = field.choices[0][0]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the importer sees it)"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
