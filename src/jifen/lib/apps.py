from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibConfig(AppConfig):
    """The shared library. Its one table is the working-day calendar's corrections."""

    name = "jifen.lib"
    label = "lib"
    verbose_name = _("Shared library")
