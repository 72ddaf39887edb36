"""``jifen tick``: every scheduled job, in order, as one list.

A job is a function of the day the tick runs as of; it does its work and answers what
it did: lines to print, and a part of the closing line. Adding a job is adding one
entry to ``JOBS``. Each job is idempotent on its own, so the tick is too: running it
twice, or on two machines at once, does nothing more the second time.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

from jifen.activities.services import finish_overdue, settle_closed
from jifen.claims.notices import remind_reviewers
from jifen.deliberation.services import close_due as close_due_polls
from jifen.incidents.rollup import roll_up as roll_up_incidents
from jifen.incidents.services import escalate_stale, remind_overdue
from jifen.inspection.rollup import roll_up as roll_up_messages
from jifen.messages.services import close_unrated
from jifen.messages.services import escalate_overdue as escalate_messages
from jifen.notices.services import prune as prune_notices
from jifen.party.services import mark_services
from jifen.people.auth import prune_login_failures
from jifen.points.settlement import settle
from jifen.projects.services import settle_reviews
from jifen.publicity.rankings import roll_up_ended
from jifen.publicity.services import draft_due
from jifen.requests.services import confirm_unanswered
from jifen.shop.presence import prune as prune_presence
from jifen.shop.services import expire_overdue


@dataclass(frozen=True)
class Done:
    """What a job did: ``lines`` printed as they come, ``summary`` a part of the closing
    line (``tick as of <day>: <summary>; <summary>...``)."""

    lines: tuple[str, ...] = ()
    summary: str | None = None


@dataclass(frozen=True)
class Options:
    as_of: date
    workers: int | None = None  # communities settled at once; None: the database decides


Job = Callable[[Options], Done]


def _line_if(count: int, text: str) -> tuple[str, ...]:
    return (text,) if count else ()


def settlement(options: Options) -> Done:
    """Settle each month not yet settled up to the month before (so a missed month is
    caught up): team leaders' and long-term volunteers' bonuses."""
    report = settle(options.as_of, workers=options.workers)
    return Done(tuple(report.lines), f"{report.posted} posting(s)")


def activities(options: Options) -> Done:
    checked_out = finish_overdue()
    settled = settle_closed()
    return Done(
        _line_if(
            checked_out or settled,
            f"activities: {checked_out} forgotten check-out(s) closed, {settled} settled",
        )
    )


def rankings(options: Options) -> Done:
    rolled = roll_up_ended(options.as_of)
    return Done(_line_if(rolled, f"rankings: {rolled} community-month(s) rolled up"))


def shop_orders(options: Options) -> Done:
    expired = expire_overdue()
    return Done(
        _line_if(expired, f"shop: {expired} order(s) not picked up in time expired and refunded")
    )


def announcements(options: Options) -> Done:
    drafted = draft_due(options.as_of)
    return Done(_line_if(drafted, f"publicity: {drafted} monthly announcement(s) drafted"))


def review_reminders(options: Options) -> Done:
    reminded = remind_reviewers(options.as_of)
    return Done(summary=f"{reminded} review reminder(s) sent")


def login_failures(options: Options) -> Done:
    pruned = prune_login_failures()
    return Done(summary=f"{pruned} old failed login(s) pruned")


def pay_codes(options: Options) -> Done:
    cleared = prune_presence()
    return Done(_line_if(cleared, f"shop: {cleared} old pay code(s) and failed guess(es) pruned"))


def notices(options: Options) -> Done:
    pruned = prune_notices()
    return Done(_line_if(pruned, f"notices: {pruned} notice(s) older than a year deleted"))


def requests_confirm(options: Options) -> Done:
    """Service requests reported done that the requester left unanswered for the
    community's ``request_confirm_days`` are confirmed, marked automatic."""
    confirmed = confirm_unanswered()
    return Done(
        _line_if(confirmed, f"requests: {confirmed} unanswered request(s) confirmed automatically")
    )


def _moment(as_of: date) -> datetime:
    """The moment a tick as of ``as_of`` judges deadlines at: now for today, else the
    end of that day (what was due by then is late)."""
    if as_of == timezone.localdate():
        return timezone.now()
    return datetime.combine(as_of, time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def incidents_overdue(options: Options) -> Done:
    """督办: grid incidents past their deadline remind their handler and supervisor, once
    per deadline."""
    reminded = remind_overdue(_moment(options.as_of))
    return Done(_line_if(reminded, f"incidents: {reminded} overdue reminder(s) sent (督办)"))


def incidents_escalate(options: Options) -> Done:
    """Grid incidents unresolved at three times their deadline go up a tier by themselves
    (a new deadline there, so the next tick leaves them be)."""
    escalated = escalate_stale(_moment(options.as_of))
    return Done(_line_if(escalated, f"incidents: {escalated} stale incident(s) escalated"))


def incidents_rollup(options: Options) -> Done:
    """The dashboard's roll-up (PostgreSQL): incidents settled since the last tick are
    counted once by community, category and month."""
    touched = roll_up_incidents(options.as_of)
    return Done(_line_if(touched, f"incidents: {touched} dashboard row(s) rolled up"))


def messages_escalate(options: Options) -> Done:
    """事事有回音: a message left unanswered past its deadline goes up to the next region's
    staff, with a new deadline counted in working days."""
    moved = escalate_messages(_moment(options.as_of))
    return Done(_line_if(moved, f"messages: {moved} overdue message(s) sent up a region"))


def messages_close(options: Options) -> Done:
    """An answer its author left unrated for a week closes the message by itself, so the
    inspectors' roll-up can count it."""
    closed = close_unrated(_moment(options.as_of))
    return Done(_line_if(closed, f"messages: {closed} unrated answer(s) closed"))


def inspection_rollup(options: Options) -> Done:
    """The inspectors' roll-up (PostgreSQL): messages closed since the last tick, counted
    once by region, topic and month written."""
    touched = roll_up_messages(options.as_of)
    return Done(_line_if(touched, f"inspection: {touched} summary row(s) rolled up"))


def deliberation_polls(options: Options) -> Done:
    """Polls past their closing time are closed and counted; their result is public. A
    tick as of a later day closes nothing early: polls close by the clock, not the date."""
    closed = close_due_polls(min(_moment(options.as_of), timezone.now()))
    return Done(_line_if(closed, f"deliberation: {closed} poll(s) closed and counted"))


def party_home_days(options: Options) -> Done:
    """在职党员回家报到: reporting members' service in the home days of the last 100 days
    marked (counted, or waiting for staff when it fell in working hours)."""
    marked = mark_services()
    return Done(_line_if(marked, f"party: {marked} home-day service(s) marked"))


def projects_reviews(options: Options) -> Done:
    """微实事: completed projects whose claim the review group has decided move on."""
    settled = settle_reviews()
    return Done(_line_if(settled, f"projects: {settled} completed project(s) reviewed"))


# In the order they run. Settlement first: the months it closes are the ones the
# roll-up and the drafts below read.
JOBS: tuple[tuple[str, Job], ...] = (
    ("settlement", settlement),
    ("activities", activities),
    ("rankings", rankings),
    ("shop_orders", shop_orders),
    ("requests_confirm", requests_confirm),
    ("incidents_escalate", incidents_escalate),
    ("incidents_overdue", incidents_overdue),
    ("incidents_rollup", incidents_rollup),
    ("messages_escalate", messages_escalate),
    ("messages_close", messages_close),
    ("inspection_rollup", inspection_rollup),
    ("deliberation_polls", deliberation_polls),
    ("party_home_days", party_home_days),
    ("projects_reviews", projects_reviews),
    ("announcements", announcements),
    ("review_reminders", review_reminders),
    ("login_failures", login_failures),
    ("pay_codes", pay_codes),
    ("notices", notices),
)


def run(options: Options, jobs: tuple[tuple[str, Job], ...] = JOBS) -> Iterator[str]:
    """Run every job in order, yielding each line as its job finishes, then the closing
    line. A job that raises stops the tick (the jobs after it run on the next tick)."""
    summaries: list[str] = []
    for _name, job in jobs:
        done = job(options)
        yield from done.lines
        if done.summary:
            summaries.append(done.summary)
    yield f"tick as of {options.as_of}: " + "; ".join(summaries)
