"""What people are told about their own account: a password someone else set."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.lib import notify
from jifen.notices import services as notices
from jifen.notices.texts import say
from jifen.people.models import Person


def password_reset(*, person: Person, actor: Person) -> None:
    """After the transaction commits, tell the person who set their password and when —
    never the password or the phone: a notice may go to a screen or a shared inbox."""
    at = timezone.localtime()

    def message() -> notify.Message:
        # Said with message ids (notices.texts): each reader reads it in their language.
        subject = say(_("Your password was reset"))
        body = say(
            _(
                "%(actor)s set a new password for your account on %(date)s at %(time)s. "
                "You will be asked to choose your own when you next log in. If you did not "
                "ask for this, tell your community office at once."
            ),
            actor=actor.name,
            date=at.date().isoformat(),
            time=f"{at:%H:%M}",
        )
        return notify.Message(
            person, subject, body, kind="password_reset", url=reverse("web:password")
        )

    notices.send([message()])
