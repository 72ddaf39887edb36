"""The working-day calendar's corrections (``lib.workdays``): what the published schedule
does not know yet, or gets wrong for a place."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A day off that would be a working day, or a working day (调休) that would be off.

    The State Council publishes next year's holidays late in the year before, and the
    calendar package follows later still: an administrator enters them here meanwhile.
    A day here overrides the package."""

    day = models.DateField(_("day"), unique=True)
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")

    def __str__(self) -> str:
        return f"{self.day} {'working' if self.is_working else 'off'}"
