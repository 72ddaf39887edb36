"""The public message board of a region, no login, phone first: public messages and
their answers, authors masked (王*英), no phone, no photo, no staff names."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jifen.lib.masking import mask_name
from jifen.lib.pagination import paginate
from jifen.messages import selectors
from jifen.regions.models import Region


@require_GET
def board(request: HttpRequest, code: str) -> HttpResponse:
    region = Region.objects.filter(code=code[:32]).first()
    if region is None:
        raise Http404
    page = paginate(request, selectors.public_board(region), per_page=20)
    for message in page.object_list:
        message.masked_author = mask_name(message.author.name)
        message.public_body = selectors.public_text(message.body)
        message.public_replies = [
            {"region": r.region, "body": selectors.public_text(r.body), "created_at": r.created_at}
            for r in message.replies.all()
        ]
    return render(
        request,
        "messages/board.html",
        {"region": region, "page": page, "children": region.children.order_by("code")[:100]},
    )
