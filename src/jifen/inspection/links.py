"""Where a message is read in full: its page in the staff console of ``jifen.messages``,
which an inspector of its region may open (``authz.VIEW_MESSAGES``)."""

from django.urls import NoReverseMatch, reverse

CONSOLE_DETAIL = "messages:console_detail"


def message_url(pk: int) -> str | None:
    try:
        return reverse(CONSOLE_DETAIL, args=[pk])
    except NoReverseMatch:
        return None
