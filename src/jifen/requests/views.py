"""Pages of service requests (built out with the workflow's pages)."""

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponseNotFound()
