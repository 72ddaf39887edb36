"""Forms of the message pages: they parse input; the services decide, and their errors
land on the field they name (``web.forms.add_domain_error``)."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.incidents.forms import PhotosField
from jifen.messages.models import BODY_MAX, NOTE_MAX, REPLY_MAX, Status

STARS = [(n, "★" * n) for n in range(5, 0, -1)]


class WriteForm(forms.Form):
    """写留言: where to, what about, the words, public or not, photos."""

    region = forms.ChoiceField(label=pgettext_lazy("message", "To"))
    topic = forms.ChoiceField(label=pgettext_lazy("message", "Topic"))
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Up to 2,000 characters."),
    )
    public = forms.TypedChoiceField(
        label=_("Who may read it"),
        choices=[
            ("1", _("Public: shown on the message board, your name masked")),
            ("0", _("Private: only you and the staff")),
        ],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    photos = PhotosField()

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]],
        topics: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = regions
        cast(forms.ChoiceField, self.fields["topic"]).choices = [("", _("Choose a topic")), *topics]
        self.fields["body"].widget.attrs["placeholder"] = _(
            "What happened, where, since when; what you ask for."
        )


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was your message answered?"),
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose 1 to 5 stars.")},
    )
    resolved = forms.TypedChoiceField(
        label=_("Is it resolved?"),
        choices=[("1", _("Resolved")), ("0", _("Not resolved"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("A remark (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=pgettext_lazy("message", "Answer"),
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Why is it closed? (the author reads this)"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IncidentForm(forms.Form):
    category = forms.ChoiceField(label=_("Incident category"))
    address = forms.CharField(label=_("Address (optional)"), max_length=200, required=False)

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", "—"), *categories]


class RequestForm(forms.Form):
    category = forms.ChoiceField(label=_("Service of the menu"))
    title = forms.CharField(label=_("Title of the request"), max_length=100)

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", "—"), *categories]


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=pgettext_lazy("message", "Status"),
        required=False,
        choices=[
            ("", pgettext_lazy("message", "All")),
            ("waiting", _("Waiting for an answer")),
            *Status.choices,
        ],
    )
    topic = forms.ChoiceField(label=pgettext_lazy("message", "Topic"), required=False)
    region = forms.ChoiceField(label=pgettext_lazy("message", "To"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(
        self,
        *args: Any,
        topics: list[tuple[str, str]],
        regions: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        everything = ("", pgettext_lazy("message", "All"))
        cast(forms.ChoiceField, self.fields["topic"]).choices = [everything, *topics]
        if len(regions) > 1:
            cast(forms.ChoiceField, self.fields["region"]).choices = [everything, *regions]
        else:  # one place only: nothing to choose
            del self.fields["region"]
