from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "jifen.notices"
    verbose_name = _("In-app notices")
