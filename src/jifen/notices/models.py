"""站内消息: what the site told a person, kept for them to read in the app for a year.

A notice is written in the same transaction as the change it tells of (a review
decision, a cancelled order, an answered objection), so there is never a notice of
something that did not happen, nor a change whose notice was lost.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TITLE_LENGTH = 200
BODY_LENGTH = 2000
URL_LENGTH = 300
KIND_LENGTH = 32


class Notice(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    # The person's community when it was sent: the shard key every community table
    # carries (docs/architecture); none for people without one (a county's admin).
    region = models.ForeignKey(
        "regions.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=KIND_LENGTH, blank=True)
    title = models.CharField(_("notice title"), max_length=TITLE_LENGTH)
    body = models.TextField(_("notice text"), max_length=BODY_LENGTH, blank=True)
    url = models.CharField(_("link"), max_length=URL_LENGTH, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [
            # My notices, newest first (the list page and the API).
            models.Index(fields=["person", "-created_at", "-id"], name="notices_person_newest"),
            # My unread ones: the bell's count on every page and ?unread=true. Partial, so
            # it stays as small as what is waiting to be read.
            models.Index(
                fields=["person", "-created_at", "-id"],
                condition=Q(read_at__isnull=True),
                name="notices_person_unread",
            ),
            # What is older than a year (prune).
            models.Index(fields=["created_at"], name="notices_created"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
