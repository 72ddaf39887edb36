from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from jifen.api.errors import STATUS_CODES, json_error


class ApiErrorShapeMiddleware:
    """Any error answer under /api/ that is not already JSON (a 405 from the router, say)
    gets the contract's shape; clients never have to parse an HTML or text error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            message = {
                405: _("This method is not allowed here."),
                413: _("What was sent is too large. Send less at a time, or a smaller file."),
            }.get(status, _("The request could not be handled."))
            shaped = json_error(status, STATUS_CODES.get(status, "error"), message)
            if "Allow" in response:
                shaped["Allow"] = response["Allow"]
            return shaped
        return response
