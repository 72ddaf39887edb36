"""What people are told about their own account: a password someone else set."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jifen.lib import notify
from jifen.notices import services as notices
from jifen.people.models import Person


def password_reset(*, person: Person, actor: Person) -> None:
    """After the transaction commits, tell the person who set their password and when —
    never the password or the phone: a notice may go to a screen or a shared inbox."""
    at = timezone.localtime()

    def message() -> notify.Message:
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Your password was reset")
            body = _(
                "%(actor)s set a new password for your account on %(date)s at %(time)s. "
                "You will be asked to choose your own when you next log in. If you did not "
                "ask for this, tell your community office at once."
            ) % {"actor": actor.name, "date": at.date().isoformat(), "time": f"{at:%H:%M}"}
        return notify.Message(
            person, subject, body, kind="password_reset", url=reverse("web:password")
        )

    notices.send([message()])
