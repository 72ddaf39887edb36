from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """The house's top floor: the scheduled jobs, the verification and the benchmarks
    reach into every domain, so they live above all of them and no domain imports them."""

    name = "jifen.ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        # The checkpoints show a month with transfers and no seal as a gap; which months
        # have transfers is the ledger's to say, read from up here (witness knows no domain).
        from jifen.ops.against import transfer_months
        from jifen.witness.selectors import register_activity

        register_activity(transfer_months)
