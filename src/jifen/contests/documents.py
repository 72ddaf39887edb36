"""An entry's documents: its plan as a PDF, or pictures (JPEG or PNG), checked by what
their bytes are (``jifen.lib.uploads``, as a disclosure's attachments are) and served with
their own type, ``nosniff`` and a sandboxing Content-Security-Policy, to the judges, the
staff and the team only."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from jifen.lib.uploads import MAX_BYTES, Clean, Words
from jifen.lib.uploads import clean_upload as _clean

__all__ = ["MAX_BYTES", "Clean", "clean_upload"]

WORDS = Words(
    field="documents",
    invalid_code="invalid_document",
    too_large_code="document_too_large",
    not_a_file=_("A document is a PDF or a picture in JPEG or PNG format."),
    too_large=_("A document is at most %(mb)s MB."),
    active_pdf=_(
        "This PDF is damaged, or holds scripts or files inside it. "
        "Print it to a new PDF (or scan it) and upload that."
    ),
    stem="document",
)


def clean_upload(upload: Any) -> Clean:
    """The upload made safe to store and serve; ``invalid_document`` otherwise."""
    return _clean(upload, WORDS)
