import sys
from typing import Any

from jifen.lib.commands import JifenCommand
from jifen.ops.against import OK, UNUSABLE, against
from jifen.ops.verify import violations
from jifen.regions.selectors import get_region


class Command(JifenCommand):
    help = (
        "Check the ledger and every sealed month; exit 1 with one line per violation. "
        "With --against FILE: hold an earlier checkpoint against today's server "
        "(exit 1 naming what changed since, 2 for a file that cannot be used)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--region", help="check only this region and below")
        parser.add_argument(
            "--against",
            metavar="FILE",
            help="an earlier checkpoint file (GET /public/checkpoints/{code}) to hold "
            "against today's log and data",
        )

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        if options.get("against"):
            self._against(options["against"])
            return
        region = get_region(options["region"]) if options.get("region") else None
        count = 0
        for line in violations(region):
            self.stdout.write(line)
            count += 1
        if count:
            self.stderr.write(f"{count} violation(s) found")
            sys.exit(1)
        self.stderr.write("ledger verified: every invariant and every sealed month holds")

    def _against(self, path: str) -> None:
        try:
            outcome = against(path)
        except Exception as exc:  # noqa: BLE001 - said in one line, never a traceback
            self.stderr.write(f"the check against {path} could not finish: {type(exc).__name__}")
            sys.exit(UNUSABLE)
        for line in outcome.lines:
            self.stdout.write(line)
        if outcome.code == OK:
            self.stdout.write(outcome.summary)
            return
        self.stderr.write(outcome.summary)
        sys.exit(UNUSABLE if outcome.code == UNUSABLE else 1)
