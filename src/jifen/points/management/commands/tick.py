from datetime import date
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from jifen.lib.commands import JifenCommand
from jifen.people.auth import prune_login_failures
from jifen.points.settlement import settle


class Command(JifenCommand):
    help = (
        "Run every scheduled job due as of a day: settles each month not yet settled up to "
        "the month before. Safe to run twice, or on two machines at once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", help="YYYY-MM-DD, default today (JIFEN_TIME_ZONE)")

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        try:
            as_of = (
                date.fromisoformat(options["as_of"])
                if options.get("as_of")
                else timezone.localdate()
            )
        except ValueError:
            raise CommandError("--as-of must be a date like 2026-11-01") from None
        report = settle(as_of)
        for line in report.lines:
            self.stdout.write(line)
        pruned = prune_login_failures()
        self.stdout.write(
            f"tick as of {as_of}: {report.posted} posting(s); {pruned} old failed login(s) pruned"
        )
