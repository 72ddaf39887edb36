from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "jifen.web"
    verbose_name = _("Web pages")

    def ready(self) -> None:
        # Before any view imports a form: Jifen's words for a field that is too long.
        from jifen.lib import formwords

        formwords.install()
