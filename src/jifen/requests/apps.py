from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    name = "jifen.requests"
    label = "requests"
    verbose_name = _("Service requests and wishes")

    def ready(self) -> None:
        # A helper's claim tells the claim pages which request it came from.
        from jifen.claims import origins
        from jifen.claims.models import Source
        from jifen.requests.selectors import claim_origin

        origins.register(Source.REQUEST, claim_origin)
