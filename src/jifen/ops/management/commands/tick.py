from datetime import date
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from jifen.lib.bounds import MAX_DATE, MIN_DATE, date_in_range
from jifen.lib.commands import JifenCommand
from jifen.ops.tick import Options, run


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
        for line in run(Options(as_of=as_of, workers=options["workers"])):
            self.stdout.write(line)
