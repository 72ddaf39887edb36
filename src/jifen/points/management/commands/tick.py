from datetime import date
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from jifen.activities.services import finish_overdue, settle_closed
from jifen.claims.notices import remind_reviewers
from jifen.lib.bounds import MAX_DATE, MIN_DATE, date_in_range
from jifen.lib.commands import JifenCommand
from jifen.people.auth import prune_login_failures
from jifen.points.settlement import settle
from jifen.publicity.rankings import roll_up_ended
from jifen.publicity.services import draft_due
from jifen.shop.presence import prune as prune_presence
from jifen.shop.services import expire_overdue


class Command(JifenCommand):
    help = (
        "Run every scheduled job due as of a day: settles each month not yet settled up to "
        "the month before and drafts the monthly announcement of the month just ended. "
        "Safe to run twice, or on two machines at once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", help="YYYY-MM-DD, default today (JIFEN_TIME_ZONE)")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="communities settled at once (default: up to 4 on PostgreSQL, 1 on SQLite)",
        )

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        try:
            as_of = (
                date.fromisoformat(options["as_of"])
                if options.get("as_of")
                else timezone.localdate()
            )
        except ValueError:
            raise CommandError("--as-of must be a date like 2026-11-01") from None
        if not date_in_range(as_of):
            raise CommandError(f"--as-of must be a date from {MIN_DATE} to {MAX_DATE}")
        if options["workers"] is not None and options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        report = settle(as_of, workers=options["workers"])
        for line in report.lines:
            self.stdout.write(line)
        checked_out = finish_overdue()
        settled = settle_closed()
        if checked_out or settled:
            self.stdout.write(
                f"activities: {checked_out} forgotten check-out(s) closed, {settled} settled"
            )
        rolled = roll_up_ended(as_of)
        if rolled:
            self.stdout.write(f"rankings: {rolled} community-month(s) rolled up")
        expired = expire_overdue()
        if expired:
            self.stdout.write(
                f"shop: {expired} order(s) not picked up in time expired and refunded"
            )
        drafted = draft_due(as_of)
        if drafted:
            self.stdout.write(f"publicity: {drafted} monthly announcement(s) drafted")
        pruned = prune_login_failures()
        cleared = prune_presence()
        if cleared:
            self.stdout.write(f"shop: {cleared} old pay code(s) and failed guess(es) pruned")
        reminded = remind_reviewers(as_of)
        self.stdout.write(
            f"tick as of {as_of}: {report.posted} posting(s); {reminded} review reminder(s) "
            f"sent; {pruned} old failed login(s) pruned"
        )
