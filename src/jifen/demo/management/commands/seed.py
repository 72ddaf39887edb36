from typing import Any

from jifen.demo.seed_demo import DEMO_PASSWORD, seed_demo
from jifen.lib.commands import JifenCommand


class Command(JifenCommand):
    help = "Load data: `seed demo` (idempotent demo county) or `seed scale` (benchmarks)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("demo", help="a demo county with communities, people and roles")

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        logins = seed_demo()
        self.stdout.write(f"Demo data ready. Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.phone}  {login.name:<4}  {login.what}")
