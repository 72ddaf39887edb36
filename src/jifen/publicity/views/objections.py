"""A resident objects to a published month (异议) and reads the answers."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jifen.lib.errors import DomainError
from jifen.lib.pagination import paginate
from jifen.people.models import Person
from jifen.publicity import selectors, services
from jifen.publicity.models import Objection, ObjectionStatus
from jifen.web.views.errors import resident_view


class ObjectionForm(forms.Form):
    transfer = forms.TypedChoiceField(
        label=gettext_lazy("Which entry"), coerce=int, required=False, empty_value=None
    )
    text = forms.CharField(
        label=gettext_lazy("What is wrong"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: object, entries: list[selectors.Line], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["transfer"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - declared above
        field.choices = [("", _("The month as a whole"))] + [
            (e.transfer_id, f"{e.day:%m-%d} · {e.what} · {e.points:+d}") for e in entries
        ]


@resident_view
def object_to(request: HttpRequest, announcement_id: int) -> HttpResponse:
    """The resident's own entries of the month, the objection form, their objections."""
    person: Person = request.user  # type: ignore[assignment]
    announcement = selectors.get_published(announcement_id)
    mine = [
        selectors.line(t)
        for t in selectors.lines(announcement.community, announcement.month).filter(
            Q(debit__person=person) | Q(credit__person=person)
        )
    ]
    form = ObjectionForm(request.POST or None, entries=mine)
    if request.method == "POST" and form.is_valid():
        try:
            services.object_to(
                actor=person,
                announcement=announcement,
                text=form.cleaned_data["text"],
                transfer_id=form.cleaned_data["transfer"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.render())
        else:
            messages.success(
                request, _("Your objection is filed. The community's staff will answer it here.")
            )
            return redirect("publicity:object", announcement_id=announcement.pk)
    assert announcement.objections_until is not None  # noqa: S101 - set when published
    return render(
        request,
        "publicity/objections/object.html",
        {
            "announcement": announcement,
            "community": announcement.community,
            "form": form,
            "entries": mine,
            "open": timezone.now() <= announcement.objections_until,
            "objections": Objection.objects.filter(
                announcement=announcement, person=person
            ).order_by("-created_at"),
        },
        status=400 if request.method == "POST" else 200,
    )


@resident_view
def mine(request: HttpRequest) -> HttpResponse:
    """Every objection of mine, to any month, with its answer; ``?status=answered`` (the
    to-do's "objections answered") only the answered ones, the latest answer first."""
    person: Person = request.user  # type: ignore[assignment]
    answered = request.GET.get("status") == ObjectionStatus.ANSWERED
    objections = Objection.objects.filter(person=person).select_related(
        "announcement", "announcement__community"
    )
    if answered:
        objections = objections.filter(status=ObjectionStatus.ANSWERED).order_by(
            "-answered_at", "-pk"
        )
    else:
        objections = objections.order_by("-created_at", "-pk")
    return render(
        request,
        "publicity/objections/mine.html",
        {
            "page": paginate(request, objections, per_page=20),
            "answered": answered,
            "query": "status=answered" if answered else "",
        },
    )
