from typing import Any

from jifen.demo.seed_demo import DEMO_PASSWORD, seed_demo
from jifen.demo.seed_scale import default_communities, seed_incidents, seed_messages, seed_scale
from jifen.lib.commands import JifenCommand


class Command(JifenCommand):
    help = "Load data: `seed demo` (idempotent demo county) or `seed scale` (benchmarks)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("demo", help="a demo county with communities, people and roles")
        scale = sub.add_parser(
            "scale",
            help="a synthetic county (codes SCALE…) with N volunteers and M months of awards",
        )
        scale.add_argument("--volunteers", type=int, required=True, help="number of volunteers")
        scale.add_argument(
            "--months",
            type=int,
            default=3,
            help="months of service before the current month (default 3)",
        )
        scale.add_argument(
            "--communities",
            type=int,
            default=None,
            help="number of communities (default: one per ~473 volunteers, 300 for 142,000)",
        )
        scale.add_argument(
            "--incidents",
            type=int,
            default=0,
            help="also N grid incidents over the last three years (the dashboards' benchmark)",
        )
        scale.add_argument(
            "--messages",
            type=int,
            default=0,
            help="also N residents' messages over the last three years (the inspectors' benchmark)",
        )

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        if options["what"] == "scale":
            self._scale(options)
            return
        logins = seed_demo()
        self.stdout.write(f"Demo data ready. Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.phone}  {login.name:<4}  {login.what}")

    def _scale(self, options: dict[str, Any]) -> None:
        volunteers = options["volunteers"]
        communities = options["communities"] or default_communities(volunteers)
        self.stdout.write(
            f"Seeding the SCALE county: {volunteers} volunteers in {communities} communities, "
            f"{options['months']} month(s) of service…"
        )
        report = seed_scale(
            volunteers,
            options["months"],
            communities,
            progress=self.stdout.write,
        )
        self.stdout.write(
            f"Seeded {report.county}: {report.communities} communities, {report.volunteers} "
            f"volunteers, {report.teams} teams, {report.transfers} transfers over "
            f"{report.first_month}…{report.last_month} in {report.seconds:.1f} s. "
            f"`jifen tick` settles those months."
        )
        if options["incidents"] > 0:
            made = seed_incidents(options["incidents"], progress=self.stdout.write)
            self.stdout.write(f"Seeded {made} grid incidents over three years.")
        if options["messages"] > 0:
            made = seed_messages(options["messages"], progress=self.stdout.write)
            self.stdout.write(f"Seeded {made} residents' messages over three years.")
