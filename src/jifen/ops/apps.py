from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """The house's top floor: the scheduled jobs, the verification and the benchmarks
    reach into every domain, so they live above all of them and no domain imports them."""

    name = "jifen.ops"
    verbose_name = _("Operations")
