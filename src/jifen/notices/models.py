"""站内消息: what the site told a person, kept for them to read in the app for a year.

A notice is written in the same transaction as the change it tells of (a review
decision, a cancelled order, an answered objection), so there is never a notice of
something that did not happen, nor a change whose notice was lost.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
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
    # How to say the subject and body in any language (notices.texts: message ids and their
    # parameters), rendered in the reader's language; title and body above keep them in the
    # deployment's language, as the backends sent them. None for notices kept before (they
    # read as stored) and for callers that sent plain text.
    texts = models.JSONField(_("texts"), null=True, blank=True, editable=False)
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

    def _shown(self) -> tuple[str, str]:
        from jifen.notices.texts import split, texts_of

        language = translation.get_language()
        cached = getattr(self, "_shown_cache", None)
        if cached is None or cached[0] != language:
            rendered = texts_of(self.texts)
            if rendered is None:
                shown = (self.title, self.body)
            else:
                title, body = split(*rendered)
                shown = (clip(title, TITLE_LENGTH), clip(body, BODY_LENGTH))
            cached = (language, shown)
            self._shown_cache = cached
        return cached[1]

    @property
    def shown_title(self) -> str:
        """The title in the reader's active language (the stored one for old notices)."""
        return self._shown()[0]

    @property
    def shown_body(self) -> str:
        """The body in the reader's active language (the stored one for old notices)."""
        return self._shown()[1]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
