from typing import Any, TextIO, cast

from django.core.management.base import CommandError

from jifen.bench import runner
from jifen.lib.commands import JifenCommand


class Command(JifenCommand):
    help = (
        "Run the benchmarks on scratch databases (PostgreSQL at JIFEN_BENCH_PG_URL, SQLite in "
        "a temporary directory), print a table, and with --json write the figures."
    )
    # The benchmarks never open this instance's database; nothing to check in it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--quick",
            action="store_true",
            help="smaller sizes and shorter runs (about two minutes); figures say so",
        )
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="NAME",
            help="run only the benchmarks for NAME (a figure's name or its prefix; repeatable, "
            "or comma-separated)",
        )
        parser.add_argument("--json", metavar="FILE", help='write [{"name", "value", ...}]')

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        try:
            runner.select(runner._benchmarks(), options["only"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        runner.run(
            quick=options["quick"],
            only=options["only"],
            json_path=options["json"],
            out=cast(TextIO, self.stdout),  # writes as a text stream does
        )
