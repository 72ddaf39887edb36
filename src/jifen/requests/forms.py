"""Forms of the request pages: they parse input; the services decide, and their errors
land on the field they name (``web.forms.add_domain_error``).

Their fields refuse in Jifen's own words, not Django's stock ones (``lib.formwords``).
"""

from itertools import groupby
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.claims.forms import PHOTO_TYPES, MultiplePhotoInput
from jifen.lib.widgets import DateTimeInput
from jifen.requests.models import MenuItem
from jifen.requests.services import DESCRIPTION_MAX, MAX_PHOTOS, TITLE_MAX


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
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("At most %(n)s photos per request."), params={"n": MAX_PHOTOS}
            )
        return [super(PhotosField, self).clean(f, initial) for f in files]


def menu_choices(menu: list[MenuItem]) -> list[tuple[str, Any]]:
    """The menu grouped as the community groups it (生活帮扶, 助老助残 …), for a select
    with one heading per group: short enough for a 360 px phone."""
    choices: list[tuple[str, Any]] = [("", _("— choose a service —"))]
    for group, items in groupby(menu, key=lambda item: item.group):
        choices.append((group, [(item.code, item.name) for item in items]))
    return choices


class RequestForm(forms.Form):
    """我要点单 / 许个微心愿: a service, one sentence; the rest is optional."""

    category = forms.ChoiceField(label=_("What do you need?"), choices=())
    title = forms.CharField(
        label=_("In one sentence"),
        max_length=TITLE_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("More details (optional)"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    address = forms.CharField(
        label=_("Address (optional)"),
        max_length=200,
        required=False,
        help_text=_("Only community staff and the volunteer who helps you see it."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    wanted_from = forms.DateTimeField(
        label=_("Wanted from (optional)"), required=False, widget=DateTimeInput()
    )
    wanted_until = forms.DateTimeField(
        label=_("Wanted until (optional)"), required=False, widget=DateTimeInput()
    )
    photos = PhotosField(
        label=_("Photos (up to 4, JPEG or PNG)"),
        help_text=_("Take a photo or choose from the album. Location data is removed."),
    )

    def __init__(
        self,
        *args: Any,
        menu: list[MenuItem],
        wish: bool = False,
        askers: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = menu_choices(menu)
        if askers and len(askers) > 1:
            # A family proxy chooses whom it is for in the same form: switching keeps
            # what was typed (the view reads the choice before the rest).
            field = forms.ChoiceField(
                label=_("Make the wish for") if wish else _("Ask for"), choices=askers
            )
            self.fields["for"] = field
            self.order_fields(["for"])
        # One line to choose from (a wish's 微心愿): chosen already, not asked.
        self.single = menu[0] if len(menu) == 1 else None
        if self.single is not None:
            self.initial["category"] = self.single.code
            self.fields["category"].widget = forms.HiddenInput()
        if wish:
            self.fields["category"].label = _("What kind of wish?")
            self.fields["title"].label = _("My wish, in one sentence")
            self.fields["title"].widget.attrs["placeholder"] = _("e.g. a pair of reading glasses")
        else:
            self.fields["title"].widget.attrs["placeholder"] = _("e.g. my rice cooker is broken")


STARS = [(n, "★" * n) for n in range(5, 0, -1)]


class ConfirmForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was the help?"),
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose 1 to 5 stars.")},
    )
    comment = forms.CharField(
        label=_("A word of thanks or a remark (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DisputeForm(forms.Form):
    note = forms.CharField(
        label=_("What is not done yet?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why cancel?"),
        max_length=200,
        initial=_("I no longer need it."),
    )


class DoneForm(forms.Form):
    note = forms.CharField(
        label=_("What you did (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HandBackForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can you not do it?"),
        max_length=200,
        help_text=_("The request is open again for other volunteers."),
    )


class AssignForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Who goes"), choices=(), coerce=int)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["person"]).choices = [("", _("— choose —")), *members]
