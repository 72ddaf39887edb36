from typing import Any

from django.core.management.base import CommandError
from django.db import transaction

from jifen.lib.commands import JifenCommand
from jifen.people.models import Role
from jifen.people.services import create_person_from_cli, grant_role
from jifen.regions.selectors import get_region


class Command(JifenCommand):
    help = (
        "Create a person (optionally with a home community and a staff role over a region); "
        "prints the person's id alone on the last line."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--phone", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--community", help="code of the home community")
        parser.add_argument("--staff", choices=Role.values, help="role to give")
        parser.add_argument("--region", help="code of the region the role is held over")

    def handle_jifen(self, *args: Any, **options: Any) -> None:
        if bool(options.get("staff")) != bool(options.get("region")):
            raise CommandError("--staff and --region go together")
        with transaction.atomic():
            community = get_region(options["community"]) if options.get("community") else None
            person = create_person_from_cli(
                name=options["name"],
                phone=options["phone"],
                password=options["password"],
                community=community,
            )
            if options.get("staff"):
                grant_role(
                    actor=None,
                    person=person,
                    role=options["staff"],
                    region=get_region(options["region"]),
                )
        self.stdout.write(f"{person.name} {person.volunteer_no}")
        self.stdout.write(str(person.pk))
