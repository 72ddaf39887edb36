from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "jifen.points"
    verbose_name = _("Points ledger")
