"""Forms of the incident pages: they parse input; the services decide, and their errors
land on the field they name (``web.forms.add_domain_error``)."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.claims.forms import PHOTO_TYPES, MultiplePhotoInput
from jifen.incidents.models import Category
from jifen.incidents.services import MAX_PHOTOS
from jifen.regions.models import Region

DESCRIPTION_MAX = 1000
NOTE_MAX = 500


class PhotosField(forms.FileField):
    """Up to ``MAX_PHOTOS`` files from one or more inputs named alike (camera, album);
    the service re-encodes each (no location data survives)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(
                attrs={"accept": PHOTO_TYPES, "class": "visually-hidden", "data-photo-input": ""}
            ),
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos (up to 4, JPEG or PNG)"))
        kwargs.setdefault(
            "help_text", _("Take a photo or choose from the album. Location data is removed.")
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("At most %(n)s photos at a time."), params={"n": MAX_PHOTOS}
            )
        return [super(PhotosField, self).clean(f, initial) for f in files]


def place_label(region: Region, community: Region | None = None) -> str:
    """A place as a grid worker reads it: 文昌社区 · 东片网格."""
    if community is not None and region.pk != community.pk:
        return f"{community.name} · {region.name}"
    return region.name


class ReportForm(forms.Form):
    """上报 (grid workers) and 我要反映 (residents): a category, one sentence, a place;
    photos, an address and a map point are optional."""

    category = forms.ChoiceField(label=_("What is it?"), choices=())
    description = forms.CharField(
        label=_("Say what you see, in a sentence or two"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    place = forms.ChoiceField(label=_("Where?"), choices=())
    address = forms.CharField(
        label=_("Address or landmark (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    lat = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    lng = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    photos = PhotosField()

    def __init__(
        self,
        *args: Any,
        categories: list[Category],
        places: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("— choose —"))]
        choices += [(c.code, c.name) for c in categories]
        cast(forms.ChoiceField, self.fields["category"]).choices = choices
        place = cast(forms.ChoiceField, self.fields["place"])
        place.choices = places if len(places) == 1 else [("", _("— choose —")), *places]
        self.fields["description"].widget.attrs["placeholder"] = _(
            "e.g. the bins at the gate are overflowing"
        )


class AssignForm(forms.Form):
    """派遣: to an organisation of the community (物业), or to a person named by their
    volunteer number or name."""

    organization = forms.TypedChoiceField(
        label=_("To an organisation"), choices=(), coerce=int, required=False, empty_value=None
    )
    person = forms.CharField(
        label=_("Or to a person: volunteer number or name"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, organizations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["organization"]).choices = [
            ("", _("— choose —")),
            *organizations,
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and bool(data.get("organization")) == bool(data.get("person")):
            raise forms.ValidationError(_("Choose an organisation or name one person, not both."))
        return data


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was done?"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(
        label=_("Photos of the fix (up to 4)"),
        help_text=_("A photo after the fix helps the reporter check it."),
    )


FIXED = [
    ("yes", pgettext_lazy("incident verify", "Yes, it is fixed")),
    ("no", pgettext_lazy("incident verify", "No, not fixed yet")),
]


class VerifyForm(forms.Form):
    fixed = forms.ChoiceField(
        label=_("Is it fixed?"),
        choices=FIXED,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether it is fixed.")},
    )
    note = forms.CharField(
        label=_("A remark (needed when it is not fixed)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("fixed") == "no" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say what is not fixed yet."))
        return data


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("Why can the grid (or the community) not handle it?"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


STARS = [(n, "★" * n) for n in range(5, 0, -1)]


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was it handled?"),
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose 1 to 5 stars.")},
    )
    note = forms.CharField(
        label=_("A remark (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(forms.Form):
    note = forms.CharField(
        label=_("What is wrong again?"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
