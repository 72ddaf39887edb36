"""Attachments of a disclosure: a PDF, or a picture (JPEG or PNG), checked by what their
bytes are (``jifen.lib.uploads``) and served with their own type, ``nosniff`` and a
sandboxing Content-Security-Policy (views.public.attachment)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from jifen.lib.uploads import MAX_BYTES, Clean, Words
from jifen.lib.uploads import clean_upload as _clean

__all__ = ["MAX_BYTES", "MAX_FILES", "Clean", "clean_upload"]

MAX_FILES = 10  # per item

WORDS = Words(
    field="attachments",
    invalid_code="invalid_attachment",
    too_large_code="attachment_too_large",
    not_a_file=_("An attachment is a PDF or a picture in JPEG or PNG format."),
    too_large=_("An attachment is at most %(mb)s MB."),
    active_pdf=_(
        "This PDF holds scripts, links that open programs or files inside it. "
        "Print it to a new PDF (or scan it) and attach that."
    ),
    stem="attachment",
)


def clean_upload(upload: Any) -> Clean:
    """The upload made safe to store and serve; ``invalid_attachment`` otherwise."""
    return _clean(upload, WORDS)
