from pathlib import Path
from typing import Any

from jifen.lib.backup import backup
from jifen.lib.commands import JifenCommand


class Command(JifenCommand):
    help = "Write a whole-instance backup (data, secret key, uploads) to FILE (a zip)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        manifest = backup(Path(options["file"]))
        self.stdout.write(f"backup written to {options['file']} ({manifest['database']})")
