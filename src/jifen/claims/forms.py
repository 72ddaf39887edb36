"""Forms of the claim pages: they parse input; the services decide and their errors land
on the field they name (``web.forms.add_domain_error``)."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.claims.models import Provenance, Status
from jifen.claims.services import MAX_PHOTOS
from jifen.lib.widgets import DateInput
from jifen.points.models import Unit
from jifen.points.selectors import CatalogueEntry

# What a phone may send: the picker offers only these, the service re-checks the bytes.
PHOTO_TYPES = "image/jpeg,image/png"


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to ``MAX_PHOTOS`` files from one or more inputs named alike (camera, album)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(
                attrs={
                    "accept": PHOTO_TYPES,
                    "class": "visually-hidden",
                    "data-photo-input": "",
                }
            ),
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("At most %(n)s photos per claim."), params={"n": MAX_PHOTOS}
            )
        return [super(PhotosField, self).clean(f, initial) for f in files]


def item_label(entry: CatalogueEntry) -> str:
    """Short enough for a select on a 360 px phone: 义诊服务 · 20分/小时."""
    version = entry.current
    if version.unit == Unit.HOUR:
        text = _("%(name)s · %(points)s points/hour")
    else:
        text = _("%(name)s · %(points)s points/time")
    return text % {"name": version.name, "points": version.points}


class DeclareForm(forms.Form):
    rule_item = forms.ChoiceField(label=_("Service item"), choices=())
    quantity = forms.DecimalField(
        label=_("How much"),
        max_digits=5,
        decimal_places=1,
        help_text=_("Hours (in half hours: 1, 1.5, 2 …) or times, as the item counts."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5", "min": "0.5"}),
    )
    occurred_on = forms.DateField(label=_("Service date"), widget=DateInput())
    description = forms.CharField(
        label=_("What you did"),
        max_length=500,
        required=False,
        help_text=_("Where, for whom, with whom: it helps the reviewers."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(
        label=_("Photos (up to 3, JPEG or PNG)"),
        help_text=_("Take a photo or choose from the album. Location data is removed."),
    )

    def __init__(self, *args: Any, catalogue: list[CatalogueEntry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule_item"].choices = [("", _("— choose —"))] + [
            (str(entry.item.pk), item_label(entry)) for entry in catalogue
        ]
        today = timezone.localdate()
        self.fields["occurred_on"].widget.attrs["max"] = today.isoformat()
        if not self.is_bound:
            self.initial.setdefault("occurred_on", today)


STATUS_FILTER = [
    (Status.PENDING.value, Status.PENDING.label),
    (Status.APPROVED.value, Status.APPROVED.label),
    (Status.REJECTED.value, Status.REJECTED.label),
    (Status.REVOKED.value, Status.REVOKED.label),
    ("all", _("all")),
]


# What waits for the reviewer (selectors.waiting_for): the to-do's links name these.
STAGE_FILTER = [
    ("", _("any")),
    ("first", _("first review")),
    ("cross", _("second review (cross-check)")),
    ("appeals", _("appeals")),
]


class QueueFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Waiting for me"), choices=STAGE_FILTER, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTER, required=False)
    community = forms.ChoiceField(label=_("Community"), choices=(), required=False)
    item = forms.TypedChoiceField(
        label=_("Service item"), choices=(), required=False, coerce=int, empty_value=None
    )
    provenance = forms.ChoiceField(
        label=_("Provenance"),
        choices=[("", _("any"))] + list(Provenance.choices),
        required=False,
    )
    age = forms.IntegerField(
        label=_("Waiting at least (days)"),
        min_value=0,
        max_value=3650,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(
        self,
        *args: Any,
        communities: list[tuple[str, str]],
        items: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [("", _("all"))] + communities
        self.fields["item"].choices = [("", _("all"))] + items


class ReasonForm(forms.Form):
    """A rejection or revocation: the reason is shown to the volunteer."""

    reason = forms.CharField(
        label=_("Reason (the volunteer sees it)"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("What do you contest, and why?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AppealDecisionForm(forms.Form):
    """Uphold or dismiss: which one is the button pressed (``decision``)."""

    note = forms.CharField(
        label=_("Explanation to the volunteer"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    quantity = forms.DecimalField(
        label=_("Quantity found right (optional)"),
        max_digits=5,
        decimal_places=1,
        required=False,
        help_text=_("Upholding an appeal on the points needs the corrected, larger quantity."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5"}),
    )
