"""The ``jifen`` command: Django's management commands under the project's own name.

Every contract command (``jifen migrate``, ``jifen region add``, ``jifen seed demo``...)
is a management command in the app that owns it, so ``jifen X`` and
``python -m jifen X`` reach the same code as the tests do through ``call_command``.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jifen", *(sys.argv[1:] if argv is None else argv)])
