import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from jifen.lib.backup import BackupError, restore
from jifen.lib.commands import JifenCommand
from jifen.points.verify import check_ledger


class Command(JifenCommand):
    help = "Restore a whole-instance backup FILE into an empty, migrated database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        try:
            manifest = restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for key, value in manifest.items():
            self.stdout.write(f"{key}: {value}")
        violations = list(check_ledger())
        for line in violations:
            self.stdout.write(line)
        if violations:
            self.stderr.write("restored, but the ledger does not verify")
            sys.exit(1)
        self.stdout.write("restored; ledger verified")
