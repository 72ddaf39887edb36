from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PropertyReviewConfig(AppConfig):
    name = "jifen.property_review"
    label = "property_review"
    verbose_name = _("Property peer review")
