from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "jifen.incidents"
    label = "incidents"
    verbose_name = _("Grid incidents")
