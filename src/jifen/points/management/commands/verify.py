import itertools
import sys
from typing import Any

from jifen.lib.commands import JifenCommand
from jifen.points.verify import check_ledger, guarded
from jifen.publicity.services import check_seals
from jifen.regions.selectors import get_region


class Command(JifenCommand):
    help = "Check the ledger and every sealed month; exit 1 with one line per violation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--region", help="check only this region and below")

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        region = get_region(options["region"]) if options.get("region") else None
        violations = 0
        # Each check is guarded: one that cannot finish is a violation line, not a traceback.
        seals = guarded("seals", check_seals, region)
        for line in itertools.chain(check_ledger(region), seals):
            self.stdout.write(line)
            violations += 1
        if violations:
            self.stderr.write(f"{violations} violation(s) found")
            sys.exit(1)
        self.stderr.write("ledger verified: every invariant and every sealed month holds")
