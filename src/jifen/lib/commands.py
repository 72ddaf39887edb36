"""Shared behaviour of the ``jifen`` management commands."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jifen.audit.context import channel
from jifen.lib.errors import DomainError


class JifenCommand(BaseCommand):
    """Runs ``handle_jifen`` as the command line channel; domain errors become one clean line."""

    def handle(self, *args: Any, **options: Any) -> str | None:
        with channel("cli"):
            try:
                return self.handle_jifen(*args, **options)
            except DomainError as exc:
                raise CommandError(f"{exc.code}: {exc.render()}") from None

    def handle_jifen(self, *args: Any, **options: Any) -> str | None:
        raise NotImplementedError
