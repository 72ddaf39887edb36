from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "jifen.projects"
    label = "projects"
    verbose_name = _("Three lists and micro-projects")

    def ready(self) -> None:
        # A lead unit's claim tells the claim pages which project it came from.
        from jifen.claims import origins
        from jifen.projects.selectors import claim_origin
        from jifen.projects.services import CLAIM_SOURCE

        origins.register(CLAIM_SOURCE, claim_origin)
