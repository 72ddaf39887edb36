from typing import Any

from jifen.lib.commands import JifenCommand
from jifen.regions.models import Level, Region
from jifen.regions.services import add_region


class Command(JifenCommand):
    help = "Add or list regions of the tenancy tree (county, town, community, ...)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a region")
        add.add_argument("--code", required=True, help="unique code, e.g. a division code")
        add.add_argument("--name", required=True)
        add.add_argument("--level", required=True, choices=Level.values)
        add.add_argument("--parent", help="code of the parent region")
        sub.add_parser("list", help="list every region as a tree")

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            region = add_region(
                actor=None,
                code=options["code"],
                name=options["name"],
                level=options["level"],
                parent_code=options.get("parent"),
            )
            self.stdout.write(f"{region.code}\t{region.name}\t{region.level}\t{region.path}")
        else:
            for region in Region.objects.order_by("path"):
                depth = region.path.count("/") - 2
                self.stdout.write(f"{'  ' * depth}{region.code}\t{region.name}\t{region.level}")
