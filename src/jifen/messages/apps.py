from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagesConfig(AppConfig):
    name = "jifen.messages"
    label = "resident_messages"
    verbose_name = _("Residents' messages")
