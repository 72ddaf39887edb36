import sys
from typing import Any

from jifen.lib.commands import JifenCommand
from jifen.ops.verify import violations
from jifen.regions.selectors import get_region


class Command(JifenCommand):
    help = "Check the ledger and every sealed month; exit 1 with one line per violation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--region", help="check only this region and below")

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        region = get_region(options["region"]) if options.get("region") else None
        count = 0
        for line in violations(region):
            self.stdout.write(line)
            count += 1
        if count:
            self.stderr.write(f"{count} violation(s) found")
            sys.exit(1)
        self.stderr.write("ledger verified: every invariant and every sealed month holds")
