"""站内消息's pages: 我的消息, opening one (marks it read and goes where it points), and
marking all read."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.pagination import paginate
from jifen.notices import selectors, services
from jifen.web.views.errors import person_of, resident_view


@resident_view
def my_notices(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    unread = request.GET.get("show") == "unread"
    page = paginate(request, selectors.notices_of(person, unread=unread), per_page=20)
    return render(
        request,
        "notices/my_notices.html",
        {
            "page": page,
            "unread": unread,
            "query": "show=unread" if unread else "",
            "unread_total": selectors.unread_count(person),
        },
    )


@resident_view
def open_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Opening a notice reads it: it is marked read and the person is taken to what it is
    about (a path of this site, checked when it was kept); one without a link goes back
    to the list."""
    notice = services.mark_read(person=person_of(request), notice=notice_id)
    if notice.url:
        return redirect(notice.url)
    return redirect("notices:mine")


@require_POST
@resident_view
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(person=person_of(request))
    if count:
        messages.success(request, _("All notices are marked read."))
    return redirect("notices:mine")
