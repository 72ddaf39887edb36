from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WitnessConfig(AppConfig):
    name = "jifen.witness"
    label = "witness"
    verbose_name = _("Witnesses")
